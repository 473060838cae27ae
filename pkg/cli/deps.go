package cli

import (
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/smscast/smscast/pkg/i18n"
)

// Deps is all the process state a command may touch: its streams with their terminal flags, the
// environment and the clock. main builds it from the real process; tests build it from buffers.
type Deps struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	StdinTTY  bool
	StdoutTTY bool
	StderrTTY bool

	LookupEnv func(key string) (string, bool)
	Now       func() time.Time

	Version string

	printer *i18n.Printer // the language people read; set by Main (see ui)
}

// System returns the Deps of the running process.
func System(version string) *Deps {
	return &Deps{
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		StdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		LookupEnv: os.LookupEnv,
		Now:       time.Now,
		Version:   version,
	}
}

func (d *Deps) getenv(key string) string {
	v, _ := d.LookupEnv(key)
	return v
}

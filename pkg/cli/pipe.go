package cli

import (
	"errors"
	"io"
	"runtime"
	"sync/atomic"
	"syscall"
)

// brokenPipe reports whether err is a write to a pipe whose reader has gone, on goos: EPIPE on
// Unix; on Windows ERROR_BROKEN_PIPE (109) or ERROR_NO_DATA (232, "the pipe is being closed"),
// which is what writing to `| Select-Object -First 1` or `| more` gives once they stop reading.
func brokenPipe(goos string, err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	if goos == "windows" {
		return errno == 109 || errno == 232
	}
	return errno == syscall.EPIPE
}

// pipeWriter is stdout as commands see it. Once whoever reads it has gone (`smscast history |
// head -1`), further output is dropped and writes succeed: the command finishes what it was
// doing (a send must not stop halfway because a pager was closed), and Main ends it with exit 0
// and no message, as head expects.
//
// Go itself kills a process that writes to a broken stdout with SIGPIPE on Unix; main turns that
// off (signal.Notify), so that this type decides the same way on every OS.
type pipeWriter struct {
	w      io.Writer
	goos   string
	broken atomic.Bool
}

func (p *pipeWriter) Write(b []byte) (int, error) {
	if p.broken.Load() {
		return len(b), nil
	}
	n, err := p.w.Write(b)
	if err != nil && brokenPipe(p.goos, err) {
		p.broken.Store(true)
		return len(b), nil
	}
	return n, err
}

// withPipeStdout returns a copy of d whose Stdout is a pipeWriter over d.Stdout.
func withPipeStdout(d *Deps) (*Deps, *pipeWriter) {
	pw := &pipeWriter{w: d.Stdout, goos: runtime.GOOS}
	c := *d
	c.Stdout = pw
	return &c, pw
}

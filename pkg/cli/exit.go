package cli

import (
	"errors"

	"github.com/smscast/smscast/pkg/i18n"
)

// Exit codes, as documented in `smscast help exit-codes`.
const (
	ExitOK          = 0   // every sendable message accepted, or a clean dry run
	ExitError       = 1   // an error: the provider is down, a file could not be written, …
	ExitUsage       = 2   // usage, config or validation error: nothing was sent
	ExitPartial     = 3   // some deliveries failed: see the report
	ExitInterrupted = 130 // interrupted: run the same command again to resume
)

const exitCodesHelp = `EXIT STATUS
  0    every sendable message was accepted by the provider (or the dry run was clean)
  1    an error stopped the run (provider outage, bad credentials, a file that could not be written);
       deliveries not yet sent stay pending: run the same command again to resume
  2    usage, configuration or input error (bad list, unknown template, missing field):
       nothing was sent and no campaign was created
  3    partial: the run finished but some deliveries failed or are unknown: see the report
       and the call list
  130  interrupted (Ctrl-C): in-flight messages were recorded; pending deliveries remain:
       run the same command again to resume
`

// exitError is an error meant for the user, with the exit code it ends the process with and an
// optional hint saying what to do next.
type exitError struct {
	code int
	err  error
	hint string // a sentence of the catalog; a format of it when hintArgs is set
	// hintArgs are the hint's arguments (a command to run again, a path).
	hintArgs []any
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr is a usage, config or validation error: exit 2, nothing sent.
func usageErr(hint string, format string, a ...any) error {
	return &exitError{code: ExitUsage, err: errorf(format, a...), hint: hint}
}

// asUsage marks err as a usage, config or validation error.
func asUsage(err error, hint string) error {
	if err == nil {
		return nil
	}
	var e *exitError
	if errors.As(err, &e) {
		return err
	}
	return &exitError{code: ExitUsage, err: err, hint: hint}
}

// hintf gives err (an exitError, else a run error) the hint format with its arguments.
func hintf(err error, format string, a ...any) error {
	var e *exitError
	if !errors.As(err, &e) {
		e = &exitError{code: ExitError, err: err}
	}
	e.hint, e.hintArgs = format, a
	return e
}

// hintIn is the hint in p's language.
func (e *exitError) hintIn(p *i18n.Printer) string {
	if e.hintArgs != nil {
		return p.Sprintf(e.hint, localizeArgs(p, e.hintArgs)...)
	}
	return localizeText(p, e.hint)
}

// failErr is a run error: exit 1.
func failErr(err error, hint string) error {
	return &exitError{code: ExitError, err: err, hint: hint}
}

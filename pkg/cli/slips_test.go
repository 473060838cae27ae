package cli

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// What a user trips on answers with what is true and what to do (issue 18).
func TestSlipsGetAnAnswerThatSaysWhatToDo(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"the list without --to", []string{"send", "outage", fixture}, ExitUsage, "did you mean: smscast send outage --to " + fixture},
		{"--rows 1 is the header", []string{"send", "outage", "--to", fixture, "--rows", "1", "--dry-run"}, ExitUsage, "row 1 is the header"},
		{"--rows beyond the list", []string{"send", "outage", "--to", fixture, "--rows", "500", "--dry-run"}, ExitUsage, "beyond the last row"},
		{"--limit 0", []string{"send", "outage", "--to", fixture, "--limit", "0", "--dry-run"}, ExitUsage, "--limit 0"},
		{"--rate NaN", []string{"send", "outage", "--to", fixture, "--rate", "NaN", "--dry-run"}, ExitUsage, "rate: NaN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			r := e.run(tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want %d with %q:\n%s", r.code, tt.code, tt.want, r.stderr)
			}
		})
	}
}

// Ctrl-C at the [y/N] prompt answers it: exit 130, nothing sent, no campaign.
func TestCtrlCAtThePromptSendsNothing(t *testing.T) {
	e := newTestEnv(t)
	pr, pw := io.Pipe() // a terminal nobody types into
	defer pw.Close()
	var stdout, stderr bytes.Buffer
	d := &Deps{Stdin: pr, Stdout: &stdout, Stderr: &stderr, StdinTTY: true, StdoutTTY: true, StderrTTY: true,
		LookupEnv: func(k string) (string, bool) { v, ok := e.env[k]; return v, ok },
		Now:       func() time.Time { return e.now }}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	done := make(chan int, 1)
	go func() { done <- Main(ctx, d, []string{"send", "outage", "--to", fixture, "--report-dir", e.dir}) }()
	select {
	case code := <-done:
		if code != ExitInterrupted || !strings.Contains(stderr.String(), "interrupted at the prompt") {
			t.Errorf("exit %d\n%s", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the prompt ignored Ctrl-C")
	}
	if h := e.run("history"); strings.Contains(h.stdout, "outage-") {
		t.Errorf("a campaign was created:\n%s", h.stdout)
	}
}

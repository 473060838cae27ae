package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/journal"
)

// sendRun is callable without cobra, as gh's createRun is: options in, output and an error out.
func TestSendRunWithoutCobra(t *testing.T) {
	e := newTestEnv(t)
	e.env["SMSCAST_REPORT_DIR"] = e.dir
	var stdout, stderr bytes.Buffer
	d := &Deps{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		LookupEnv: func(k string) (string, bool) { v, ok := e.env[k]; return v, ok },
		Now:       func() time.Time { return e.now }}
	o := &sendOptions{g: &globalOptions{}, Template: "outage", To: fixture, Yes: true, JSON: true}
	if err := sendRun(context.Background(), d, o); err != nil {
		t.Fatalf("sendRun: %v\n%s", err, stderr.String())
	}
	var res sendResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if res.SentThisRun != 3 || res.Accepted != 3 || res.Skipped != 2 || res.Resumed {
		t.Errorf("result %+v", res)
	}
	if !strings.Contains(stderr.String(), "Recipients: 3 messages to 4 patients") {
		t.Errorf("the summary goes to stderr with --json:\n%s", stderr.String())
	}

	// The same options again: the campaign of the same message is resumed, nobody texted twice.
	stdout.Reset()
	stderr.Reset()
	if err := sendRun(context.Background(), d, o); err != nil {
		t.Fatalf("again: %v\n%s", err, stderr.String())
	}
	var again sendResult
	if err := json.Unmarshal(stdout.Bytes(), &again); err != nil || again.Campaign != res.Campaign || again.SentThisRun != 0 || !again.Resumed {
		t.Errorf("again: %+v %v", again, err)
	}

	o = &sendOptions{g: &globalOptions{}, To: fixture, Yes: true}
	err := sendRun(context.Background(), d, o)
	var ee *exitError
	if !asExit(err, &ee) || ee.code != ExitUsage {
		t.Errorf("no template: %v, want a usage error", err)
	}
}

func asExit(err error, target **exitError) bool {
	e, ok := err.(*exitError)
	if ok {
		*target = e
	}
	return ok
}

// runSend calls sendRun as gh's createRun tests do: the options struct built by hand, Deps of
// buffers with the terminal flags given, no cobra and no argv.
func runSend(t *testing.T, e *testEnv, o *sendOptions) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	start := time.Now()
	d := &Deps{Stdin: strings.NewReader(e.in), Stdout: &out, Stderr: &errb,
		StdinTTY: e.tty, StdoutTTY: e.tty, StderrTTY: e.tty,
		LookupEnv: func(k string) (string, bool) { v, ok := e.env[k]; return v, ok },
		Now:       func() time.Time { return e.now.Add(time.Since(start)) }}
	if o.g == nil {
		o.g = &globalOptions{}
	}
	err = sendRun(context.Background(), d, o)
	return out.String(), errb.String(), err
}

func TestSendRunWithFakeIO(t *testing.T) {
	tests := []struct {
		name       string
		opts       sendOptions
		tty        bool
		stdin      string
		env        map[string]string
		wantCode   int // ExitOK for no error
		wantErr    string
		wantStdout []string
		wantStderr []string
		noStdout   bool
	}{
		{
			name:       "a dry run shows who would receive what and sends nothing",
			opts:       sendOptions{Template: "outage", To: fixture, DryRun: true},
			wantStdout: []string{"Recipients: 3 messages to 4 patients", "Dry run: nothing was sent."},
		},
		{
			name:     "without a terminal it refuses to send without --yes",
			opts:     sendOptions{Template: "outage", To: fixture},
			wantCode: ExitUsage,
			wantErr:  "not a terminal: refusing to send without --yes",
		},
		{
			name:       "on a terminal it asks, and anything but yes cancels",
			opts:       sendOptions{Template: "outage", To: fixture},
			tty:        true,
			stdin:      "n\n",
			wantCode:   ExitUsage,
			wantErr:    "not sent: cancelled at the prompt",
			wantStderr: []string{"Send 3 messages now? [y/N] "},
		},
		{
			name:       "on a terminal a yes at the prompt sends",
			opts:       sendOptions{Template: "outage", To: fixture},
			tty:        true,
			stdin:      "y\n",
			wantStderr: []string{"Send 3 messages now? [y/N] "},
			wantStdout: []string{"3 sent this run, 3 accepted, 0 failed, 0 unknown, 0 pending, 2 not sendable (simulated: no real SMS was sent)"},
		},
		{
			name:       "--yes sends without asking and prints the result on stdout",
			opts:       sendOptions{Template: "outage", To: fixture, Yes: true},
			wantStdout: []string{" created: 3 messages to send.", "3 sent this run, 3 accepted"},
		},
		{
			name:       "a number the provider refuses is a partial success: exit 3",
			opts:       sendOptions{Template: "outage", To: fixture, Yes: true},
			env:        map[string]string{"SMSCAST_SIM_PERMANENT": "+819012345601"},
			wantCode:   ExitPartial,
			wantErr:    "1 messages failed or are unknown: phone those patients",
			wantStdout: []string{"2 sent this run, 2 accepted, 1 failed"},
		},
		{
			name:     "--json and --events both want stdout",
			opts:     sendOptions{Template: "outage", To: fixture, Yes: true, JSON: true, Events: true},
			wantCode: ExitUsage,
			wantErr:  "--json and --events both print on stdout: give only one",
			noStdout: true,
		},
		{
			name:     "a flag given on the command line overrides the config without cobra",
			opts:     sendOptions{Template: "outage", To: fixture, Yes: true, inv: invocation{flags: flagsSet{{name: "workers", value: "0"}}}},
			wantCode: ExitUsage,
			wantErr:  "workers: 0 must be between 1 and 1000",
			noStdout: true,
		},
		{
			name:     "--limit given as 0 is refused",
			opts:     sendOptions{Template: "outage", To: fixture, Yes: true, Limit: 0, inv: invocation{flags: flagsSet{{name: "limit", value: "0"}}}},
			wantCode: ExitUsage,
			wantErr:  "--limit 0: give a positive number of patients",
			noStdout: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.env["SMSCAST_REPORT_DIR"] = e.dir
			for k, v := range tt.env {
				e.env[k] = v
			}
			e.tty, e.in = tt.tty, tt.stdin
			o := tt.opts
			stdout, stderr, err := runSend(t, e, &o)
			code := ExitOK
			if err != nil {
				var ee *exitError
				if !asExit(err, &ee) {
					t.Fatalf("error %v (%T) is not an exitError", err, err)
				}
				code = ee.code
			}
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %v\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, err, stdout, stderr)
			}
			if tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q, want it to contain %q", err, tt.wantErr)
			}
			for _, w := range tt.wantStdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if tt.noStdout && stdout != "" {
				t.Errorf("stdout should be empty:\n%s", stdout)
			}
		})
	}
}

// --events prints one JSON object a line on stdout, from start to end, and the human summary goes
// to stderr.
func TestSendRunEventsAreNDJSONOnStdout(t *testing.T) {
	e := newTestEnv(t)
	e.env["SMSCAST_REPORT_DIR"] = e.dir
	stdout, stderr, err := runSend(t, e, &sendOptions{Template: "outage", To: fixture, Yes: true, Events: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var kinds []string
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		var ev ndjson
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		kinds = append(kinds, ev.Event)
		if ev.Event == "end" && (ev.Result == nil || ev.Result.Accepted != 3) {
			t.Errorf("end carries the result: %s", line)
		}
		if strings.Contains(line, "5601") && !strings.Contains(line, "****-5601") {
			t.Errorf("a number in an event must be masked: %s", line)
		}
	}
	if got := strings.Join(kinds, " "); got != "start delivery delivery delivery end" {
		t.Errorf("events %q", got)
	}
	if !strings.Contains(stderr, "Recipients: 3 messages to 4 patients") || !strings.Contains(stderr, "3 sent this run") {
		t.Errorf("the human summary goes to stderr with --events:\n%s", stderr)
	}
}

// The audit trail names the command RunE captured, never its arguments; called from code it is
// "smscast".
func TestSendRunAuditsTheCapturedCommand(t *testing.T) {
	for _, tt := range []struct{ command, want string }{{"smscast send", "smscast send"}, {"", "smscast"}} {
		e := newTestEnv(t)
		e.env["SMSCAST_REPORT_DIR"] = e.dir
		if _, stderr, err := runSend(t, e, &sendOptions{Template: "outage", To: fixture, Yes: true, inv: invocation{command: tt.command}}); err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		j, err := journal.Open(context.Background(), filepath.Join(e.dir, "data", "smscast", "journal.db"))
		if err != nil {
			t.Fatal(err)
		}
		es, err := j.AuditTrail(context.Background(), time.Time{})
		j.Close()
		if err != nil || len(es) == 0 {
			t.Fatalf("audit trail %v %v", es, err)
		}
		for _, en := range es {
			if en.Command != tt.want {
				t.Errorf("command %q recorded %q, want %q", tt.command, en.Command, tt.want)
			}
		}
	}
}

// The resume command repeats the flags RunE captured, in pflag's order, with the campaign and
// --yes; without a command line it is built from the options.
func TestResumeCommandFromTheCapturedFlags(t *testing.T) {
	tests := []struct {
		name string
		o    sendOptions
		want string
	}{
		{"without a command line: the template and the list",
			sendOptions{Template: "outage", To: "patients.csv"},
			"smscast send outage --to patients.csv --campaign c1 --yes"},
		{"every kind of flag given, --campaign and --yes left to the end",
			sendOptions{Template: "outage", inv: invocation{flags: flagsSet{
				{name: "ack", value: "true", kind: boolFlag},
				{name: "campaign", value: "old"},
				{name: "smart-encoding", value: "false", kind: boolFlag},
				{name: "to", value: "a b.csv"},
				{name: "var", value: "[x=1,y=2]", list: []string{"x=1", "y=2"}, kind: listFlag},
				{name: "yes", value: "true", kind: boolFlag},
			}}},
			"smscast send outage --ack '--smart-encoding=false' --to 'a b.csv' --var 'x=1' --var 'y=2' --campaign c1 --yes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := resumeCommand(&tt.o, "c1"); got != tt.want && runtime.GOOS != "windows" {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

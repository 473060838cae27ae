package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
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

package cli

import (
	"strings"
	"testing"
)

// A mistyped flag is answered with the flag meant, in words, and nothing runs.
func TestAMistypedFlagSuggestsTheOneMeant(t *testing.T) {
	e := newTestEnv(t)
	for _, c := range []struct{ flag, want string }{
		{"--dryrun", "did you mean --dry-run?"},
		{"--list", "did you mean --to?"},
		{"--file=patients.csv", "did you mean --to?"},
		{"-t", "did you mean --to or --test"},
		{"--repot-dir", "did you mean --report-dir?"},
		{"--camp", "did you mean --campaign?"},
		{"--message", "did you mean --body?"},
	} {
		r := e.run("send", "outage", c.flag, "x")
		if r.code != ExitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s: exit %d\n%s", c.flag, r.code, r.stderr)
		}
	}
	r := e.run("send", "outage", "--zzzz")
	if r.code != ExitUsage || strings.Contains(r.stderr, "did you mean") || !strings.Contains(r.stderr, "smscast send --help") {
		t.Errorf("--zzzz: exit %d\n%s", r.code, r.stderr)
	}
	e.env["LANG"] = "ja_JP.UTF-8"
	r = e.run("status", "--wach")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--watch のことですか?") {
		t.Errorf("Japanese: exit %d\n%s", r.code, r.stderr)
	}
}

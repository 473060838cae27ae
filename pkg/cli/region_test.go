package cli

import (
	"strings"
	"testing"
)

// A Japanese list read with --region US is refused, naming the region the numbers belong to, and
// nothing is sent; in Japanese too. `check` says the same as a warning.
func TestAWrongRegionIsNamedBeforeAnythingIsSent(t *testing.T) {
	e := newTestEnv(t)
	r := e.run("send", "outage", "--to", "../../examples/patients.csv", "--region", "US", "--yes")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "15 of 16 numbers are not valid in region US, but 14 of the 15 looked at are numbers of Japan (JP): is the region right? (--region JP)") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if r := e.run("history"); strings.Contains(r.stdout, "outage") {
		t.Errorf("a campaign was created:\n%s", r.stdout)
	}
	e.env["LANG"] = "ja_JP.UTF-8"
	r = e.run("send", "outage", "--to", "../../examples/patients.csv", "--region", "US", "--yes")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "Japan (JP) の番号です。地域の設定は合っていますか?(--region JP)") ||
		!strings.Contains(r.stderr, "何も送信していません") {
		t.Fatalf("Japanese: exit %d\n%s", r.code, r.stderr)
	}
	// The right region sends as usual.
	if r := e.run("send", "outage", "--to", "../../examples/patients.csv", "--region", "JP", "--yes", "--report-dir", e.dir); r.code != ExitOK {
		t.Fatalf("--region JP: exit %d\n%s", r.code, r.stderr)
	}
}

func TestCheckWarnsOfAWrongRegion(t *testing.T) {
	e := newTestEnv(t)
	r := e.run("check", "--region", "US", "../../examples/patients.csv")
	if !strings.Contains(r.stdout+r.stderr, "most numbers are not valid in region US but are numbers of Japan (JP): is the region right? (--region JP)") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = e.run("check", "../../examples/patients.csv")
	if strings.Contains(r.stdout+r.stderr, "is the region right") {
		t.Errorf("the right region warned:\n%s%s", r.stdout, r.stderr)
	}
}

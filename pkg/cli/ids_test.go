package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestACampaignIDWindowsCannotHoldIsRefusedOnEveryOS(t *testing.T) {
	for _, id := range []string{"CON", "nul.txt", "COM1", "drill.", "a:b"} {
		e := newTestEnv(t)
		r := e.run("send", "outage", "--to", fixture, "--campaign", id, "--provider", "sim", "--dry-run")
		if r.code != ExitUsage || !strings.Contains(r.stderr, "not a usable campaign ID") {
			t.Errorf("--campaign %s: exit %d\n%s", id, r.code, r.stderr)
		}
	}
}

func TestCampaignIDsThatDifferOnlyInCaseAreOneCampaign(t *testing.T) {
	e := newTestEnv(t)
	first := e.run("send", "outage", "--to", fixture, "--campaign", "drill1", "--yes", "--json", "--report-dir", e.dir)
	second := e.run("send", "outage", "--to", fixture, "--campaign", "Drill1", "--yes", "--json", "--report-dir", e.dir, "--again")
	var a, b sendResult
	if err := json.Unmarshal([]byte(first.stdout), &a); err != nil || first.code != ExitOK {
		t.Fatalf("first: exit %d %v\n%s", first.code, err, first.stderr)
	}
	if err := json.Unmarshal([]byte(second.stdout), &b); err != nil {
		t.Fatalf("second: exit %d %v\n%s", second.code, err, second.stderr)
	}
	if b.Campaign != "drill1" || !b.Resumed || b.SentThisRun != 0 {
		t.Errorf("--campaign Drill1 after drill1 = %+v: want the same campaign resumed, nothing sent", b)
	}
}

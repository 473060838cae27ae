package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The shell's completion offers smscast's own words, and asking for it writes nothing.
func TestCompletionOffersTemplatesCampaignsAndLanguages(t *testing.T) {
	e := newTestEnv(t)
	journalPath := filepath.Join(e.env["XDG_DATA_HOME"], "smscast", "journal.db")
	complete := func(args ...string) []string {
		t.Helper()
		r := e.run(append([]string{"__complete"}, args...)...)
		if r.code != ExitOK {
			t.Fatalf("__complete %v: exit %d\n%s", args, r.code, r.stderr)
		}
		var words []string
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if !strings.HasPrefix(l, ":") {
				w, _, _ := strings.Cut(l, "\t")
				words = append(words, w)
			}
		}
		return words
	}
	if got := strings.Join(complete("send", ""), " "); !strings.Contains(got, "outage") || !strings.Contains(got, "bloodwork") {
		t.Errorf("send templates: %s", got)
	}
	if got := strings.Join(complete("templates", "show", "res"), " "); !strings.Contains(got, "reschedule") {
		t.Errorf("templates show: %s", got)
	}
	if got := strings.Join(complete("send", "outage", "--lang", ""), " "); got != "ja en" {
		t.Errorf("--lang: %s", got)
	}
	if got := strings.Join(complete("send", "outage", "--provider", ""), " "); got != "karaden sim smsgate twilio" {
		t.Errorf("--provider: %s", got)
	}
	if got := complete("status", ""); len(got) != 0 {
		t.Errorf("campaigns before any send: %v", got)
	}
	if _, err := os.Stat(journalPath); err == nil {
		t.Fatal("completion created a journal")
	}
	for _, id := range []string{"drill-1", "drill-2"} {
		e.now = e.now.Add(time.Hour) // each run's clock starts at e.now
		if r := e.run("send", "outage", "--to", fixture, "--yes", "--again", "--campaign", id, "--report-dir", e.dir); r.code != ExitOK {
			t.Fatalf("send: exit %d\n%s", r.code, r.stderr)
		}
	}
	if got := strings.Join(complete("report", ""), " "); got != "drill-2 drill-1" {
		t.Errorf("report campaigns: %q, want the newest first", got)
	}
	if got := strings.Join(complete("send", "outage", "--recipients-of", ""), " "); !strings.Contains(got, "drill-1") {
		t.Errorf("--recipients-of: %s", got)
	}
}

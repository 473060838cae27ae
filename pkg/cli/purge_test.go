package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/journal"
)

func TestPurgeOlderThanZeroLeavesNoNumberInTheJournal(t *testing.T) {
	e := newPrivacyEnv(t)
	body := sendDrill(t, e, "drill-1")
	before := e.run("history", "--json")
	r := e.run("purge", "--older-than", "0s")
	if r.code != ExitOK || !strings.Contains(r.stdout, "Removed the names, numbers and texts of 1 campaigns") ||
		!strings.Contains(r.stdout, "within repeat_window") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, f := range []string{e.journalPath(), e.journalPath() + "-wal"} {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range append(fixturePII, body) {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s still holds %q", filepath.Base(f), s)
			}
		}
	}
	after := e.run("history", "--json")
	if after.code != ExitOK || after.stdout != before.stdout {
		t.Errorf("history changed by the purge:\nbefore %s\nafter  %s", before.stdout, after.stdout)
	}
	if !strings.Contains(after.stdout, `"drill-1"`) || !strings.Contains(after.stdout, `"submitted": 3`) {
		t.Errorf("history after purge: %s", after.stdout)
	}
	if r := e.run("report", "drill-1", "--format", "json", "--out", "-"); r.code != ExitOK {
		t.Errorf("a purged campaign must still be readable: exit %d\n%s", r.code, r.stderr)
	}
	if r := e.run("purge", "--older-than", "0s"); r.code != ExitOK || !strings.Contains(r.stdout, "No campaign") {
		t.Errorf("second purge: %s", r.stdout)
	}
}

func TestPurgeDryRunAndReports(t *testing.T) {
	e := newPrivacyEnv(t)
	sendDrill(t, e, "drill-1")
	sendDrill(t, e, "test-1", "--test")
	reports := filepath.Join(e.dir, "reports")
	// Both campaigns' reports are older than the clock (see newPrivacyEnv).
	var files []string
	for _, id := range []string{"drill-1", "test-1"} {
		for _, suffix := range []string{".csv", "-call.csv", "-call.html", ".json"} {
			files = append(files, filepath.Join(reports, id+suffix))
		}
	}
	other := e.write("reports/notes.csv", "the clinic's own file\n")

	r := e.run("purge", "--older-than", "0s", "--dry-run", "--json", "--report-dir", reports)
	var res purgeJSON
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != ExitOK {
		t.Fatalf("exit %d %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if !res.DryRun || len(res.Purged) != 2 || !res.Purged[1].Test || len(res.Reports) != 8 || res.ReportsGone {
		t.Errorf("dry run = %+v", res)
	}
	if es := withoutSends(auditEntries(t, e)); len(es) != 0 {
		t.Errorf("a dry run is recorded: %+v", es)
	}
	if r := e.run("purge", "--older-than", "0s", "--report-dir", reports); !strings.Contains(r.stdout, "purge --reports deletes them") {
		t.Errorf("reports not listed:\n%s", r.stdout)
	}
	for _, p := range files {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s deleted without --reports", p)
		}
	}
	if r := e.run("purge", "--older-than", "0s", "--reports", "--report-dir", reports); r.code != ExitOK || !strings.Contains(r.stdout, "Deleted 8 report files") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, p := range files {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s kept with --reports", p)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Error("purge deleted a file smscast did not write")
	}
	es := withoutSends(auditEntries(t, e))
	if len(es) != 2 || es[0].Counts["campaigns"] != 2 || es[1].Counts["reports"] != 8 {
		t.Errorf("entries: %+v", es)
	}
}

func TestPurgeIsRefusedWhileACampaignIsBeingSent(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the lock is a row there, held by pid: this process is alive either way, but the test relies on flock")
	}
	e := newPrivacyEnv(t)
	sendDrill(t, e, "drill-1")
	j, err := journal.Open(context.Background(), e.journalPath())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	release, err := j.Lock(context.Background(), "drill-1")
	if err != nil {
		t.Fatal(err)
	}
	r := e.run("purge", "--older-than", "0s")
	if r.code != ExitError || !strings.Contains(r.stderr, "purge refused: campaign drill-1 is being sent") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
	release()
	if r := e.run("purge", "--older-than", "0s"); r.code != ExitOK {
		t.Errorf("after the send: exit %d\n%s", r.code, r.stderr)
	}
}

func TestPurgeNeedsAPeriod(t *testing.T) {
	e := newPrivacyEnv(t)
	sendDrill(t, e, "drill-1")
	if r := e.run("purge"); r.code != ExitUsage || !strings.Contains(r.stderr, "retention") {
		t.Errorf("exit %d %s", r.code, r.stderr)
	}
	if r := e.run("purge", "--older-than", "90 days"); r.code != ExitUsage {
		t.Errorf("exit %d %s", r.code, r.stderr)
	}
	e.env["SMSCAST_RETENTION"] = "3x"
	if r := e.run("history"); r.code != ExitUsage || !strings.Contains(r.stderr, "retention") {
		t.Errorf("a bad retention: exit %d %s", r.code, r.stderr)
	}
	e.env["SMSCAST_RETENTION"] = "90d"
	if r := e.run("purge", "--dry-run"); r.code != ExitOK || !strings.Contains(r.stdout, "No campaign finished more than 90d ago") {
		t.Errorf("retention as default: %s %s", r.stdout, r.stderr)
	}
}

func TestParseRetention(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "90d": 90 * 24 * time.Hour, "12w": 84 * 24 * time.Hour,
		"48h": 48 * time.Hour, "0s": 0, "1h30m": 90 * time.Minute} {
		if got, err := parseRetention(in); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"90", "d", "-1h", "1y", "90 d", "9999999d"} {
		if _, err := parseRetention(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestHistoryRemindsOnceADayOfDataPastRetention(t *testing.T) {
	e := newPrivacyEnv(t)
	sendDrill(t, e, "drill-1")
	e.env["SMSCAST_RETENTION"] = "0s"
	reminder := "still hold patients' names, numbers and texts, the oldest drill-1: run `smscast purge`"
	if r := e.run("history"); !strings.Contains(r.stderr, reminder) {
		t.Errorf("no reminder:\n%s", r.stderr)
	}
	if r := e.run("history"); strings.Contains(r.stderr, reminder) {
		t.Error("reminded twice in a day")
	}
	e.now = e.now.Add(24 * time.Hour)
	if r := e.run("history"); !strings.Contains(r.stderr, reminder) {
		t.Errorf("no reminder the next day:\n%s", r.stderr)
	}
	e.run("purge")
	e.now = e.now.Add(24 * time.Hour)
	if r := e.run("history"); strings.Contains(r.stderr, "still hold") {
		t.Errorf("reminded after the purge:\n%s", r.stderr)
	}
}

func TestHelpPrivacy(t *testing.T) {
	e := newPrivacyEnv(t)
	r := e.run("help", "privacy")
	for _, want := range []string{"0600", "United States", "retention", "audit --verify", "never holds a phone number", "Japan", "nowhere"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help privacy lacks %q", want)
		}
	}
	for _, p := range []string{"twilio", "karaden", "smsgate", "sim"} {
		if dataLocation(p) == dataLocation("pigeon") {
			t.Errorf("provider %s has no data location", p)
		}
	}
	if !strings.HasPrefix(dataLocation("twilio"), "abroad (United States)") || !strings.HasPrefix(dataLocation("karaden"), "Japan") ||
		!strings.HasPrefix(dataLocation("smsgate"), "Japan") || !strings.HasPrefix(dataLocation("sim"), "nowhere") {
		t.Error("data locations")
	}
}

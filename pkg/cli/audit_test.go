package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/journal"
)

// The fixture's patients (testdata/patients.csv): fictitious numbers, as written and in E.164,
// and names.
var fixturePII = []string{"+819012345601", "090-1234-5601", "+818012345602", "080-1234-5602", "+819012345605",
	"090-1234-5605", "山田 花子", "佐藤 一郎", "渡辺 美智子"}

func (e *testEnv) journalPath() string { return filepath.Join(e.dir, "data", "smscast", "journal.db") }

// newPrivacyEnv is a test env in the clinic's timezone whose clock runs a minute ahead of the
// real one: the engine stamps some changes with the real time, and purge compares when a
// campaign finished with the env's clock.
func newPrivacyEnv(t *testing.T) *testEnv {
	e := newTestEnv(t)
	e.env["SMSCAST_TIMEZONE"] = "Asia/Tokyo"
	e.env["SMSCAST_TEST_GROUP"] = fixture
	e.now = time.Now().Add(time.Minute).In(time.FixedZone("JST", 9*3600))
	return e
}

// sendDrill sends the fixture on the simulator as campaign id and returns one message text.
func sendDrill(t *testing.T, e *testEnv, id string, extra ...string) string {
	t.Helper()
	r := e.run("send", "outage", "--to", fixture, "--dry-run", "--json")
	var dry struct {
		Deliveries []struct {
			Body string `json:"body"`
		} `json:"deliveries"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &dry); err != nil || len(dry.Deliveries) == 0 {
		t.Fatalf("dry run: %v\n%s", err, r.stdout)
	}
	args := append([]string{"send", "outage", "--to", fixture, "--yes", "--campaign", id, "--report-dir", filepath.Join(e.dir, "reports")}, extra...)
	if r := e.run(args...); r.code != ExitOK {
		t.Fatalf("send: exit %d\n%s", r.code, r.stderr)
	}
	// Every run's clock starts at e.now: the next runs happen a minute after this send.
	e.now = e.now.Add(time.Minute)
	return dry.Deliveries[0].Body
}

func auditEntries(t *testing.T, e *testEnv) []auditJSON {
	t.Helper()
	r := e.run("audit", "--json")
	if r.code != ExitOK {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	var es []auditJSON
	if err := json.Unmarshal([]byte(r.stdout), &es); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	return es
}

func rawJournal(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStatusReportHistoryAndPurgeAreAudited(t *testing.T) {
	e := newPrivacyEnv(t)
	e.env["SMSCAST_OPERATOR"] = "nurse-sato"
	body := sendDrill(t, e, "drill-1")
	steps := []struct {
		args   []string
		action journal.AuditAction
		who    string
	}{
		{[]string{"status", "drill-1", "--report-dir", e.dir}, journal.AuditStatus, "nurse-sato"},
		{[]string{"report", "drill-1", "--report-dir", e.dir}, journal.AuditReport, "nurse-sato"},
		{[]string{"report", "drill-1", "--format", "json", "--out", filepath.Join(e.dir, "r.json")}, journal.AuditReport, "nurse-sato"},
		{[]string{"history", "--operator", "dr-tanaka"}, journal.AuditHistory, "dr-tanaka"},
		{[]string{"purge", "--older-than", "0s"}, journal.AuditPurge, "nurse-sato"},
	}
	for _, s := range steps {
		if r := e.run(s.args...); r.code != ExitOK && r.code != ExitPartial {
			t.Fatalf("%v: exit %d\n%s", s.args, r.code, r.stderr)
		}
	}
	es := withoutSends(auditEntries(t, e))
	if len(es) != len(steps) {
		t.Fatalf("%d entries, want %d: %+v", len(es), len(steps), es)
	}
	for i, s := range steps {
		got := es[i]
		if got.Action != string(s.action) || got.Operator != s.who || got.Seq != es[0].Seq+int64(i) || got.Offset != 9*3600 ||
			!strings.HasPrefix(got.Command, "smscast ") || got.Host == "" {
			t.Errorf("entry %d = %+v, want %s by %s", i, got, s.action, s.who)
		}
	}
	if es[0].Campaign != "drill-1" || es[0].Provider != "sim" || es[0].Template != "outage" {
		t.Errorf("status entry: %+v", es[0])
	}
	if es[4].Counts["campaigns"] != 1 || es[4].Counts["deliveries"] != 5 {
		t.Errorf("purge entry counts: %v", es[4].Counts)
	}
	if r := e.run("audit", "--verify"); r.code != ExitOK || !strings.Contains(r.stdout, "intact: 7 entries") { // the send created and finished, then the 5 steps
		t.Errorf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := e.run("audit"); r.code != ExitOK || !strings.Contains(r.stdout, "nurse-sato") || !strings.Contains(r.stdout, "+09:00") {
		t.Errorf("audit:\n%s", r.stdout)
	}
	if r := e.run("audit", "--since", "2099-01-01", "--json"); r.code != ExitOK || strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("audit --since: %q", r.stdout)
	}

	// No number, name or text in the trail, byte for byte.
	var all bytes.Buffer
	rows, err := rawJournal(t, e.journalPath()).Query(`SELECT * FROM audit`)
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		rows.Scan(ptrs...)
		for _, v := range vals {
			all.WriteString(strings.TrimSpace(strings.ReplaceAll(toString(v), "\n", " ")) + "\x00")
		}
	}
	rows.Close()
	for _, s := range append(fixturePII, body, body[:len(body)/2]) {
		if bytes.Contains(all.Bytes(), []byte(s)) {
			t.Errorf("the audit table holds %q", s)
		}
	}
}

func toString(v any) string {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case string:
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestAuditVerifyNamesAnAlteredEntryAndExitsOne(t *testing.T) {
	e := newPrivacyEnv(t)
	sendDrill(t, e, "drill-1")
	for range 3 {
		e.run("history")
	}
	db := rawJournal(t, e.journalPath())
	for _, s := range []string{`DROP TRIGGER audit_no_update`, `UPDATE audit SET operator = 'someone-else' WHERE seq = 2`} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	r := e.run("audit", "--verify")
	if r.code != ExitError || !strings.Contains(r.stderr, "audit entry 2 was altered") || !strings.Contains(r.stdout, "someone-else") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	r = e.run("audit", "--verify", "--json")
	var ch auditCheckJSON
	if err := json.Unmarshal([]byte(r.stdout), &ch); err != nil || r.code != ExitError || ch.Intact || ch.Seq != 2 || ch.Kind != "altered" {
		t.Errorf("json: exit %d %+v %v", r.code, ch, err)
	}
}

func TestAuditOnAJournalFromBeforeTheTrail(t *testing.T) {
	e := newPrivacyEnv(t)
	sendDrill(t, e, "drill-1")
	// What the upgrade records when the journal already had campaigns.
	if _, err := rawJournal(t, e.journalPath()).Exec(`UPDATE audit_start SET campaigns = 1`); err != nil {
		t.Fatal(err)
	}
	r := e.run("audit", "--verify")
	if r.code != ExitOK || !strings.Contains(r.stdout, "when this journal was upgraded: the 1 campaigns before it have no audit entries") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestOperatorComesFromFlagThenConfigThenTheOSUser(t *testing.T) {
	cfg := &Config{loc: time.UTC}
	d := &Deps{LookupEnv: func(k string) (string, bool) {
		if k == "USER" {
			return "clinic", true
		}
		return "", false
	}, Now: time.Now}
	if got := operator(d, &globalOptions{}, cfg); got != "clinic" {
		t.Errorf("OS user: %q", got)
	}
	cfg.Operator = "nurse-sato"
	if got := operator(d, &globalOptions{}, cfg); got != "nurse-sato" {
		t.Errorf("config: %q", got)
	}
	if got := operator(d, &globalOptions{operator: "dr-tanaka"}, cfg); got != "dr-tanaka" {
		t.Errorf("flag: %q", got)
	}
	e := auditEntry(d, &globalOptions{}, &Config{loc: time.FixedZone("JST", 9*3600), Operator: "x"}, "", journal.AuditServeStart)
	if e.Offset != 9*3600 || e.At.Location() != time.UTC || e.Command != "smscast" {
		t.Errorf("entry = %+v", e)
	}
	j, err := journal.Open(context.Background(), filepath.Join(t.TempDir(), "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Audit(context.Background(), e); err != nil {
		t.Errorf("an entry made by auditEntry is refused: %v", err)
	}
}

// withoutSends leaves out the send's own entries (created, finished), which every test's drill
// records first.
func withoutSends(es []auditJSON) []auditJSON {
	var out []auditJSON
	for _, e := range es {
		if !strings.HasPrefix(e.Action, "send.") {
			out = append(out, e)
		}
	}
	return out
}

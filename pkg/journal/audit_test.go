package journal

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/internal/private"
)

// fillAudit appends n entries of fictitious actions.
func fillAudit(t *testing.T, j *Journal, n int) {
	t.Helper()
	actions := []AuditAction{AuditSendCreated, AuditSendFinished, AuditStatus, AuditReport, AuditHistory}
	for i := range n {
		e := AuditEntry{At: t0.Add(time.Duration(i) * time.Minute), Offset: 9 * 3600, Action: actions[i%len(actions)],
			Operator: "nurse-sato", Host: "clinic-pc", Command: "smscast status", Campaign: "drill-1",
			Template: "outage", TextHash: TextHash("本日の透析は中止です"), Provider: "sim",
			Counts: map[string]int{"delivered": i, "failed": 1}}
		if err := j.Audit(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// tamper runs SQL on the journal file the way someone with the sqlite3 shell would: first
// dropping the triggers that refuse changes.
func tamper(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range append([]string{`DROP TRIGGER IF EXISTS audit_no_update`, `DROP TRIGGER IF EXISTS audit_no_delete`}, stmts...) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func verify5(t *testing.T) (*Journal, string) {
	j, path := openTemp(t)
	fillAudit(t, j, 5)
	ch, err := j.VerifyAudit(context.Background())
	if err != nil || ch.Problem != nil || ch.Entries != 5 || ch.HeadBehind != 0 {
		t.Fatalf("an untouched trail: %+v, %v", ch, err)
	}
	return j, path
}

func TestAuditTrailIsChainedAndReadBack(t *testing.T) {
	j, _ := verify5(t)
	es, err := j.AuditTrail(context.Background(), time.Time{})
	if err != nil || len(es) != 5 {
		t.Fatalf("%d entries, %v", len(es), err)
	}
	for i, e := range es {
		if e.Seq != int64(i+1) || (i > 0 && e.Prev != es[i-1].Hash) || len(e.Hash) != 64 || !e.At.Equal(t0.Add(time.Duration(i)*time.Minute)) ||
			e.Offset != 9*3600 || e.Counts["delivered"] != i || e.Operator != "nurse-sato" {
			t.Errorf("entry %d = %+v", i, e)
		}
	}
	since, _ := j.AuditTrail(context.Background(), t0.Add(3*time.Minute))
	if len(since) != 2 || since[0].Seq != 4 {
		t.Errorf("since: %+v", since)
	}
	if err := private.Check(j.HeadPath()); err != nil {
		t.Errorf("head file: %v", err)
	}
}

func TestAuditTableRefusesUpdateAndDelete(t *testing.T) {
	_, path := verify5(t)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{`UPDATE audit SET operator = 'x'`, `DELETE FROM audit WHERE seq = 5`} {
		if _, err := db.Exec(s); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestAuditVerifyNamesTheFirstChangedEntry(t *testing.T) {
	cols := []string{"at = '2025-03-01T10:09:00.000000000Z'", "tz_offset = 0", "action = 'purge'", "test = 1", "operator = 'someone'",
		"host = 'other'", "command = 'smscast send'", "campaign = 'drill-2'", "template = 'reminder'",
		"text_hash = '" + strings.Repeat("0", 64) + "'", "provider = 'twilio'", `counts = '{"delivered":9,"failed":1}'`,
		"prev = '" + strings.Repeat("1", 64) + "'", "hash = '" + strings.Repeat("2", 64) + "'"}
	tests := []struct {
		name  string
		stmts []string
		kind  AuditProblemKind
		seq   int64
		want  string
	}{
		{"a middle entry removed", []string{`DELETE FROM audit WHERE seq = 3`}, AuditMissing, 3, "audit entry 3 was removed"},
		{"the first entry removed", []string{`DELETE FROM audit WHERE seq = 1`}, AuditMissing, 1, "audit entry 1 was removed"},
		{"the last entries removed", []string{`DELETE FROM audit WHERE seq >= 4`}, AuditTruncated, 4, "the last audit entries, 4 to 5, were removed"},
		{"the last entry removed", []string{`DELETE FROM audit WHERE seq = 5`}, AuditTruncated, 5, "the last audit entry, 5, was removed"},
		{"the table emptied", []string{`DELETE FROM audit`}, AuditTruncated, 1, "every audit entry was removed"},
		{"two entries swapped", []string{`UPDATE audit SET seq = 100 WHERE seq = 2`, `UPDATE audit SET seq = 2 WHERE seq = 3`, `UPDATE audit SET seq = 3 WHERE seq = 100`},
			AuditReordered, 2, "entry 2 was written after entry 3, not after entry 1"},
		{"an entry renumbered", []string{`UPDATE audit SET seq = 9 WHERE seq = 5`}, AuditMissing, 5, "audit entries 5 to 8 were removed"},
	}
	for _, c := range cols {
		kind, want := AuditAltered, "audit entry 3 was altered"
		tests = append(tests, struct {
			name  string
			stmts []string
			kind  AuditProblemKind
			seq   int64
			want  string
		}{"column " + strings.Fields(c)[0] + " altered", []string{`UPDATE audit SET ` + c + ` WHERE seq = 3`}, kind, 3, want})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, path := verify5(t)
			tamper(t, path, tt.stmts...)
			ch, err := j.VerifyAudit(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if ch.Problem == nil {
				t.Fatal("a changed trail verified as intact")
			}
			if ch.Problem.Kind != tt.kind || ch.Problem.Seq != tt.seq || !strings.Contains(ch.Problem.Error(), tt.want) {
				t.Errorf("problem %s seq %d: %q; want %s seq %d: %q", ch.Problem.Kind, ch.Problem.Seq, ch.Problem.Error(), tt.kind, tt.seq, tt.want)
			}
		})
	}
}

func TestAuditVerifyRehashedEntryBreaksTheNextLink(t *testing.T) {
	// Someone who knows the scheme rewrites entry 3 and its hash: entry 4 no longer follows it.
	j, path := verify5(t)
	es, _ := j.AuditTrail(context.Background(), time.Time{})
	r := auditRow{prev: es[1].Hash, at: fmtTime(es[2].At), offset: es[2].Offset, action: "history", operator: "someone-else",
		host: es[2].Host, command: es[2].Command, campaign: es[2].Campaign, template: es[2].Template, textHash: es[2].TextHash,
		provider: es[2].Provider, counts: `{"delivered":2,"failed":1}`}
	h := r.digest()
	tamper(t, path, `UPDATE audit SET action = 'history', operator = 'someone-else', hash = '`+h+`' WHERE seq = 3`)
	ch, _ := j.VerifyAudit(context.Background())
	if ch.Problem == nil || ch.Problem.Kind != AuditBrokenLink || ch.Problem.Seq != 4 {
		t.Fatalf("problem = %+v", ch.Problem)
	}
}

func TestAuditHeadFile(t *testing.T) {
	t.Run("removed while entries exist", func(t *testing.T) {
		j, _ := verify5(t)
		os.Remove(j.HeadPath())
		ch, _ := j.VerifyAudit(context.Background())
		if ch.Problem == nil || ch.Problem.Kind != AuditHeadMissing {
			t.Fatalf("problem = %+v", ch.Problem)
		}
	})
	t.Run("truncated to nothing", func(t *testing.T) {
		j, _ := verify5(t)
		os.WriteFile(j.HeadPath(), nil, 0o600)
		ch, _ := j.VerifyAudit(context.Background())
		if ch.Problem == nil || ch.Problem.Kind != AuditHeadBad {
			t.Fatalf("problem = %+v", ch.Problem)
		}
	})
	t.Run("naming an entry whose hash changed", func(t *testing.T) {
		j, _ := verify5(t)
		os.WriteFile(j.HeadPath(), []byte(`{"seq":5,"hash":"`+strings.Repeat("a", 64)+`"}`), 0o600)
		ch, _ := j.VerifyAudit(context.Background())
		if ch.Problem == nil || ch.Problem.Kind != AuditHeadChanged || ch.Problem.Seq != 5 {
			t.Fatalf("problem = %+v", ch.Problem)
		}
	})
	t.Run("one entry behind after a crash between the two writes", func(t *testing.T) {
		j, _ := verify5(t)
		es, _ := j.AuditTrail(context.Background(), time.Time{})
		writeHead(j.HeadPath(), auditHead{Seq: 4, Hash: es[3].Hash})
		ch, _ := j.VerifyAudit(context.Background())
		if ch.Problem != nil || ch.HeadBehind != 1 {
			t.Fatalf("check = %+v", ch)
		}
		fillAudit(t, j, 1)
		if ch, _ = j.VerifyAudit(context.Background()); ch.Problem != nil || ch.HeadBehind != 0 || ch.Entries != 6 {
			t.Fatalf("after the next entry: %+v", ch)
		}
	})
	t.Run("absent on a new journal", func(t *testing.T) {
		j, _ := openTemp(t)
		ch, err := j.VerifyAudit(context.Background())
		if err != nil || ch.Problem != nil || ch.Entries != 0 || ch.Start.At.IsZero() || ch.Start.Before != 0 {
			t.Fatalf("check = %+v, %v", ch, err)
		}
	})
}

func TestAuditRefusesWhatCouldCarryPatientData(t *testing.T) {
	base := AuditEntry{Action: AuditStatus, Operator: "nurse-sato", Host: "clinic-pc", Command: "smscast status", Campaign: "outage-20261121-093000"}
	tests := []struct {
		name string
		edit func(e *AuditEntry)
	}{
		{"a phone number as campaign", func(e *AuditEntry) { e.Campaign = "090-1234-5601" }},
		{"an E.164 number as operator", func(e *AuditEntry) { e.Operator = "+819012345601" }},
		{"a full-width number in a template name", func(e *AuditEntry) { e.Template = "連絡０９０１２３４５６０１" }},
		{"a number after other digits", func(e *AuditEntry) { e.Campaign = "row 3 090 1234 5601" }},
		{"E.164 without its plus", func(e *AuditEntry) { e.Host = "819012345601" }},
		{"a message body as command", func(e *AuditEntry) { e.Command = "smscast send --body 本日は休診です" }},
		{"a body as text hash", func(e *AuditEntry) { e.TextHash = "本日は休診です" }},
		{"a multi-line operator", func(e *AuditEntry) { e.Operator = "sato\n山田 花子 様" }},
		{"a count named with text", func(e *AuditEntry) { e.Counts = map[string]int{"山田": 1} }},
		{"no action", func(e *AuditEntry) { e.Action = "" }},
	}
	j, _ := openTemp(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base
			tt.edit(&e)
			if err := j.Audit(context.Background(), e); err == nil {
				t.Errorf("recorded %+v", e)
			}
		})
	}
	if err := j.Audit(context.Background(), base); err != nil {
		t.Errorf("a plain entry: %v", err)
	}
}

func TestPhoneLikeLeavesDatesAndTimes(t *testing.T) {
	for _, s := range []string{"outage-20261121-093000", "test-reminder-20261121-0930", "2026-11-21 09:30", "attempt 3", "clinic-pc-01"} {
		if PhoneLike(s) {
			t.Errorf("%q taken for a phone number", s)
		}
	}
	if got := RedactPhones("invalid number +81 90 1234 5601 (code 21211)"); got != "invalid number [number removed] (code 21211)" {
		t.Errorf("redacted: %q", got)
	}
}

func TestAuditOnAClosedJournal(t *testing.T) {
	j, _ := openTemp(t)
	j.Close()
	err := j.Audit(context.Background(), AuditEntry{Action: AuditStatus, Command: "smscast status"})
	if !errors.Is(err, ErrClosed) {
		t.Errorf("err = %v", err)
	}
}

func TestAuditTrailStartsAtTheUpgradeOfAnOlderJournal(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/journal.db"
	db, err := sql.Open("sqlite", strings.Replace(dataSourceName(path), "mode=rw", "mode=rwc", 1))
	if err != nil {
		t.Fatal(err)
	}
	// A journal of schema 3, the last before the audit trail, with a campaign in it.
	if err := migrate(ctx, db, path, migrations[:3]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO campaigns (id, template, list, provider, created_at) VALUES ('old', 'outage', 'p.csv', 'sim', '2025-01-01T00:00:00.000000000Z')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	j, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ch, err := j.VerifyAudit(ctx)
	if err != nil || ch.Problem != nil || ch.Entries != 0 || ch.Start.Before != 1 || time.Since(ch.Start.At) > time.Minute {
		t.Fatalf("check = %+v, %v", ch, err)
	}
}

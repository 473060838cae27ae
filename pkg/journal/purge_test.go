package journal

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// numbersIn returns the fictitious numbers of plan(n) found in the journal file or its log, in
// E.164 and as written in the list.
func numbersIn(t *testing.T, path string, p []Delivery) []string {
	t.Helper()
	var found []string
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range p {
			for _, s := range []string{d.To, d.Patients[0].Phone, d.Patients[0].Name} {
				if s != "" && bytes.Contains(b, []byte(s)) {
					found = append(found, f+": "+s)
				}
			}
		}
	}
	return found
}

func finish(t *testing.T, j *Journal, p []Delivery, at time.Time) {
	t.Helper()
	for i, d := range p {
		u := Update{State: Delivered, ProviderID: "SM" + d.To[1:], At: at}
		if i == 0 {
			u = Update{State: Failed, ErrorCode: "21211", Reason: "invalid 'To' phone number: " + d.To, At: at}
		}
		if err := j.MarkSending(context.Background(), d.ID, at); err != nil {
			t.Fatal(err)
		}
		if err := j.Record(context.Background(), d.ID, u); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPurgeRemovesPatientDataFromTheFileAndKeepsCounts(t *testing.T) {
	ctx := context.Background()
	j, path := openTemp(t)
	old, test, recent := plan(4), plan(3), plan(2)
	for i := range test {
		test[i].To = strings.Replace(test[i].To, "+8190", "+8180", 1)
		test[i].Patients[0].Phone = strings.Replace(test[i].Patients[0].Phone, "090-", "080-", 1)
		test[i].Patients[0].Name = "ボランティア" + test[i].Patients[0].Name
	}
	for i := range recent {
		recent[i].To = strings.Replace(recent[i].To, "+8190", "+8170", 1)
		recent[i].Patients[0].Phone = strings.Replace(recent[i].Patients[0].Phone, "090-", "070-", 1)
		recent[i].Patients[0].Name = "近藤 " + strings.Repeat("様", i+1)
	}
	mustCreate(t, j, "old", old)
	finish(t, j, old, t0.Add(time.Hour))
	if err := j.CreateCampaign(ctx, Campaign{ID: "test-1", Template: "outage", Provider: "sim", Test: true, CreatedAt: t0, Fingerprint: "fp-test"}, test); err != nil {
		t.Fatal(err)
	}
	finish(t, j, test, t0.Add(2*time.Hour))
	mustCreate(t, j, "recent", recent)
	finish(t, j, recent, t0.Add(100*24*time.Hour))
	fillAudit(t, j, 2)
	before := map[string]map[State]int{}
	for _, id := range []string{"old", "test-1"} {
		before[id], _ = j.Counts(ctx, id)
	}

	cutoff := t0.Add(10 * 24 * time.Hour)
	dry, err := j.Purge(ctx, PurgeOptions{Before: cutoff, DryRun: true})
	if err != nil || len(dry.Purged) != 2 {
		t.Fatalf("dry run: %+v, %v", dry, err)
	}
	if got := numbersIn(t, path, old); len(got) == 0 {
		t.Fatal("the fixture's numbers should be in the file before the purge")
	}
	res, err := j.Purge(ctx, PurgeOptions{Before: cutoff, Audit: &AuditEntry{Action: AuditPurge, Operator: "nurse-sato", Host: "clinic-pc", Command: "smscast purge"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Purged) != 2 || res.Purged[0].ID != "old" || res.Purged[1].ID != "test-1" || !res.Purged[1].Test || res.LogKept {
		t.Fatalf("result = %+v", res)
	}
	if got := append(numbersIn(t, path, old), numbersIn(t, path, test)...); len(got) > 0 {
		t.Errorf("still in the journal after the purge: %v", got)
	}
	if got := numbersIn(t, path, recent); len(got) == 0 {
		t.Error("the recent campaign must keep its data")
	}
	for id, want := range before {
		got, err := j.Counts(ctx, id)
		if err != nil || len(got) != len(want) || got[Delivered] != want[Delivered] || got[Failed] != want[Failed] {
			t.Errorf("%s counts %v, want %v (%v)", id, got, want, err)
		}
	}
	// Reads go on: a purged delivery is not taken for a damaged one.
	ds, err := j.Deliveries(ctx, "old")
	if err != nil || len(ds) != 4 || ds[0].To != "" || ds[0].Body != "" || len(ds[0].Patients) != 0 || ds[0].Checksum != "" {
		t.Fatalf("deliveries after purge: %+v, %v", ds, err)
	}
	if !strings.Contains(ds[0].Reason, "[number removed]") || ds[0].ProviderID != "" && strings.Contains(ds[0].Reason, "+81") {
		t.Errorf("reason: %q", ds[0].Reason)
	}
	hist, err := j.History(ctx, ds[0].ID)
	if err != nil || len(hist) != 3 {
		t.Fatalf("history: %+v, %v", hist, err)
	}
	for _, e := range hist {
		if strings.Contains(e.Reason, "+81") {
			t.Errorf("event reason keeps the number: %q", e.Reason)
		}
	}
	// The triggers are back: a later change of a delivery still writes its event.
	if err := j.Record(ctx, ds[1].ID, Update{State: Undelivered, At: t0.Add(200 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if h, _ := j.History(ctx, ds[1].ID); len(h) != 4 {
		t.Errorf("events after a later change: %d, want 4", len(h))
	}
	if c, _ := j.Campaign(ctx, "test-1"); c.Fingerprint != "" {
		t.Error("a purged campaign must not be found by its message again")
	}
	// A second purge finds nothing more; the trail records the first, with its counts.
	again, err := j.Purge(ctx, PurgeOptions{Before: cutoff})
	if err != nil || len(again.Purged) != 0 {
		t.Errorf("second purge: %+v, %v", again, err)
	}
	es, _ := j.AuditTrail(ctx, time.Time{})
	last := es[len(es)-1]
	if last.Action != AuditPurge || last.Counts["campaigns"] != 2 || last.Counts["deliveries"] != 7 {
		t.Errorf("audit entry: %+v", last)
	}
	if ch, err := j.VerifyAudit(ctx); err != nil || ch.Problem != nil {
		t.Errorf("trail after purge: %+v %v", ch, err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if got := numbersIn(t, path, old); len(got) > 0 {
		t.Errorf("after close: %v", got)
	}
}

func TestPurgeKeepsUnfinishedCampaigns(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	p := plan(2)
	mustCreate(t, j, "half", p)
	finish(t, j, p[:1], t0)
	res, err := j.Purge(ctx, PurgeOptions{Before: t0.Add(time.Hour)})
	if err != nil || len(res.Purged) != 0 || len(res.Unfinished) != 1 || res.Unfinished[0].Left != 1 {
		t.Fatalf("result %+v, %v", res, err)
	}
	if ds, _ := j.Deliveries(ctx, "half"); ds[1].To == "" {
		t.Error("an unfinished campaign lost its data")
	}
}

func TestNoticeDueOncePerDay(t *testing.T) {
	j, _ := openTemp(t)
	ctx := context.Background()
	for i, tt := range []struct {
		day  string
		want bool
	}{{"2026-11-21", true}, {"2026-11-21", false}, {"2026-11-22", true}} {
		if got, err := j.NoticeDue(ctx, "retention", tt.day); err != nil || got != tt.want {
			t.Errorf("%d: %v %v", i, got, err)
		}
	}
}

package campaign

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/journal"
)

var t0 = time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)

func openJournal(t *testing.T) *journal.Journal {
	t.Helper()
	j, err := journal.Open(context.Background(), filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// plan is n pending deliveries to numbers 0..n-1 with body, and one skipped landline row.
func plan(n int, body string) []journal.Delivery {
	var ds []journal.Delivery
	for i := range n {
		ds = append(ds, journal.Delivery{To: fmt.Sprintf("+8190000%05d", i), Body: body, State: journal.Pending,
			Patients: []journal.Patient{{Row: i + 2, Name: fmt.Sprintf("患者%d", i)}}})
	}
	return append(ds, journal.Delivery{State: journal.Skipped, Reason: "landline",
		Patients: []journal.Patient{{Row: n + 2, Name: "固定", Phone: "03-0000-0000"}}})
}

func create(t *testing.T, j *journal.Journal, id string, k Key, at time.Time, ds []journal.Delivery) {
	t.Helper()
	provider := "twilio"
	if k.Drill {
		provider = "sim"
	}
	c := journal.Campaign{ID: id, Template: k.Template, Provider: provider, CreatedAt: at, Fingerprint: k.Fingerprint(), Meta: map[string]string{}}
	if err := j.CreateCampaign(context.Background(), c, ds); err != nil {
		t.Fatal(err)
	}
}

// accept records the first n pending deliveries of campaign as accepted at 'at'.
func accept(t *testing.T, j *journal.Journal, campaign string, n int, at time.Time) {
	t.Helper()
	ctx := context.Background()
	ds, err := j.DeliveriesIn(ctx, campaign, journal.Pending)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds[:n] {
		if err := j.MarkSending(ctx, d.ID, at); err != nil {
			t.Fatal(err)
		}
		if err := j.Record(ctx, d.ID, journal.Update{State: journal.Submitted, ProviderID: "x", At: at}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFingerprintIsTheMessageNotItsOrder(t *testing.T) {
	a := Key{Template: "reschedule", Lang: "ja", Vars: map[string]string{"old": "9:00", "new": "13:00"}}
	b := Key{Template: "reschedule", Lang: "ja", Vars: map[string]string{"new": "13:00", "old": "9:00"}}
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("the same variables in another order make another fingerprint")
	}
	for name, k := range map[string]Key{
		"another variable value": {Template: "reschedule", Lang: "ja", Vars: map[string]string{"old": "9:00", "new": "14:00"}},
		"another language":       {Template: "reschedule", Lang: "en", Vars: a.Vars},
		"a test":                 {Template: "reschedule", Lang: "ja", Vars: a.Vars, Test: true},
		"a body":                 {Body: "reschedule", Lang: "ja", Vars: a.Vars},
	} {
		if k.Fingerprint() == a.Fingerprint() {
			t.Errorf("%s has the same fingerprint", name)
		}
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	key := Key{Template: "outage", Lang: "ja"}
	body := "本日の透析は中止です。"

	t.Run("no journal: everything is new", func(t *testing.T) {
		res, err := Resolve(ctx, nil, ResolveInput{Key: key, Plan: plan(3, body), Now: t0})
		if err != nil || res.Campaign != nil || res.ToSend() != 3 || len(res.Add) != 4 {
			t.Fatalf("%+v %v", res, err)
		}
	})

	t.Run("an interrupted campaign of the same message is resumed whatever narrowed it", func(t *testing.T) {
		j := openJournal(t)
		create(t, j, "outage-1", key, t0, plan(5, body))
		accept(t, j, "outage-1", 2, t0.Add(time.Minute))
		res, err := Resolve(ctx, j, ResolveInput{Key: key, Plan: plan(3, body), Now: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Campaign == nil || res.Campaign.ID != "outage-1" || len(res.Add) != 0 || res.ToSend() != 3 || res.Counts.Accepted() != 2 {
			t.Fatalf("campaign %v, add %d, to send %d, accepted %d", res.Campaign, len(res.Add), res.ToSend(), res.Counts.Accepted())
		}
	})

	t.Run("a wider selection grows the campaign with the numbers it lacks", func(t *testing.T) {
		j := openJournal(t)
		trial := plan(10, body)[:3] // --limit 3: three numbers, no landline row yet
		create(t, j, "outage-1", key, t0, trial)
		accept(t, j, "outage-1", 3, t0)
		res, err := Resolve(ctx, j, ResolveInput{Key: key, Plan: plan(10, body), Now: t0.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Campaign == nil || res.AddedPending != 7 || len(res.Add) != 8 || res.Counts.Accepted() != 3 {
			t.Fatalf("campaign %v, added pending %d of %d, accepted %d", res.Campaign, res.AddedPending, len(res.Add), res.Counts.Accepted())
		}
	})

	t.Run("the identical text to the same number in another campaign is skipped and says when", func(t *testing.T) {
		j := openJournal(t)
		other := Key{Body: body, Lang: "ja"} // the same words, sent as --body
		create(t, j, "body-1", other, t0, plan(4, body))
		accept(t, j, "body-1", 4, t0.Add(time.Minute))
		res, err := Resolve(ctx, j, ResolveInput{Key: key, Plan: plan(6, body), Now: t0.Add(time.Hour),
			Location: time.FixedZone("JST", 9*3600)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Campaign != nil || res.Repeats != 4 || res.AddedPending != 2 || strings.Join(res.RepeatCampaigns, ",") != "body-1" {
			t.Fatalf("campaign %v, repeats %d, to send %d, earlier %v", res.Campaign, res.Repeats, res.AddedPending, res.RepeatCampaigns)
		}
		d := res.Add[0]
		if d.State != journal.Skipped || d.ErrorCode != RepeatCode || d.Reason != "already received this message at 12-02 10:01 (campaign body-1)" {
			t.Errorf("repeat delivery: %s %s %q", d.State, d.ErrorCode, d.Reason)
		}
		again, err := Resolve(ctx, j, ResolveInput{Key: key, Plan: plan(6, body), Now: t0.Add(time.Hour), Again: true})
		if err != nil || again.Repeats != 0 || again.AddedPending != 6 {
			t.Fatalf("--again: repeats %d, to send %d, %v", again.Repeats, again.AddedPending, err)
		}
	})

	t.Run("a drill on the simulator never keeps the real message from anyone", func(t *testing.T) {
		j := openJournal(t)
		drill := key
		drill.Drill = true
		create(t, j, "drill-1", drill, t0, plan(3, body))
		accept(t, j, "drill-1", 3, t0)
		res, err := Resolve(ctx, j, ResolveInput{Key: key, Plan: plan(3, body), Now: t0.Add(time.Hour)})
		if err != nil || res.Campaign != nil || res.Repeats != 0 || res.AddedPending != 3 {
			t.Fatalf("campaign %v, repeats %d, to send %d, %v", res.Campaign, res.Repeats, res.AddedPending, err)
		}
		again, err := Resolve(ctx, j, ResolveInput{Key: drill, Plan: plan(3, body), Now: t0.Add(time.Hour)})
		if err != nil || again.Campaign == nil || again.Campaign.ID != "drill-1" {
			t.Fatalf("the same drill again must continue it: %v %v", again.Campaign, err)
		}
	})

	t.Run("outside the repeat window a finished campaign is not continued and numbers are texted again", func(t *testing.T) {
		j := openJournal(t)
		create(t, j, "outage-1", key, t0, plan(3, body))
		accept(t, j, "outage-1", 3, t0)
		res, err := Resolve(ctx, j, ResolveInput{Key: key, Plan: plan(3, body), Now: t0.Add(13 * time.Hour)})
		if err != nil || res.Campaign != nil || res.Repeats != 0 || res.AddedPending != 3 {
			t.Fatalf("campaign %v, repeats %d, to send %d, %v", res.Campaign, res.Repeats, res.AddedPending, err)
		}
	})

	t.Run("an unfinished campaign older than the window is named, not resumed", func(t *testing.T) {
		j := openJournal(t)
		create(t, j, "outage-old", key, t0, plan(3, body))
		res, err := Resolve(ctx, j, ResolveInput{Key: key, Plan: plan(3, body), Now: t0.Add(24 * time.Hour)})
		if err != nil || res.Campaign != nil || res.OlderUnfinished == nil || res.OlderUnfinished.ID != "outage-old" {
			t.Fatalf("campaign %v, older %v, %v", res.Campaign, res.OlderUnfinished, err)
		}
	})

	t.Run("a run killed mid-send is reported as stopped", func(t *testing.T) {
		j := openJournal(t)
		create(t, j, "outage-1", key, t0, plan(3, body))
		ds, _ := j.DeliveriesIn(ctx, "outage-1", journal.Pending)
		if err := j.MarkSending(ctx, ds[0].ID, t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		res, err := Resolve(ctx, j, ResolveInput{Key: key, Plan: plan(3, body), Now: t0.Add(time.Hour)})
		if err != nil || !res.Stopped || !res.StoppedAt.Equal(t0.Add(2*time.Minute)) || res.ToSend() != 3 {
			t.Fatalf("stopped %v at %v, to send %d, %v", res.Stopped, res.StoppedAt, res.ToSend(), err)
		}
	})

	t.Run("--again resumes only an unfinished --again campaign", func(t *testing.T) {
		j := openJournal(t)
		create(t, j, "outage-1", key, t0, plan(3, body))
		accept(t, j, "outage-1", 3, t0)
		res, err := Resolve(ctx, j, ResolveInput{Key: key, Plan: plan(3, body), Now: t0.Add(time.Hour), Again: true})
		if err != nil || res.Campaign != nil || res.AddedPending != 3 {
			t.Fatalf("campaign %v, to send %d, %v", res.Campaign, res.AddedPending, err)
		}
		c := journal.Campaign{ID: "outage-2", Template: "outage", Provider: "sim", CreatedAt: t0.Add(time.Hour),
			Fingerprint: key.Fingerprint(), Meta: map[string]string{MetaAgain: "true"}}
		if err := j.CreateCampaign(ctx, c, plan(3, body)); err != nil {
			t.Fatal(err)
		}
		accept(t, j, "outage-2", 1, t0.Add(time.Hour))
		res, err = Resolve(ctx, j, ResolveInput{Key: key, Plan: plan(3, body), Now: t0.Add(2 * time.Hour), Again: true})
		if err != nil || res.Campaign == nil || res.Campaign.ID != "outage-2" || res.ToSend() != 2 {
			t.Fatalf("campaign %v, to send %d, %v", res.Campaign, res.ToSend(), err)
		}
	})
}

package campaign

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

func TestConfirmsReadsTheWaysPeopleSayYes(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"1", true}, {"１", true}, {" 1 ", true}, {"1。", true}, {"はい", true}, {"はい。", true}, {"ﾊｲ", true},
		{"OK", true}, {"ｏｋ", true}, {"Ok!", true}, {"YES", true}, {"了解", true}, {"了解しました", true},
		{"了解しました！", true}, {"承知しました", true}, {"わかりました", true}, {"確認しました", true},
		{"はい、わかりました", true}, {"1 はい", true},
		{"2", false}, {"11", false}, {"いいえ", false}, {"息子の車で行けません", false},
		{"はい、でも行けません", false}, {"", false}, {"。", false}, {"STOP", false},
	}
	for _, tt := range tests {
		if got := Confirms(tt.text); got != tt.want {
			t.Errorf("Confirms(%q) = %v, want %v (normalised %q)", tt.text, got, tt.want, NormalizeReply(tt.text))
		}
	}
}

func TestSenderE164(t *testing.T) {
	tests := []struct{ from, want string }{
		{"+819012345601", "+819012345601"},
		{"090-1234-5601", "+819012345601"},
		{"０９０１２３４５６０１", "+819012345601"},
		{"03-1234-5678", "+81312345678"},
		{"docomo", ""},
		{"", ""},
		{"12", ""},
	}
	for _, tt := range tests {
		if got := SenderE164(tt.from, "JP"); got != tt.want {
			t.Errorf("SenderE164(%q) = %q, want %q", tt.from, got, tt.want)
		}
	}
}

type fakeInbox struct{ msgs []sms.Inbound }

func (f *fakeInbox) Inbound(_ context.Context, since time.Time) ([]sms.Inbound, error) {
	var out []sms.Inbound
	for _, m := range f.msgs {
		if !m.At.Before(since) {
			out = append(out, m)
		}
	}
	return out, nil
}

var ackT0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// ackFixture: an outage notice that asked for a reply, to six numbers: four delivered (one shared
// by two patients), one failed, one landline skipped.
func ackFixture(t *testing.T) (*journal.Journal, []journal.Delivery) {
	t.Helper()
	ctx := context.Background()
	j, err := journal.Open(ctx, filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	var plan []journal.Delivery
	for i := range 4 {
		plan = append(plan, journal.Delivery{Patients: []journal.Patient{{Row: i + 2, Name: fmt.Sprintf("患者%d", i)}},
			To: fmt.Sprintf("+8190111100%02d", i), Body: "停電"})
	}
	plan[3].Patients = append(plan[3].Patients, journal.Patient{Row: 9, Name: "家族"})
	plan = append(plan,
		journal.Delivery{Patients: []journal.Patient{{Row: 6, Name: "失敗"}}, To: "+819011110099", Body: "停電"},
		journal.Delivery{Patients: []journal.Patient{{Row: 7, Name: "固定"}}, To: "+81312345678", State: journal.Skipped, Reason: "landline: cannot receive SMS"})
	c := journal.Campaign{ID: "outage-1", Template: "outage", Provider: "twilio", CreatedAt: ackT0, Meta: map[string]string{journal.MetaAck: "true"}}
	if err := j.CreateCampaign(ctx, c, plan); err != nil {
		t.Fatal(err)
	}
	for i, d := range plan[:5] {
		j.MarkSending(ctx, d.ID, ackT0)
		st := journal.Delivered
		if i == 4 {
			st = journal.Failed
		}
		if err := j.Record(ctx, d.ID, journal.Update{State: st, At: ackT0}); err != nil {
			t.Fatal(err)
		}
	}
	return j, plan
}

func TestPollAcksCountsEveryPatientOnceAndStoresEachReplyOnce(t *testing.T) {
	j, plan := ackFixture(t)
	ctx := context.Background()
	inbox := &fakeInbox{msgs: []sms.Inbound{
		{ID: "SM0", From: "+819011110000", Text: "１", At: ackT0.Add(time.Minute)},
		{ID: "SM1", From: "090-1111-0001", Text: "息子の車で行けません", At: ackT0.Add(2 * time.Minute)},
		{ID: "SMx", From: "+819099999999", Text: "1", At: ackT0.Add(3 * time.Minute)},
		{ID: "SMold", From: "+819011110002", Text: "1", At: ackT0.Add(-time.Hour)}, // before the campaign: not fetched
	}}
	var events []AckEvent
	res, err := PollAcks(ctx, j, "outage-1", inbox, ackT0.Add(5*time.Minute), AckOptions{OnEvent: func(e AckEvent) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	want := AckCounts{Confirmed: 1, Replied: 1, Unconfirmed: 3, Unreachable: 2, Unmatched: 1}
	if res.Counts != want || res.Fetched != 3 || res.New != 3 {
		t.Errorf("counts %+v fetched %d new %d, want %+v, 3, 3", res.Counts, res.Fetched, res.New, want)
	}
	if len(events) != 4 || events[0].Kind != AckEventReply || events[0].State.Status != AckConfirmed ||
		events[1].State.Reply() != "息子の車で行けません" || events[2].Kind != AckEventUnmatched || events[3].Kind != AckEventDone {
		t.Errorf("events %+v", events)
	}
	st := res.States[0]
	if st.Delivery.ID != plan[0].ID || !st.ConfirmedAt.Equal(ackT0.Add(time.Minute)) {
		t.Errorf("state 0 %+v", st)
	}

	// A later "はい" from the patient who could not come confirms; the earlier text stays to read.
	inbox.msgs = append(inbox.msgs, sms.Inbound{ID: "SM1b", From: "+819011110001", Text: "はい", At: ackT0.Add(6 * time.Minute)})
	again, err := PollAcks(ctx, j, "outage-1", inbox, ackT0.Add(7*time.Minute), AckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.New != 1 || again.Counts.Confirmed != 2 || again.Counts.Replied != 0 || again.States[1].Reply() != "息子の車で行けません" {
		t.Errorf("second poll %+v new %d, state 1 %+v", again.Counts, again.New, again.States[1])
	}
	third, _ := PollAcks(ctx, j, "outage-1", inbox, ackT0.Add(8*time.Minute), AckOptions{})
	if third.New != 0 || third.Counts != again.Counts {
		t.Errorf("a poll with nothing new changed something: %+v", third)
	}
}

func TestPollAcksRefusesACampaignThatAskedForNoReply(t *testing.T) {
	j, _ := ackFixture(t)
	ctx := context.Background()
	if err := j.SetMeta(ctx, "outage-1", journal.MetaAck, ""); err != nil {
		t.Fatal(err)
	}
	_, err := PollAcks(ctx, j, "outage-1", &fakeInbox{}, ackT0, AckOptions{})
	var ie *InputError
	if !errors.Is(err, ErrNoAck) || !errors.As(err, &ie) || ie.Hint == "" {
		t.Errorf("err = %v", err)
	}
}

package journal

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// ackCampaign creates a campaign created at created whose message asked for a reply when ack,
// texting numbers; the first n are accepted (delivered), the rest stay pending; a number "" is a
// skipped row (a landline).
func ackCampaign(t *testing.T, j *Journal, id string, created time.Time, ack bool, accepted int, numbers ...string) []Delivery {
	t.Helper()
	ctx := context.Background()
	p := make([]Delivery, len(numbers))
	for i, n := range numbers {
		p[i] = Delivery{Patients: []Patient{{Row: i + 2, Name: fmt.Sprintf("患者%d", i)}}, To: n, Body: "停電のため透析中止。確認したら1と返信を"}
		if n == "" || n == "+81312345678" {
			p[i].State, p[i].Reason = Skipped, "landline: cannot receive SMS"
		}
	}
	meta := map[string]string{"lang": "ja"}
	if ack {
		meta[MetaAck] = "true"
	}
	if err := j.CreateCampaign(ctx, Campaign{ID: id, Template: "outage", Provider: "twilio", CreatedAt: created, Meta: meta}, p); err != nil {
		t.Fatal(err)
	}
	for i := range p[:accepted] {
		if p[i].State == Skipped {
			continue
		}
		if err := j.MarkSending(ctx, p[i].ID, created); err != nil {
			t.Fatal(err)
		}
		if err := j.Record(ctx, p[i].ID, Update{State: Delivered, ProviderID: fmt.Sprintf("SM%s%d", id, i), At: created}); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func reply(id, e164, text string, at time.Time) Inbound {
	return Inbound{Provider: "twilio", ProviderID: id, From: e164, E164: e164, Text: text, At: at, Confirms: text == "1"}
}

func TestRepliesMatchTheLatestCampaignThatAskedTheNumberBeforeTheyArrived(t *testing.T) {
	j, _ := openTemp(t)
	ctx := context.Background()
	const (
		both     = "+819011110001" // asked by the morning and the noon campaign
		morning  = "+819011110002" // asked by the morning campaign only
		pending  = "+819011110003" // in the noon campaign, never sent
		landline = "+81312345678"  // skipped: a landline cannot take an SMS
		stranger = "+819099999999" // in no campaign
		notAsked = "+819011110004" // texted by a campaign that asked for no reply
	)
	m := ackCampaign(t, j, "morning", t0, true, 2, both, morning)
	noon := ackCampaign(t, j, "noon", t0.Add(3*time.Hour), true, 1, both, pending, landline)
	ackCampaign(t, j, "reminder", t0.Add(4*time.Hour), false, 1, notAsked)

	tests := []struct {
		name     string
		in       Inbound
		campaign string
		delivery int64
	}{
		{"a number in two campaigns answers the latest one created before the reply", reply("a", both, "1", t0.Add(3*time.Hour+time.Minute)), "noon", noon[0].ID},
		{"a reply before the later campaign started answers the earlier one", reply("b", both, "1", t0.Add(time.Hour)), "morning", m[0].ID},
		{"a reply before any campaign asked is unmatched", reply("c", morning, "1", t0.Add(-time.Minute)), "", 0},
		{"a number whose message was never sent is unmatched", reply("d", pending, "1", t0.Add(5*time.Hour)), "", 0},
		{"a landline reply is unmatched", reply("e", landline, "はい", t0.Add(5*time.Hour)), "", 0},
		{"an unknown sender is unmatched", reply("f", stranger, "1", t0.Add(5*time.Hour)), "", 0},
		{"a number texted without asking for a reply is unmatched", reply("g", notAsked, "1", t0.Add(5*time.Hour)), "", 0},
		{"a sender that is not a number is unmatched", Inbound{Provider: "twilio", ProviderID: "h", From: "docomo", Text: "お知らせ", At: t0.Add(5 * time.Hour)}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			added, err := j.AddInbound(ctx, []Inbound{tt.in}, t0.Add(6*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if len(added) != 1 || added[0].Campaign != tt.campaign || added[0].Delivery != tt.delivery || added[0].ID == 0 {
				t.Fatalf("stored %+v, want campaign %q delivery %d", added, tt.campaign, tt.delivery)
			}
		})
	}
	unmatched, err := j.UnmatchedInbound(ctx, t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(unmatched) != 6 || unmatched[0].ProviderID != "c" || unmatched[0].Campaign != "" {
		t.Errorf("unmatched %+v", unmatched)
	}
	if got, _ := j.InboundOf(ctx, "noon"); len(got) != 1 || got[0].ProviderID != "a" || !got[0].Confirms || got[0].Text != "1" {
		t.Errorf("noon's replies %+v", got)
	}
}

func TestEachReplyIsStoredOnceOverRepeatedPolls(t *testing.T) {
	j, _ := openTemp(t)
	ctx := context.Background()
	ackCampaign(t, j, "c1", t0, true, 2, "+819011110001", "+819011110002")
	page := []Inbound{reply("SM1", "+819011110001", "1", t0.Add(time.Minute)), reply("SM2", "+819011110002", "行けません", t0.Add(2*time.Minute))}
	first, err := j.AddInbound(ctx, page, t0.Add(3*time.Minute))
	if err != nil || len(first) != 2 {
		t.Fatalf("first poll stored %d, err %v", len(first), err)
	}
	// The next poll returns the same messages again (and one twice, as overlapping pages do).
	again, err := j.AddInbound(ctx, append(page, page[0], reply("SM3", "+819011110001", "はい", t0.Add(4*time.Minute))), t0.Add(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 1 || again[0].ProviderID != "SM3" {
		t.Errorf("second poll stored %+v, want only SM3", again)
	}
	// The same id from another provider is another message.
	other := reply("SM1", "+819011110001", "1", t0.Add(time.Minute))
	other.Provider = "smsgate"
	if got, _ := j.AddInbound(ctx, []Inbound{other}, t0.Add(6*time.Minute)); len(got) != 1 {
		t.Errorf("the same id from another provider was not stored: %+v", got)
	}
	all, _ := j.InboundOf(ctx, "c1")
	if len(all) != 4 {
		t.Errorf("%d replies stored, want 4", len(all))
	}
}

func TestAnUnmatchedReplyIsMatchedOnceItsCampaignAsks(t *testing.T) {
	j, _ := openTemp(t)
	ctx := context.Background()
	p := ackCampaign(t, j, "c1", t0, false, 1, "+819011110001")
	got, _ := j.AddInbound(ctx, []Inbound{reply("SM1", "+819011110001", "1", t0.Add(time.Minute))}, t0.Add(2*time.Minute))
	if len(got) != 1 || got[0].Campaign != "" {
		t.Fatalf("stored %+v, want unmatched", got)
	}
	if err := j.SetMeta(ctx, "c1", MetaAck, "true"); err != nil {
		t.Fatal(err)
	}
	if c, _ := j.Campaign(ctx, "c1"); c.Meta[MetaAck] != "true" || c.Meta["lang"] != "ja" {
		t.Fatalf("meta %v", c.Meta)
	}
	if _, err := j.AddInbound(ctx, nil, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	all, _ := j.InboundOf(ctx, "c1")
	if len(all) != 1 || all[0].Delivery != p[0].ID {
		t.Errorf("replies of c1 %+v", all)
	}
	if err := j.SetMeta(ctx, "nosuch", MetaAck, "true"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetMeta of an unknown campaign: %v", err)
	}
}

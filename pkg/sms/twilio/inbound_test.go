package twilio_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

func TestInboundReadsRepliesToOurNumberThroughEveryPage(t *testing.T) {
	start := time.Date(2026, 11, 21, 0, 30, 0, 0, time.UTC)
	srv := newFake(t)
	cfg := config(srv)
	p := newProvider(t, cfg)
	ctx := context.Background()

	// Our own message, a reply to another number of the account, and one from before since (the
	// same UTC day, so Twilio's day filter returns it): none of them is ours to read.
	if _, err := p.Send(ctx, sms.Message{To: "+819012345601", Body: "停電のため本日の透析は中止です"}); err != nil {
		t.Fatal(err)
	}
	srv.AddInbound("+819012345601", "+15005550099", "1", start.Add(time.Minute))
	srv.AddInbound("+819012345601", cfg.From, "早すぎる返信", start.Add(-time.Minute))
	// 1,203 replies: two pages of 1,000 and a third.
	want := map[string]bool{}
	for i := range 1203 {
		m := srv.AddInbound(fmt.Sprintf("+8190%08d", i), cfg.From, "はい", start.Add(time.Duration(i)*time.Second))
		want[m.SID] = true
	}
	before := srv.RequestsOf(twiliotest.KindList)
	got, err := p.Inbound(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.RequestsOf(twiliotest.KindList) - before; n != 2 {
		t.Errorf("%d list requests, want 2 pages of 1,000", n)
	}
	if len(got) != len(want) {
		t.Fatalf("%d replies, want %d", len(got), len(want))
	}
	for i, m := range got {
		if !want[m.ID] || m.To != cfg.From || m.Text != "はい" {
			t.Fatalf("reply %d: %+v", i, m)
		}
		if i > 0 && m.At.Before(got[i-1].At) {
			t.Fatalf("replies out of order at %d: %s before %s", i, m.At, got[i-1].At)
		}
	}
	if got[0].From != "+819000000000" || !got[0].At.Equal(start) {
		t.Errorf("first reply %+v", got[0])
	}
}

func TestInboundFromAnAlphanumericSenderSaysPatientsCannotReply(t *testing.T) {
	srv := newFake(t)
	cfg := config(srv)
	cfg.From = "SakuraClin"
	p := newProvider(t, cfg)
	_, err := p.Inbound(context.Background(), time.Now())
	e := sms.Classify(err)
	if err == nil || e.Code != "no-replies" {
		t.Fatalf("err = %v, want the no-replies error", err)
	}
}

func TestInboundErrorsAreClassified(t *testing.T) {
	srv := newFake(t, twiliotest.WithFaults(twiliotest.Faults{FailAll: true}))
	p := newProvider(t, config(srv))
	if _, err := p.Inbound(context.Background(), time.Now()); err == nil {
		t.Fatal("a 500 must be an error")
	}
}

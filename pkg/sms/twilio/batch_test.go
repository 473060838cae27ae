package twilio_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/twilio"
	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

// clock is a settable clock for the fake, so that messages can be sent "yesterday".
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

func TestStatusBatch(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	sendN := func(t *testing.T, p *twilio.Provider, n int, prefix string) []string {
		t.Helper()
		var ids []string
		for i := range n {
			r, err := p.Send(ctx, sms.Message{To: fmt.Sprintf("+8190%08d", i), Body: prefix + " 本日の透析は中止です"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		return ids
	}

	t.Run("1,500 messages of our sender are two list pages, past another sender's messages", func(t *testing.T) {
		c := &clock{now: day}
		s := newFake(t, twiliotest.WithClock(c.Now), twiliotest.WithFaults(twiliotest.Faults{
			Outcomes: []twiliotest.Outcome{{To: "+81900000000[0-4]", Status: "undelivered", ErrorCode: 30003}},
		}))
		p := newProvider(t, config(s))
		other := config(s)
		other.From = "ClinicB"
		ids := sendN(t, p, 1500, "ours")
		sendN(t, newProvider(t, other), 300, "theirs")
		lists := s.RequestsOf(twiliotest.KindList)
		got, err := p.StatusBatch(ctx, ids, day)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ids) {
			t.Fatalf("StatusBatch returned %d receipts, want %d", len(got), len(ids))
		}
		if n := s.RequestsOf(twiliotest.KindList) - lists; n != 2 {
			t.Errorf("%d list requests, want 2 (pages of 1,000)", n)
		}
		if r := got[ids[3]]; r.Status != sms.StatusUndelivered || r.ErrorCode != "30003" || r.Segments != 1 {
			t.Errorf("receipt of an undelivered message: %+v", r)
		}
		if r := got[ids[1000]]; r.Status != sms.StatusDelivered || r.ID != ids[1000] {
			t.Errorf("receipt of a delivered message: %+v", r)
		}
	})

	t.Run("it stops paging once every ID is found", func(t *testing.T) {
		c := &clock{now: day}
		s := newFake(t, twiliotest.WithClock(c.Now))
		p := newProvider(t, config(s))
		ids := sendN(t, p, 10, "ours")
		sendN(t, p, 2500, "later campaign") // newer: listed first
		lists := s.RequestsOf(twiliotest.KindList)
		got, err := p.StatusBatch(ctx, ids, day)
		if err != nil || len(got) != 10 {
			t.Fatalf("StatusBatch = %d receipts, %v", len(got), err)
		}
		if n := s.RequestsOf(twiliotest.KindList) - lists; n != 3 {
			t.Errorf("%d list requests, want 3", n)
		}
	})

	t.Run("with a messaging service it reads the account's list without a From filter", func(t *testing.T) {
		c := &clock{now: day}
		s := newFake(t, twiliotest.WithClock(c.Now))
		cfg := config(s)
		cfg.From, cfg.MessagingServiceSID = "", "MG00000000000000000000000000000007"
		p := newProvider(t, cfg)
		ids := sendN(t, p, 20, "ours")
		got, err := p.StatusBatch(ctx, ids, day)
		if err != nil || len(got) != 20 {
			t.Fatalf("StatusBatch = %d receipts, %v", len(got), err)
		}
	})

	t.Run("a message sent the day before since, or held in Twilio's queue, is left to Status", func(t *testing.T) {
		c := &clock{now: day.Add(-30 * time.Hour)}
		s := newFake(t, twiliotest.WithClock(c.Now))
		p := newProvider(t, config(s))
		old := sendN(t, p, 1, "old")
		c.set(day)
		s.UpdateFaults(func(f *twiliotest.Faults) { f.Hold = true })
		held := sendN(t, p, 1, "held")
		s.UpdateFaults(func(f *twiliotest.Faults) { f.Hold = false })
		sent := sendN(t, p, 1, "sent")
		got, err := p.StatusBatch(ctx, append(append(old, held...), sent...), day)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := got[sent[0]]; !ok || len(got) != 1 {
			t.Errorf("StatusBatch = %v; want only %s", got, sent[0])
		}
	})

	t.Run("the filter starts at the UTC day of since less the skew", func(t *testing.T) {
		c := &clock{now: day.Truncate(24 * time.Hour).Add(-time.Minute)} // 23:59 the day before
		s := newFake(t, twiliotest.WithClock(c.Now))
		p := newProvider(t, config(s))
		ids := sendN(t, p, 1, "just before midnight")
		got, err := p.StatusBatch(ctx, ids, day.Truncate(24*time.Hour).Add(time.Minute))
		if err != nil || len(got) != 1 {
			t.Fatalf("StatusBatch = %v, %v; want the message sent two minutes before since", got, err)
		}
	})

	t.Run("no IDs, or none that are Twilio's, cost no request", func(t *testing.T) {
		s := newFake(t)
		p := newProvider(t, config(s))
		for _, ids := range [][]string{nil, {"../../Calls"}} {
			if got, err := p.StatusBatch(ctx, ids, day); err != nil || len(got) != 0 {
				t.Errorf("StatusBatch(%q) = %v, %v", ids, got, err)
			}
		}
		if s.Requests() != 0 {
			t.Errorf("%d requests", s.Requests())
		}
	})

	t.Run("a failing list is an error: fatal for refused credentials", func(t *testing.T) {
		s := newFake(t, twiliotest.WithFaults(twiliotest.Faults{FailAll: true}))
		p := newProvider(t, config(s))
		if _, err := p.StatusBatch(ctx, []string{"SM0123456789abcdef0123456789abcdef"}, day); err == nil || sms.Classify(err).Fatal {
			t.Errorf("StatusBatch during a 500 = %v, want a transient error", err)
		}
		cfg := config(s)
		cfg.AuthToken = "wrongtoken0123"
		if _, err := newProvider(t, cfg).StatusBatch(ctx, []string{"SM0123456789abcdef0123456789abcdef"}, day); !sms.Classify(err).Fatal {
			t.Errorf("StatusBatch with a wrong token = %v, want fatal", err)
		}
	})
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	s := newFake(t)
	if err := newProvider(t, config(s)).Check(ctx); err != nil {
		t.Fatalf("Check = %v", err)
	}
	if s.RequestsOf(twiliotest.KindAccount) != 1 || s.Requests() != 1 {
		t.Errorf("Check made %d requests (%d account fetches), want one account fetch", s.Requests(), s.RequestsOf(twiliotest.KindAccount))
	}
	wrong := config(s)
	wrong.AuthToken = "wrongtoken0123"
	apiKey := config(s)
	apiKey.AuthToken, apiKey.APIKey, apiKey.APISecret = "", "SK00000000000000000000000000000009", "keysecret9"
	otherAccount := config(s)
	otherAccount.AccountSID = "AC00000000000000000000000000000009"
	down := newFake(t, twiliotest.WithFaults(twiliotest.Faults{FailAll: true}))
	tests := []struct {
		name    string
		cfg     twilio.Config
		status  string
		fatal   bool
		code    string
		wantErr bool
	}{
		{"a wrong token is fatal (20003)", wrong, "", true, "20003", true},
		{"an API key the account does not have is fatal", apiKey, "", true, "20003", true},
		{"an account SID the credentials do not open is fatal", otherAccount, "", true, "", true},
		{"a suspended account is fatal (20005)", config(s), "suspended", true, "20005", true},
		{"a closed account is fatal (20005)", config(s), "closed", true, "20005", true},
		{"a Twilio that fails is an error", config(down), "", false, "20500", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetAccountStatus(tt.status)
			defer s.SetAccountStatus("")
			err := newProvider(t, tt.cfg).Check(ctx)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Check = %v", err)
			}
			se := sms.Classify(err)
			if se.Fatal != tt.fatal || (tt.code != "" && se.Code != tt.code) {
				t.Errorf("Check = %v (code %s, fatal %v); want code %s, fatal %v", err, se.Code, se.Fatal, tt.code, tt.fatal)
			}
		})
	}
}

// Package smstest is the conformance suite every SMS provider passes: what the engine may rely on
// for sends, error classes, status and reconciliation.
package smstest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
)

// Numbers are the numbers a harness must configure. Anything else must be accepted and delivered.
type Numbers struct {
	Permanent   string // every send fails permanently (an invalid number, say)
	Transient   string // every send fails transiently, and nothing is accepted
	Ambiguous   string // every send is accepted by the provider but reported as ambiguous
	Undelivered string // accepted; Status ends in undelivered with an error code
}

// numbers are the numbers Run asks a harness to configure.
func numbers() Numbers {
	return Numbers{
		Permanent:   "+819011110001",
		Transient:   "+819011110002",
		Ambiguous:   "+819011110003",
		Undelivered: "+819011110004",
	}
}

// Harness tells the suite how to drive one provider.
type Harness struct {
	// New returns a fresh provider (and fresh provider-side state) configured for n.
	New func(t *testing.T, n Numbers) sms.Sender
	// Accepted returns how many messages to a number the provider has accepted: what the patient
	// would receive.
	Accepted func(t *testing.T, to string) int
}

const okNumber = "+819022220001"

// Run runs the conformance suite.
func Run(t *testing.T, h Harness) {
	n := numbers()
	body := "【テスト】停電のため本日の透析は中止です。"
	ctx := context.Background()

	t.Run("a send to a good number is accepted once with an id", func(t *testing.T) {
		s := h.New(t, n)
		r, err := s.Send(ctx, sms.Message{To: okNumber, Body: body, Ref: "d1"})
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		if r.ID == "" || r.Segments < 1 {
			t.Errorf("receipt = %+v, want an id and segments", r)
		}
		if r.Status != sms.StatusQueued && r.Status != sms.StatusAccepted && r.Status != sms.StatusSending && r.Status != sms.StatusSent && r.Status != sms.StatusDelivered {
			t.Errorf("status after send = %q", r.Status)
		}
		if got := h.Accepted(t, okNumber); got != 1 {
			t.Errorf("accepted %d messages, want 1", got)
		}
	})

	t.Run("a permanent failure is permanent and accepts nothing", func(t *testing.T) {
		s := h.New(t, n)
		_, err := s.Send(ctx, sms.Message{To: n.Permanent, Body: body})
		e := sms.Classify(err)
		if e == nil || !e.Permanent || e.Ambiguous || e.Fatal {
			t.Fatalf("error = %v (%+v), want permanent", err, e)
		}
		if e.Reason == "" || e.Error() == "" {
			t.Error("a permanent error without a reason for the report")
		}
		if got := h.Accepted(t, n.Permanent); got != 0 {
			t.Errorf("accepted %d messages, want 0", got)
		}
	})

	t.Run("a transient failure is retryable and accepts nothing", func(t *testing.T) {
		s := h.New(t, n)
		for range 2 {
			_, err := s.Send(ctx, sms.Message{To: n.Transient, Body: body})
			e := sms.Classify(err)
			if e == nil || e.Permanent || e.Ambiguous || e.Fatal {
				t.Fatalf("error = %v (%+v), want transient", err, e)
			}
		}
		if got := h.Accepted(t, n.Transient); got != 0 {
			t.Errorf("accepted %d messages, want 0", got)
		}
	})

	t.Run("an ambiguous send was accepted and Find reconciles it", func(t *testing.T) {
		s := h.New(t, n)
		since := time.Now()
		m := sms.Message{To: n.Ambiguous, Body: body}
		_, err := s.Send(ctx, m)
		e := sms.Classify(err)
		if e == nil || !e.Ambiguous || e.Permanent {
			t.Fatalf("error = %v (%+v), want ambiguous", err, e)
		}
		if got := h.Accepted(t, n.Ambiguous); got != 1 {
			t.Fatalf("accepted %d messages, want 1", got)
		}
		f, ok := s.(sms.Finder)
		if !ok {
			t.Fatal("a provider that can answer ambiguously must implement sms.Finder")
		}
		r, found, err := f.Find(ctx, m, since)
		if err != nil || !found || r.ID == "" {
			t.Fatalf("Find = %+v, %v, %v; want the accepted message", r, found, err)
		}
		if _, found, err := f.Find(ctx, sms.Message{To: n.Ambiguous, Body: body + "別"}, since); err != nil || found {
			t.Errorf("Find matched another body: %v, %v", found, err)
		}
		if _, found, err := f.Find(ctx, m, time.Now().Add(time.Hour)); err != nil || found {
			t.Errorf("Find matched a message sent before since: %v, %v", found, err)
		}
	})

	t.Run("Find finds a normal send and not an unsent message", func(t *testing.T) {
		s := h.New(t, n)
		f, ok := s.(sms.Finder)
		if !ok {
			t.Skip("not a Finder")
		}
		since := time.Now()
		m := sms.Message{To: okNumber, Body: body}
		sent, err := s.Send(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		r, found, err := f.Find(ctx, m, since)
		if err != nil || !found || r.ID != sent.ID {
			t.Errorf("Find = %+v, %v, %v; want id %s", r, found, err, sent.ID)
		}
		if _, found, err := f.Find(ctx, sms.Message{To: "+819022229999", Body: body}, since); err != nil || found {
			t.Errorf("Find of a message never sent = %v, %v", found, err)
		}
	})

	t.Run("Status reports delivered and undelivered with a reason", func(t *testing.T) {
		s := h.New(t, n)
		sc, ok := s.(sms.StatusChecker)
		if !ok {
			t.Skip("not a StatusChecker")
		}
		for _, tt := range []struct {
			to   string
			want sms.Status
		}{{okNumber, sms.StatusDelivered}, {n.Undelivered, sms.StatusUndelivered}} {
			r, err := s.Send(ctx, sms.Message{To: tt.to, Body: body})
			if err != nil {
				t.Fatalf("Send to %s: %v", tt.to, err)
			}
			var st sms.Receipt
			for i := 0; i < 50; i++ {
				if st, err = sc.Status(ctx, r.ID); err != nil || st.Status.Final() {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err != nil || st.Status != tt.want || st.ID != r.ID {
				t.Errorf("Status of %s = %+v, %v; want %s", tt.to, st, err, tt.want)
			}
			if tt.want == sms.StatusUndelivered && (st.ErrorCode == "" || st.Reason == "") {
				t.Errorf("undelivered without an error code and reason: %+v", st)
			}
		}
		if _, err := sc.Status(ctx, "SM0123456789abcdef0123456789abcdef"); err == nil {
			t.Error("Status of an unknown id succeeded")
		}
	})

	t.Run("a cancelled context sends nothing and is not ambiguous", func(t *testing.T) {
		s := h.New(t, n)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.Send(cctx, sms.Message{To: okNumber, Body: body})
		if e := sms.Classify(err); e == nil || e.Ambiguous || e.Permanent || e.Fatal {
			t.Fatalf("error = %v (%+v), want a transient error", err, e)
		}
		if got := h.Accepted(t, okNumber); got != 0 {
			t.Errorf("accepted %d messages, want 0", got)
		}
	})

	t.Run("concurrent sends are each accepted once with distinct ids", func(t *testing.T) {
		s := h.New(t, n)
		const count = 40
		ids := make([]string, count)
		var wg sync.WaitGroup
		for i := range count {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := s.Send(ctx, sms.Message{To: fmt.Sprintf("+8190333300%02d", i), Body: body})
				if err != nil {
					t.Errorf("Send %d: %v", i, err)
				}
				ids[i] = r.ID
			}()
		}
		wg.Wait()
		seen := map[string]bool{}
		for i, id := range ids {
			if seen[id] {
				t.Errorf("id %q given twice", id)
			}
			seen[id] = true
			if got := h.Accepted(t, fmt.Sprintf("+8190333300%02d", i)); got != 1 {
				t.Errorf("number %d: accepted %d, want 1", i, got)
			}
		}
	})
}

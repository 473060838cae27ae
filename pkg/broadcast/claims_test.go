package broadcast

import (
	"context"
	"maps"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

// claimedUnsent returns the deliveries whose history has a sending that no request followed:
// claimed ahead, then put back. sent says which numbers got a request.
func claimedUnsent(t *testing.T, j *journal.Journal, sent func(to string) int) (ids []int64, reasons map[string]int) {
	t.Helper()
	ds, err := j.Deliveries(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	reasons = map[string]int{}
	for _, d := range ds {
		h, err := j.History(context.Background(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		marks := 0
		for _, e := range h {
			if e.State == journal.Sending {
				marks++
			}
		}
		if marks > sent(d.To) {
			ids = append(ids, d.ID)
			reasons[d.Reason]++
		}
	}
	return ids, reasons
}

// eventsWithReason counts the recorded state changes, of every delivery, with reason.
func eventsWithReason(t *testing.T, j *journal.Journal, reason string) int {
	t.Helper()
	ds, err := j.Deliveries(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range ds {
		h, err := j.History(context.Background(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h {
			if e.Reason == reason {
				n++
			}
		}
	}
	return n
}

func TestClaimsAhead(t *testing.T) {
	t.Run("claimed deliveries not yet sent go back to pending on Ctrl-C, and a resume sends each once", func(t *testing.T) {
		const n = 100
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		clk := newClock()
		j, plan := newCampaign(t, n)
		p := newProvider(clk.Now, nil)
		var sends atomic.Int32
		p.onSend = func(context.Context, sms.Message) {
			if sends.Add(1) == 10 {
				cancel()
			}
		}
		cfg := testConfig(clk) // 4 workers: claims of 8
		res, err := Run(ctx, j, "c", p, cfg)
		if err != nil || !res.Interrupted {
			t.Fatalf("%+v, %v", res, err)
		}
		got := states(t, j)
		if got[journal.Sending] != 0 || got[journal.Submitted] != p.totalSends() || got[journal.Submitted]+got[journal.Pending] != n {
			t.Errorf("after Ctrl-C: states %v with %d sends", got, p.totalSends())
		}
		ids, reasons := claimedUnsent(t, j, p.sendCount)
		if len(ids) == 0 {
			t.Fatal("no delivery was claimed ahead: the test does not exercise claims")
		}
		if !maps.Equal(reasons, map[string]int{reasonStopped: len(ids)}) {
			t.Errorf("claimed and unsent deliveries left with reasons %v, want %q", reasons, reasonStopped)
		}

		p.onSend = nil
		if res, err := Run(context.Background(), j, "c", p, cfg); err != nil || res.Accepted != n {
			t.Fatalf("resume: %+v, %v", res, err)
		}
		for _, d := range plan {
			if c := p.acceptedCount(d.To); c != 1 {
				t.Errorf("%s got %d messages, want 1", d.To, c)
			}
		}
	})

	t.Run("a crash with a claim outstanding: each claimed delivery is looked up, and sent only if the provider lacks it", func(t *testing.T) {
		ctx := context.Background()
		clk := newClock()
		j, plan := newCampaign(t, 24)
		p := newProvider(clk.Now, nil)
		// The crashed run claimed 0..15 in one write and got 0..4 accepted before it died.
		ids := make([]int64, 16)
		for i := range ids {
			ids[i] = plan[i].ID
		}
		if err := j.MarkSendingBatch(ctx, ids, clk.Now()); err != nil {
			t.Fatal(err)
		}
		for _, d := range plan[:5] {
			p.Send(ctx, sms.Message{To: d.To, Body: d.Body})
		}
		before := p.totalSends()
		res, err := Run(ctx, j, "c", p, testConfig(clk))
		if err != nil || res.Accepted != 24 || res.SentThisRun != 24 {
			t.Fatalf("%+v, %v", res, err)
		}
		if got := p.totalSends() - before; got != 24-5 {
			t.Errorf("%d sends after the crash, want %d", got, 24-5)
		}
		if p.finds < 16 {
			t.Errorf("%d lookups for 16 deliveries left sending", p.finds)
		}
		for _, d := range plan {
			if c := p.acceptedCount(d.To); c != 1 {
				t.Errorf("%s got %d messages, want 1", d.To, c)
			}
		}
	})

	t.Run("while the provider is down no delivery waits in sending but the requests going out", func(t *testing.T) {
		clk := newClock()
		j, _ := newCampaign(t, 60)
		var calls atomic.Int32
		p := newProvider(clk.Now, func(sms.Message, int) (bool, error) {
			if c := calls.Add(1); c > 2 && c <= 30 {
				return false, errDown
			}
			return true, nil
		})
		cfg := testConfig(clk)
		cfg.Workers = 1 // claims of 8: when the breaker opens, several are waiting
		cfg.MaxAttempts = 100
		cfg.BreakerThreshold = 3
		cfg.OutageLimit = time.Hour
		var worst atomic.Int32
		p.onSend = func(context.Context, sms.Message) {
			if c := calls.Load(); c < 6 || c >= 30 {
				return // before the breaker opened, or after the outage
			}
			n := int32(states(t, j)[journal.Sending])
			for {
				w := worst.Load()
				if n <= w || worst.CompareAndSwap(w, n) {
					break
				}
			}
		}
		res, err := Run(context.Background(), j, "c", p, cfg)
		if err != nil || res.Accepted != 60 {
			t.Fatalf("%+v, %v", res, err)
		}
		if w := worst.Load(); w > int32(cfg.Workers) {
			t.Errorf("during the outage %d deliveries were sending with %d workers: claims were not put back", w, cfg.Workers)
		}
		if n := eventsWithReason(t, j, reasonPaused); n == 0 {
			t.Error("no claim was put back when the breaker opened")
		}
	})
}

// TestNoClaimsAheadWithoutAFinderOrWithARate: a delivery left sending by a crash becomes unknown
// without a Finder, and behind a rate limit claims gain nothing, so each delivery is then marked
// sending by its worker right before its request: none is ever marked and not sent.
func TestNoClaimsAheadWithoutAFinderOrWithARate(t *testing.T) {
	for _, tt := range []struct {
		name string
		find bool
		rate float64
	}{
		{"a sender without a Finder", false, 0},
		{"a rate limit", true, 2000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			j, _ := newCampaign(t, 60)
			p := newProvider(time.Now, nil)
			var sends atomic.Int32
			p.onSend = func(context.Context, sms.Message) {
				if sends.Add(1) == 10 {
					cancel()
				}
			}
			var s sms.Sender = p
			if !tt.find {
				s = sendOnly{p}
			}
			res, err := Run(ctx, j, "c", s, Config{Workers: 4, Rate: tt.rate, Burst: 4})
			if err != nil || !res.Interrupted {
				t.Fatalf("%+v, %v", res, err)
			}
			ids, reasons := claimedUnsent(t, j, p.sendCount)
			if len(ids) > 0 && !tt.find {
				t.Errorf("%d deliveries marked sending and never sent (%v)", len(ids), reasons)
			}
			if tt.find && (len(ids) > 4 || (len(ids) > 0 && !maps.Equal(reasons, map[string]int{reasonStopped: len(ids)}))) {
				// Behind a rate limit, a worker waiting for its token when Ctrl-C comes puts its
				// delivery back: at most one per worker.
				t.Errorf("%d deliveries marked sending and never sent (%v)", len(ids), reasons)
			}
		})
	}
}

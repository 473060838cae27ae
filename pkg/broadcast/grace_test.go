package broadcast

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

// err5xx is what the twilio provider returns for a 500 to a create: the message may exist.
var err5xx = &sms.Error{Code: "20500", Reason: "Twilio had an internal error: the message may have been created", Ambiguous: true}

// testGrace is the grace period of testConfig with the in-test provider: it has no
// sms.Timeouter, so twice the engine's default RequestTimeout of 30 s.
const testGrace = 60 * time.Second

// timeouter is a provider that says its request timeout.
type timeouter struct {
	*provider
	timeout time.Duration
}

func (t timeouter) RequestTimeout() time.Duration { return t.timeout }

func TestGracePeriodIsTwiceTheRequestTimeoutWithAFloor(t *testing.T) {
	p := newProvider(time.Now, nil)
	for _, tt := range []struct {
		name  string
		s     sms.Sender
		cfg   Config
		grace time.Duration
	}{
		{"twice the engine's request timeout without a Timeouter", p, Config{}, 60 * time.Second},
		{"twice the provider's own timeout when it says", timeouter{p, 40 * time.Second}, Config{}, 80 * time.Second},
		{"no shorter than the floor", timeouter{p, time.Second}, Config{}, 30 * time.Second},
		{"the floor is a setting tests shrink", timeouter{p, 100 * time.Millisecond}, Config{GraceFloor: time.Millisecond}, 200 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := graceFor(tt.s, tt.cfg.withDefaults()); got != tt.grace {
				t.Errorf("grace = %v, want %v", got, tt.grace)
			}
		})
	}
}

func TestAmbiguousSendsWaitForTheGracePeriod(t *testing.T) {
	tests := []struct {
		name     string
		outcome  func(m sms.Message, call int) (accept bool, err error)
		lateBy   time.Duration
		noFind   bool
		states   map[journal.State]int
		sends    int // Send calls per number
		accepted int // messages the patient got
		// the second Send, if any, and the deciding lookup come a grace period after the first
		waited bool
	}{
		{
			name:    "a 5xx to a create the provider stored is found by the lookup, not retried",
			outcome: func(sms.Message, int) (bool, error) { return true, err5xx },
			states:  map[journal.State]int{journal.Submitted: 1}, sends: 1, accepted: 1,
		},
		{
			name: "a 5xx to a create the provider did not store is resent once, only after the grace period",
			outcome: func(m sms.Message, call int) (bool, error) {
				if call == 1 {
					return false, err5xx
				}
				return true, nil
			},
			states: map[journal.State]int{journal.Submitted: 1}, sends: 2, accepted: 1, waited: true,
		},
		{
			name:    "a message accepted late is found by the lookup after the grace period and not resent",
			outcome: func(sms.Message, int) (bool, error) { return true, errTimeout },
			lateBy:  testGrace / 2,
			states:  map[journal.State]int{journal.Submitted: 1}, sends: 1, accepted: 1, waited: true,
		},
		{
			name: "a timeout the provider never took in is resent exactly once after the grace period",
			outcome: func(m sms.Message, call int) (bool, error) {
				if call == 1 {
					return false, errTimeout
				}
				return true, nil
			},
			states: map[journal.State]int{journal.Submitted: 1}, sends: 2, accepted: 1, waited: true,
		},
		{
			name:    "a 5xx without a Finder is unknown and never resent",
			outcome: func(sms.Message, int) (bool, error) { return false, err5xx },
			noFind:  true,
			states:  map[journal.State]int{journal.Unknown: 1}, sends: 1, accepted: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			j, plan := newCampaign(t, 1)
			p := newProvider(clk.Now, tt.outcome)
			p.lateBy = tt.lateBy
			var s sms.Sender = p
			if tt.noFind {
				s = sendOnly{p}
			}
			cfg := testConfig(clk)
			cfg.BreakerThreshold = 1000
			if _, err := Run(context.Background(), j, "c", s, cfg); err != nil {
				t.Fatal(err)
			}
			if got := states(t, j); !maps.Equal(got, tt.states) {
				t.Errorf("states = %v, want %v", got, tt.states)
			}
			if got := p.sendCount(plan[0].To); got != tt.sends {
				t.Errorf("%d sends, want %d", got, tt.sends)
			}
			if got := p.acceptedCount(plan[0].To); got != tt.accepted {
				t.Errorf("the patient got %d messages, want %d", got, tt.accepted)
			}
			sends, finds := p.times()
			if !tt.noFind && len(finds) == 0 {
				t.Errorf("no lookup before deciding")
			}
			if tt.waited {
				last := finds[len(finds)-1]
				if gap := last.Sub(sends[0]); gap < testGrace {
					t.Errorf("the deciding lookup came %v after the attempt, want at least the grace period %v", gap, testGrace)
				}
				if len(sends) > 1 && sends[1].Before(last) {
					t.Errorf("sent again at %v, before the deciding lookup at %v", sends[1], last)
				}
			}
		})
	}
}

func TestAParkedDeliveryDoesNotHoldTheOtherWorkers(t *testing.T) {
	const n = 6
	clk := newClock()
	j, plan := newCampaign(t, n)
	first := plan[0].To
	p := newProvider(clk.Now, func(m sms.Message, call int) (bool, error) {
		if m.To == first && call == 1 {
			return false, errTimeout
		}
		return true, nil
	})
	cfg := testConfig(clk)
	cfg.Workers = 1
	if _, err := Run(context.Background(), j, "c", p, cfg); err != nil {
		t.Fatal(err)
	}
	if got := states(t, j); !maps.Equal(got, map[journal.State]int{journal.Submitted: n}) {
		t.Errorf("states = %v", got)
	}
	sends, _ := p.times()
	// One worker: the others went out while the first waited its grace period, then it was resent.
	if len(sends) != n+1 || sends[n-1].Sub(sends[0]) >= testGrace || sends[n].Sub(sends[0]) < testGrace {
		t.Errorf("send times %v: want the other %d first, then the resend a grace period later", sends, n-1)
	}
	for _, d := range plan {
		if c := p.acceptedCount(d.To); c != 1 {
			t.Errorf("%s got %d messages", d.To, c)
		}
	}
}

func TestResumingAYoungSendingDeliveryWaitsForTheGracePeriod(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name      string
		late      bool // the provider takes the interrupted request in, late
		wantSends int
	}{
		{"a message the provider takes in late is found, not sent again", true, 0},
		{"a message the provider never got is sent once, after the grace period", false, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			j, plan := newCampaign(t, 1)
			p := newProvider(clk.Now, nil)
			// An earlier run marked it sending 5 s ago and died; the request is still on its way.
			sendingAt := clk.Now().Add(-5 * time.Second)
			if err := j.MarkSending(ctx, plan[0].ID, sendingAt); err != nil {
				t.Fatal(err)
			}
			if tt.late {
				p.lateBy = 20 * time.Second
				p.outcome = func(sms.Message, int) (bool, error) { return true, errTimeout }
				p.Send(ctx, sms.Message{To: plan[0].To, Body: plan[0].Body})
				p.outcome = func(sms.Message, int) (bool, error) { return true, nil }
			}
			before := p.totalSends()
			if _, err := Run(ctx, j, "c", p, testConfig(clk)); err != nil {
				t.Fatal(err)
			}
			if got := p.totalSends() - before; got != tt.wantSends {
				t.Errorf("%d sends on resume, want %d", got, tt.wantSends)
			}
			if got := p.acceptedCount(plan[0].To); got != 1 {
				t.Errorf("the patient got %d messages, want 1", got)
			}
			if got := states(t, j); !maps.Equal(got, map[journal.State]int{journal.Submitted: 1}) {
				t.Errorf("states = %v", got)
			}
			sends, finds := p.times()
			last := finds[len(finds)-1]
			if last.Sub(sendingAt) < testGrace {
				t.Errorf("deciding lookup %v after the earlier attempt, want at least %v", last.Sub(sendingAt), testGrace)
			}
			if !tt.late && sends[len(sends)-1].Before(last) {
				t.Errorf("sent before the deciding lookup")
			}
		})
	}
}

func TestInterruptWhileParkedLeavesItSendingForTheNextRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := newClock()
	j, plan := newCampaign(t, 3)
	p := newProvider(clk.Now, func(m sms.Message, call int) (bool, error) {
		if m.To == plan[0].To && call == 1 {
			return true, errTimeout // taken in late, after the Ctrl-C
		}
		return true, nil
	})
	p.lateBy = testGrace / 2
	cfg := testConfig(clk)
	cfg.Sleep = func(sctx context.Context, d time.Duration) error {
		if d >= testGrace/2 { // the wait for the grace period: Ctrl-C during it
			cancel()
			<-sctx.Done()
			return sctx.Err()
		}
		return clk.Sleep(sctx, d)
	}
	start := time.Now()
	res, err := Run(ctx, j, "c", p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || time.Since(start) > 5*time.Second {
		t.Errorf("result %+v after %v: want an interrupted run that did not wait", res, time.Since(start))
	}
	if got := states(t, j); !maps.Equal(got, map[journal.State]int{journal.Sending: 1, journal.Submitted: 2}) {
		t.Errorf("after Ctrl-C: states %v, want the parked delivery left sending", got)
	}
	// The next run applies the same rule: the late message is found, nothing is resent.
	if _, err := Run(context.Background(), j, "c", p, testConfig(clk)); err != nil {
		t.Fatal(err)
	}
	if got := states(t, j); !maps.Equal(got, map[journal.State]int{journal.Submitted: 3}) {
		t.Errorf("after the next run: states %v", got)
	}
	for _, d := range plan {
		if got := p.acceptedCount(d.To); got != 1 {
			t.Errorf("%s got %d messages, want 1", d.To, got)
		}
	}
	if got := p.sendCount(plan[0].To); got != 1 {
		t.Errorf("the interrupted delivery was sent %d times, want once", got)
	}
}

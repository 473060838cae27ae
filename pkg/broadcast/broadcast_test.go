package broadcast

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

var (
	errBusy      = &sms.Error{Code: "429", Reason: "too many requests"}
	errDown      = &sms.Error{Code: "503", Reason: "service unavailable"}
	errLandline  = &sms.Error{Code: "21614", Reason: "not a mobile number", Permanent: true}
	errOptedOut  = &sms.Error{Code: "21610", Reason: "recipient opted out", Permanent: true, OptedOut: true}
	errTimeout   = &sms.Error{Reason: "timeout after the request was sent", Ambiguous: true}
	errBadAuth   = &sms.Error{Code: "20003", Reason: "authentication failed", Fatal: true}
	errLookupOff = errors.New("list messages: connection refused")
)

func TestOutcomes(t *testing.T) {
	const n = 6
	tests := []struct {
		name    string
		outcome func(m sms.Message, call int) (accept bool, err error)
		noFind  bool
		findErr error
		// want
		states   map[journal.State]int
		sends    int // Send calls per number
		accepted int // messages the patient got
		optOut   bool
	}{
		{
			name: "transient errors are retried until the send succeeds",
			outcome: func(m sms.Message, call int) (bool, error) {
				return call == 3, map[bool]error{true: nil, false: errBusy}[call == 3]
			},
			states: map[journal.State]int{journal.Submitted: n}, sends: 3, accepted: 1,
		},
		{
			name:    "transient errors past MaxAttempts leave the delivery pending, never failed",
			outcome: func(sms.Message, int) (bool, error) { return false, errDown },
			states:  map[journal.State]int{journal.Pending: n}, sends: 3, accepted: 0,
		},
		{
			name:    "a permanent error is recorded once and never retried",
			outcome: func(sms.Message, int) (bool, error) { return false, errLandline },
			states:  map[journal.State]int{journal.Failed: n}, sends: 1, accepted: 0,
		},
		{
			name:    "an opted-out number fails and is remembered",
			outcome: func(sms.Message, int) (bool, error) { return false, errOptedOut },
			states:  map[journal.State]int{journal.Failed: n}, sends: 1, accepted: 0, optOut: true,
		},
		{
			name:    "an ambiguous send the provider did accept is found and not sent again",
			outcome: func(sms.Message, int) (bool, error) { return true, errTimeout },
			states:  map[journal.State]int{journal.Submitted: n}, sends: 1, accepted: 1,
		},
		{
			name: "an ambiguous send the provider never got is sent again",
			outcome: func(m sms.Message, call int) (bool, error) {
				if call == 1 {
					return false, errTimeout
				}
				return true, nil
			},
			states: map[journal.State]int{journal.Submitted: n}, sends: 2, accepted: 1,
		},
		{
			name:    "an ambiguous send whose lookup fails is unknown and not sent again",
			outcome: func(sms.Message, int) (bool, error) { return true, errTimeout },
			findErr: errLookupOff,
			states:  map[journal.State]int{journal.Unknown: n}, sends: 1, accepted: 1,
		},
		{
			name:    "an ambiguous send without a way to look it up is unknown and not sent again",
			outcome: func(sms.Message, int) (bool, error) { return false, errTimeout },
			noFind:  true,
			states:  map[journal.State]int{journal.Unknown: n}, sends: 1, accepted: 0,
		},
		{
			name:    "an error that is not an *sms.Error is treated as ambiguous",
			outcome: func(sms.Message, int) (bool, error) { return true, errors.New("read tcp: connection reset by peer") },
			states:  map[journal.State]int{journal.Submitted: n}, sends: 1, accepted: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			j, plan := newCampaign(t, n)
			p := newProvider(clk.Now, tt.outcome)
			p.findErr = tt.findErr
			var s sms.Sender = p
			if tt.noFind {
				s = sendOnly{p}
			}
			cfg := testConfig(clk)
			cfg.MaxAttempts = 3
			cfg.BreakerThreshold = 1000
			res, err := Run(context.Background(), j, "c", s, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := states(t, j); !maps.Equal(got, tt.states) {
				t.Errorf("states = %v, want %v", got, tt.states)
			}
			for _, d := range plan {
				if got := p.sendCount(d.To); got != tt.sends {
					t.Errorf("%s: %d sends, want %d", d.To, got, tt.sends)
				}
				if got := p.acceptedCount(d.To); got != tt.accepted {
					t.Errorf("%s: patient got %d messages, want %d", d.To, got, tt.accepted)
				}
			}
			if want := tt.states[journal.Submitted]; res.SentThisRun != want || res.Accepted != want {
				t.Errorf("result = %+v, want %d sent", res, want)
			}
			if res.Failed != tt.states[journal.Failed] || res.Unknown != tt.states[journal.Unknown] || res.Pending != tt.states[journal.Pending] {
				t.Errorf("result = %+v", res)
			}
			ds, _ := j.Deliveries(context.Background(), "c")
			for _, d := range ds {
				if d.State != journal.Submitted && d.Reason == "" {
					t.Errorf("delivery %d is %s without a reason", d.Seq, d.State)
				}
				if d.State == journal.Submitted && d.ProviderID == "" {
					t.Errorf("delivery %d submitted without the provider's id", d.Seq)
				}
			}
			opted, _ := j.OptedOut(context.Background())
			if tt.optOut != opted[plan[0].To] {
				t.Errorf("opted out = %v, want %v", opted[plan[0].To], tt.optOut)
			}
		})
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	clk := newClock()
	j, _ := newCampaign(t, 1)
	p := newProvider(clk.Now, func(m sms.Message, call int) (bool, error) {
		if call == 1 {
			return false, &sms.Error{Code: "429", Reason: "slow down", RetryAfter: 7 * time.Second}
		}
		return true, nil
	})
	var waits []time.Duration
	cfg := testConfig(clk)
	cfg.OnEvent = func(e Event) {
		if e.Kind == EventRetry {
			waits = append(waits, e.Wait)
		}
	}
	if _, err := Run(context.Background(), j, "c", p, cfg); err != nil {
		t.Fatal(err)
	}
	if len(waits) != 1 || waits[0] != 7*time.Second {
		t.Errorf("retry waits = %v, want [7s]", waits)
	}
}

func TestBackoffIsExponentialWithFullJitter(t *testing.T) {
	e := &engine{cfg: Config{BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second}}
	for attempt, ceil := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second} {
		var top time.Duration
		for range 2000 {
			d := e.backoff(attempt)
			if d < 0 || d > ceil {
				t.Fatalf("attempt %d: %v outside [0, %v]", attempt, d, ceil)
			}
			top = max(top, d)
		}
		if top < ceil*8/10 {
			t.Errorf("attempt %d: never above %v of %v: not full jitter", attempt, top, ceil)
		}
	}
}

func TestCrashLeftoversAreReconciledBeforeAnyResend(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		noFind     bool
		findErr    error
		findFlaky  int
		resend     bool
		wantStates map[journal.State]int
		wantSends  int // Send calls in the run after the crash
	}{
		{"with a Finder, a message the provider has is kept and one it lacks is sent", false, nil, 0, false,
			map[journal.State]int{journal.Submitted: 4}, 3},
		{"a lookup that fails twice and then answers still reconciles", false, nil, 2, false,
			map[journal.State]int{journal.Submitted: 4}, 3},
		{"without a Finder, both become unknown and nothing is resent", true, nil, 0, false,
			map[journal.State]int{journal.Unknown: 2, journal.Submitted: 2}, 2},
		{"when the lookup keeps failing, both become unknown and nothing is resent", false, errLookupOff, 0, false,
			map[journal.State]int{journal.Unknown: 2, journal.Submitted: 2}, 2},
		{"--resend-unknown sends unknown deliveries the provider does not have", true, nil, 0, true,
			map[journal.State]int{journal.Submitted: 4}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			j, plan := newCampaign(t, 4)
			p := newProvider(clk.Now, nil)
			// The crash: 0 and 1 were marked sending; the provider accepted 0 before the process died.
			for _, d := range plan[:2] {
				if err := j.MarkSending(ctx, d.ID, clk.Now()); err != nil {
					t.Fatal(err)
				}
			}
			p.Send(ctx, sms.Message{To: plan[0].To, Body: plan[0].Body})
			p.findErr, p.findFlaky = tt.findErr, tt.findFlaky
			var s sms.Sender = p
			if tt.noFind {
				s = sendOnly{p}
			}
			cfg := testConfig(clk)
			if tt.resend {
				// A first run leaves them unknown; the second, with ResendUnknown, sends.
				if _, err := Run(ctx, j, "c", s, cfg); err != nil {
					t.Fatal(err)
				}
				cfg.ResendUnknown = true
			}
			before := p.totalSends()
			if _, err := Run(ctx, j, "c", s, cfg); err != nil {
				t.Fatal(err)
			}
			if got := states(t, j); !maps.Equal(got, tt.wantStates) {
				t.Errorf("states = %v, want %v", got, tt.wantStates)
			}
			if got := p.totalSends() - before; got != tt.wantSends {
				t.Errorf("%d sends after the crash, want %d", got, tt.wantSends)
			}
			if tt.noFind && tt.resend {
				return // without a Finder, --resend-unknown may duplicate: the user chose it
			}
			if got := p.acceptedCount(plan[0].To); got != 1 {
				t.Errorf("the patient whose message was accepted before the crash got %d messages", got)
			}
		})
	}
}

func TestFatalErrorStopsAtOnce(t *testing.T) {
	clk := newClock()
	j, _ := newCampaign(t, 20)
	p := newProvider(clk.Now, func(sms.Message, int) (bool, error) { return false, errBadAuth })
	cfg := testConfig(clk)
	cfg.Workers = 1
	res, err := Run(context.Background(), j, "c", p, cfg)
	var se *sms.Error
	if !errors.As(err, &se) || !se.Fatal {
		t.Fatalf("err = %v, want the fatal *sms.Error", err)
	}
	if got := p.totalSends(); got != 1 {
		t.Errorf("%d sends after a fatal error, want 1", got)
	}
	if got := states(t, j); !maps.Equal(got, map[journal.State]int{journal.Pending: 20}) {
		t.Errorf("states = %v: a fatal error must leave everything pending", got)
	}
	if res.Pending != 20 || res.Interrupted {
		t.Errorf("result = %+v", res)
	}
}

func TestInterruptFinishesInFlightAndResumeCompletes(t *testing.T) {
	const n = 60
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := newClock()
	j, plan := newCampaign(t, n)
	p := newProvider(clk.Now, nil)
	var sent atomic.Int32
	var cancelledInFlight atomic.Int32
	p.onSend = func(rctx context.Context, m sms.Message) {
		if sent.Add(1) == 20 {
			cancel() // Ctrl-C while requests are out
		}
		time.Sleep(2 * time.Millisecond)
		if rctx.Err() != nil {
			cancelledInFlight.Add(1)
		}
	}
	cfg := testConfig(clk)
	cfg.Workers = 8
	res, err := Run(ctx, j, "c", p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted {
		t.Errorf("result not marked interrupted: %+v", res)
	}
	if cancelledInFlight.Load() != 0 {
		t.Errorf("%d in-flight requests saw Ctrl-C; they must finish", cancelledInFlight.Load())
	}
	got := states(t, j)
	if got[journal.Sending] != 0 || got[journal.Submitted] != int(sent.Load()) || got[journal.Submitted]+got[journal.Pending] != n {
		t.Errorf("after Ctrl-C: states %v with %d sends", got, sent.Load())
	}
	if got[journal.Pending] == 0 {
		t.Errorf("Ctrl-C did not stop taking new work")
	}
	if res.SentThisRun != got[journal.Submitted] || res.Pending != got[journal.Pending] {
		t.Errorf("result %+v disagrees with journal %v", res, got)
	}

	p.onSend = nil
	res, err = Run(context.Background(), j, "c", p, cfg)
	if err != nil || res.Interrupted || res.Accepted != n || res.SentThisRun != got[journal.Pending] {
		t.Fatalf("resume: %+v, %v", res, err)
	}
	for _, d := range plan {
		if c := p.acceptedCount(d.To); c != 1 {
			t.Errorf("%s got %d messages, want exactly 1", d.To, c)
		}
	}
	res, _ = Run(context.Background(), j, "c", p, cfg)
	if res.SentThisRun != 0 {
		t.Errorf("a third run sent %d", res.SentThisRun)
	}
}

func TestBreaker(t *testing.T) {
	t.Run("a short outage pauses every worker, says so, and then completes", func(t *testing.T) {
		clk := newClock()
		j, _ := newCampaign(t, 30)
		var calls atomic.Int32
		p := newProvider(clk.Now, func(sms.Message, int) (bool, error) {
			if c := calls.Add(1); c > 3 && c <= 12 {
				return false, errDown
			}
			return true, nil
		})
		var pauses []string
		cfg := testConfig(clk)
		cfg.MaxAttempts = 100
		cfg.BreakerThreshold = 3
		cfg.OnEvent = func(e Event) {
			if e.Kind == EventPause {
				pauses = append(pauses, e.Message)
			}
		}
		res, err := Run(context.Background(), j, "c", p, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := states(t, j); !maps.Equal(got, map[journal.State]int{journal.Submitted: 30}) {
			t.Errorf("states = %v", got)
		}
		if len(pauses) == 0 || pauses[0] != "the provider failed 3 times in a row (last: service unavailable (code 503)): pausing 2s before trying again" {
			t.Errorf("pause events = %q", pauses)
		}
		// Once open, probes go one at a time with doubling pauses: the nine failures take the
		// opening three and at most six probes.
		if len(pauses) > 1 && !strings.Contains(pauses[1], "pausing 4s") {
			t.Errorf("the pause after a failed probe did not double: %q", pauses)
		}
		if res.Accepted != 30 {
			t.Errorf("result = %+v", res)
		}
	})
	t.Run("an outage longer than the limit stops the run with no patient failed", func(t *testing.T) {
		clk := newClock()
		start := clk.Now()
		j, _ := newCampaign(t, 50)
		p := newProvider(clk.Now, func(sms.Message, int) (bool, error) { return false, errDown })
		cfg := testConfig(clk)
		cfg.MaxAttempts = 1000
		cfg.OutageLimit = 2 * time.Minute
		res, err := Run(context.Background(), j, "c", p, cfg)
		var oe *OutageError
		if !errors.As(err, &oe) {
			t.Fatalf("err = %v, want *OutageError", err)
		}
		if oe.Duration < 2*time.Minute || clk.Now().Sub(start) > 3*time.Minute {
			t.Errorf("stopped after %v of outage (clock moved %v), want at 2m", oe.Duration, clk.Now().Sub(start))
		}
		if !strings.Contains(err.Error(), "provider unreachable for 2m") || !strings.Contains(err.Error(), "still pending") {
			t.Errorf("message = %q", err)
		}
		if got := states(t, j); !maps.Equal(got, map[journal.State]int{journal.Pending: 50}) {
			t.Errorf("states = %v: an outage must leave every delivery pending", got)
		}
		if res.Failed != 0 || res.Pending != 50 {
			t.Errorf("result = %+v", res)
		}
		// Paused workers do not hammer a provider that is down: 2s, 4s, … 30s pauses over two
		// minutes are a handful of probes after the threshold (plus what was in flight).
		if got := p.totalSends(); got > 5+4+10 {
			t.Errorf("%d requests during the outage", got)
		}
	})
}

func TestEventsAreSerialisedAndCountProgress(t *testing.T) {
	clk := newClock()
	j, _ := newCampaign(t, 40)
	p := newProvider(clk.Now, nil)
	var inside atomic.Int32
	var mu sync.Mutex
	kinds := map[EventKind]int{}
	lastDone := 0
	cfg := testConfig(clk)
	cfg.Workers = 8
	cfg.OnEvent = func(e Event) {
		if inside.Add(1) != 1 {
			t.Error("OnEvent called concurrently")
		}
		defer inside.Add(-1)
		time.Sleep(50 * time.Microsecond)
		mu.Lock()
		kinds[e.Kind]++
		if e.Total != 40 {
			t.Errorf("event total %d", e.Total)
		}
		if e.Kind == EventDelivery {
			if e.Done != lastDone+1 {
				t.Errorf("Done went from %d to %d", lastDone, e.Done)
			}
			lastDone = e.Done
			if len(e.Delivery.Patients) != 1 || e.Delivery.Patients[0].Row < 2 {
				t.Errorf("event without its patient: %+v", e.Delivery)
			}
		}
		mu.Unlock()
	}
	if _, err := Run(context.Background(), j, "c", p, cfg); err != nil {
		t.Fatal(err)
	}
	if kinds[EventStart] != 1 || kinds[EventEnd] != 1 || kinds[EventDelivery] != 40 || lastDone != 40 {
		t.Errorf("events %v, last done %d", kinds, lastDone)
	}
}

func TestRunIsRefusedWhileTheCampaignIsLocked(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	j, _ := newCampaign(t, 3)
	release, err := j.Lock(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	// The same journal may run it (the CLI holds the lock around plan and run)…
	if _, err := Run(ctx, j, "c", newProvider(clk.Now, nil), testConfig(clk)); err != nil {
		t.Fatalf("Run under the caller's own lock: %v", err)
	}
	// …another process may not: see journal's lock tests. An unknown campaign is an error.
	if _, err := Run(ctx, j, "nope", newProvider(clk.Now, nil), testConfig(clk)); !errors.Is(err, journal.ErrNotFound) {
		t.Errorf("unknown campaign: %v", err)
	}
}

func TestRefresh(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	j, plan := newCampaign(t, 7)
	p := newProvider(clk.Now, nil)
	if _, err := Run(ctx, j, "c", p, testConfig(clk)); err != nil {
		t.Fatal(err)
	}
	ds, _ := j.Deliveries(ctx, "c")
	p.status[ds[0].ProviderID] = sms.Receipt{Status: sms.StatusQueued}
	p.status[ds[1].ProviderID] = sms.Receipt{Status: sms.StatusSent}
	p.status[ds[2].ProviderID] = sms.Receipt{Status: sms.StatusDelivered}
	p.status[ds[3].ProviderID] = sms.Receipt{Status: sms.StatusUndelivered, ErrorCode: "30003", Reason: "phone off or out of coverage"}
	p.status[ds[4].ProviderID] = sms.Receipt{Status: sms.StatusFailed, ErrorCode: "30006", Reason: "landline"}
	p.status[ds[5].ProviderID] = sms.Receipt{Status: "mystery"}
	// ds[6]: the provider does not know the id: an error, the delivery is left as it was.

	res, err := Refresh(ctx, j, "c", p, RefreshConfig{Rate: 1000, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Checked != 7 || res.Changed != 4 || res.Errors != 1 || res.InFlight != 4 {
		t.Errorf("result = %+v", res)
	}
	ds, _ = j.Deliveries(ctx, "c")
	want := []string{"submitted", "sent", "delivered", "undelivered 30003 phone off or out of coverage", "failed 30006 landline", "submitted", "submitted"}
	for i, d := range ds {
		got := strings.TrimSpace(fmt.Sprintf("%s %s %s", d.State, d.ErrorCode, d.Reason))
		if got != want[i] {
			t.Errorf("delivery %d: %q, want %q", i, got, want[i])
		}
	}

	p.status[ds[1].ProviderID] = sms.Receipt{Status: sms.StatusDelivered}
	res, _ = Refresh(ctx, j, "c", p, RefreshConfig{})
	if res.Checked != 4 || res.Changed != 1 {
		t.Errorf("second refresh checks only what is in flight: %+v", res)
	}
	_ = plan

	p.status = nil // every lookup now fails fatally
	_, err = Refresh(ctx, j, "c", fatalChecker{}, RefreshConfig{})
	var se *sms.Error
	if !errors.As(err, &se) || !se.Fatal {
		t.Errorf("fatal status error: %v", err)
	}
}

type fatalChecker struct{}

func (fatalChecker) Status(context.Context, string) (sms.Receipt, error) {
	return sms.Receipt{}, errBadAuth
}

func TestInterruptWhileWaitingForTheRateLimitLeavesNothingSending(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	j, _ := newCampaign(t, 10)
	s := &nullSender{}
	go func() {
		time.Sleep(120 * time.Millisecond)
		cancel()
	}()
	res, err := Run(ctx, j, "c", s, Config{Workers: 4, Rate: 20})
	if err != nil {
		t.Fatal(err)
	}
	got := states(t, j)
	if got[journal.Sending] != 0 || got[journal.Submitted] != s.n || !res.Interrupted || res.Pending != 10-s.n {
		t.Errorf("states %v after %d sends, result %+v", got, s.n, res)
	}
}

func TestSegmentRateCountsSegments(t *testing.T) {
	ctx := context.Background()
	j, err := journal.Open(ctx, t.TempDir()+"/journal.db")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	plan := make([]journal.Delivery, 6)
	for i := range plan {
		plan[i] = journal.Delivery{To: number(i), Body: "長い本文", Segments: 3}
	}
	if err := j.CreateCampaign(ctx, journal.Campaign{ID: "c"}, plan); err != nil {
		t.Fatal(err)
	}
	s := &nullSender{at: []time.Time{}}
	// 18 segments at 60 segments/s with a burst of one message (3): about (18-3)/60 = 250ms.
	if _, err := Run(ctx, j, "c", s, Config{Rate: 60, SegmentRate: true}); err != nil {
		t.Fatal(err)
	}
	if span := s.at[len(s.at)-1].Sub(s.at[0]); span < 230*time.Millisecond || span > 400*time.Millisecond {
		t.Errorf("6 three-segment messages at 60 segments/s took %v, want about 250ms", span)
	}
}

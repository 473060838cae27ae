package broadcast_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/broadcast"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/report"
	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

// faultTimeout is twilio.timeout in the fault tests: the grace period before an ambiguous
// delivery is decided is twice it.
const faultTimeout = 250 * time.Millisecond

// runToCompletion runs the campaign the way a person would: the same command again while
// deliveries are left pending (a delivery that hit its attempts in one run stays pending). It
// returns the last result and how many runs it took.
func runToCompletion(t *testing.T, send func() (broadcast.Result, error)) (broadcast.Result, int) {
	t.Helper()
	const maxRuns = 10
	for run := 1; ; run++ {
		res, err := send()
		if err != nil {
			t.Fatalf("run %d: %v (%+v)", run, err, res)
		}
		if res.Pending == 0 {
			return res, run
		}
		if run == maxRuns {
			t.Fatalf("after %d runs %d deliveries are still pending: %v", run, res.Pending, res.Counts)
		}
		t.Logf("run %d left %d pending: running it again", run, res.Pending)
	}
}

// checkExactlyOnce checks that the fake created exactly one message per number of the campaign,
// and that the journal and the report agree with it: every delivery accepted, with the SID of
// the fake's message to its number.
func checkExactlyOnce(t *testing.T, j *journal.Journal, srv *twiliotest.Server, n int) {
	t.Helper()
	sids := map[string]string{}
	for _, m := range srv.Messages() {
		if prev, dup := sids[m.To]; dup {
			t.Errorf("%s was texted twice: %s and %s", m.To, prev, m.SID)
		}
		sids[m.To] = m.SID
	}
	if len(sids) != n {
		t.Errorf("the fake texted %d numbers, want %d", len(sids), n)
	}

	ds, err := j.Deliveries(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != n {
		t.Fatalf("journal has %d deliveries, want %d", len(ds), n)
	}
	bad := 0
	for _, d := range ds {
		if want := sids[d.To]; !d.State.Accepted() || d.ProviderID != want {
			if bad++; bad <= 5 {
				t.Errorf("delivery to %s: %s %q, want accepted as %q at the fake (reason %q)", d.To, d.State, d.ProviderID, want, d.Reason)
			}
		}
	}
	rows := report.Rows(ds)
	if len(rows) != n {
		t.Fatalf("report has %d rows, want %d", len(rows), n)
	}
	for _, r := range rows {
		if want := sids[r.E164]; !journal.State(r.State).Accepted() || r.MessageID != want {
			if bad++; bad <= 10 {
				t.Errorf("report row %d (%s): %s %q, want accepted as %q at the fake", r.Row, r.E164, r.State, r.MessageID, want)
			}
		}
	}
	if bad > 10 {
		t.Errorf("… %d disagreements in all", bad)
	}
}

// TestFaultyTwilioCampaignSendsExactlyOnce is issue 5's reliability figure: with 5 % 429 (some
// with Retry-After), 5 % 500 and 2 % accept-then-drop at the fake, a 2,000-recipient campaign,
// re-run while anything is left pending, ends with exactly one message per number at the fake,
// and the journal and report name the fake's message for every number.
func TestFaultyTwilioCampaignSendsExactlyOnce(t *testing.T) {
	const n = 2000
	srv := twiliotest.NewServer(twiliotest.WithSeed(5), twiliotest.WithFaults(twiliotest.Faults{
		TooManyRequests: 0.05, ServerErrors: 0.05, AcceptThenDrop: 0.02,
	}))
	defer srv.Close()
	// A 500 to a create is ambiguous: looked up, and again after twice the timeout, before any resend.
	p := newTwilioProviderTimeout(t, srv, nil, faultTimeout)
	j := newTwilioCampaign(t, n)

	// Half the time the 429s carry Retry-After: 1 (the fake rounds up to whole seconds), half the
	// time they carry none, as Twilio's do.
	done := make(chan struct{})
	var toggler sync.WaitGroup
	toggler.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for on := true; ; on = !on {
			srv.UpdateFaults(func(f *twiliotest.Faults) {
				f.RetryAfter = 0
				if on {
					f.RetryAfter = time.Second
				}
			})
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})

	var retries, honoured atomic.Int64
	cfg := broadcast.Config{
		Workers:     16,
		GraceFloor:  time.Millisecond,
		BackoffBase: 5 * time.Millisecond,
		BackoffMax:  50 * time.Millisecond, // so that a wait of a second or more can only be a Retry-After
		OnEvent: func(e broadcast.Event) {
			if e.Kind == broadcast.EventRetry && e.Err != nil { // not the waits for a grace period
				retries.Add(1)
				if e.Wait >= time.Second {
					honoured.Add(1)
				}
			}
		},
	}
	start := time.Now()
	res, runs := runToCompletion(t, func() (broadcast.Result, error) {
		return broadcast.Run(context.Background(), j, "c", p, cfg)
	})
	close(done)
	toggler.Wait()

	var dropped int
	for _, m := range srv.Messages() {
		if m.Dropped {
			dropped++
		}
	}
	t.Logf("%d deliveries in %v over %d run(s): %d requests at the fake, %d retries (%d waited for Retry-After), %d creates dropped after being stored; counts %v",
		n, time.Since(start).Round(time.Millisecond), runs, srv.Requests(), retries.Load(), honoured.Load(), dropped, res.Counts)
	if res.Accepted != n || res.Failed != 0 || res.Unknown != 0 {
		t.Errorf("result %+v, want all %d accepted", res, n)
	}
	// The faults must have happened, or the test proves nothing.
	if retries.Load() == 0 || honoured.Load() == 0 || honoured.Load() == retries.Load() || dropped == 0 {
		t.Errorf("faults not exercised: %d retries, %d after Retry-After, %d dropped", retries.Load(), honoured.Load(), dropped)
	}
	checkExactlyOnce(t, j, srv, n)
}

// TestTwilioOutageStopsThenResumes: against a Twilio that answers 500 to everything, the run stops
// once the breaker's OutageLimit has passed, with *OutageError, leaving every delivery pending (or
// sending, for the creates answered 500: they may exist) and none failed or unknown; a later run
// against a healthy Twilio, with the same journal, looks those up and completes the campaign,
// exactly once per number.
func TestTwilioOutageStopsThenResumes(t *testing.T) {
	const n = 500
	j := newTwilioCampaign(t, n)
	cfg := broadcast.Config{
		Workers:          16,
		BackoffBase:      5 * time.Millisecond,
		BackoffMax:       50 * time.Millisecond,
		BreakerThreshold: 5,
		BreakerPause:     100 * time.Millisecond,
		BreakerPauseMax:  400 * time.Millisecond,
		OutageLimit:      time.Second,
		GraceFloor:       time.Millisecond,
	}

	down := twiliotest.NewServer(twiliotest.WithFaults(twiliotest.Faults{FailAll: true}))
	defer down.Close()
	start := time.Now()
	res, err := broadcast.Run(context.Background(), j, "c", newTwilioProviderTimeout(t, down, nil, faultTimeout), cfg)
	took := time.Since(start)
	var outage *broadcast.OutageError
	if !errors.As(err, &outage) {
		t.Fatalf("run against a failing Twilio returned %v (%+v), want *broadcast.OutageError", err, res)
	}
	t.Logf("stopped after %v with %d requests at the fake: %v", took.Round(time.Millisecond), down.Requests(), err)
	if took < cfg.OutageLimit || took > cfg.OutageLimit+5*time.Second {
		t.Errorf("stopped after %v, want a little over the outage limit %v", took, cfg.OutageLimit)
	}
	if outage.Duration < cfg.OutageLimit {
		t.Errorf("outage of %v reported, want at least %v", outage.Duration, cfg.OutageLimit)
	}
	// The breaker held the workers back: nowhere near one request per delivery per attempt.
	if r := down.Requests(); r > n {
		t.Errorf("%d requests during the outage for %d deliveries: the breaker did not pause", r, n)
	}
	counts, err := j.Counts(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	if counts[journal.Pending]+counts[journal.Sending] != n || res.Pending != n || res.Failed != 0 || res.Unknown != 0 {
		t.Errorf("after the outage: counts %v, result %+v; want all %d pending or sending, none failed or unknown", counts, res, n)
	}
	// Answered 500, a create may exist: those in flight when the breaker opened (at most a
	// request per worker, and the streak that opened it) and one probe per pause.
	most := cfg.Workers + cfg.BreakerThreshold
	for pause, waited := cfg.BreakerPause, time.Duration(0); waited < outage.Duration; pause = min(2*pause, cfg.BreakerPauseMax) {
		waited += pause
		most++
	}
	if counts[journal.Sending] == 0 || counts[journal.Sending] > most {
		t.Errorf("after the outage: %d sending, want the few creates answered 500 (at most %d)", counts[journal.Sending], most)
	}
	if m := down.Messages(); len(m) != 0 {
		t.Errorf("the failing fake created %d messages", len(m))
	}

	up := twiliotest.NewServer()
	defer up.Close()
	res, runs := runToCompletion(t, func() (broadcast.Result, error) {
		return broadcast.Run(context.Background(), j, "c", newTwilioProviderTimeout(t, up, nil, faultTimeout), cfg)
	})
	if res.Accepted != n || runs != 1 {
		t.Errorf("resumed against a healthy Twilio: %+v in %d run(s), want all %d accepted in one", res, runs, n)
	}
	checkExactlyOnce(t, j, up, n)
}

// TestLateAndFailingCreatesAreNeverSentTwice is issue 10's third finding, in process: the real
// twilio provider (twilio.timeout 250 ms) against the fake that takes creates in late (at delays
// around the timeout), stores them and answers 500 or a gateway's HTML 504, or goes down after N
// messages. Run again while anything is left, every number ends with exactly one message.
func TestLateAndFailingCreatesAreNeverSentTwice(t *testing.T) {
	const n = 40
	tests := []struct {
		name   string
		faults twiliotest.Faults
		outage bool // end the outage before the second run
	}{
		{"late acceptance just before the client's timeout", twiliotest.Faults{LateAccept: 0.3, LateBy: faultTimeout - 50*time.Millisecond}, false},
		{"late acceptance just after the client's timeout", twiliotest.Faults{LateAccept: 0.3, LateBy: faultTimeout + 50*time.Millisecond}, false},
		{"late acceptance well after the client's timeout", twiliotest.Faults{LateAccept: 0.3, LateBy: 3 * faultTimeout / 2}, false},
		{"accept-then-500", twiliotest.Faults{AcceptThen500: 0.2}, false},
		{"accept-then-HTML-504", twiliotest.Faults{AcceptThen504: 0.2}, false},
		{"500 before the create", twiliotest.Faults{ServerErrors: 0.2}, false},
		{"an outage after 10 messages", twiliotest.Faults{OutageAfter: 10}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := twiliotest.NewServer(twiliotest.WithSeed(uint64(i+1)), twiliotest.WithFaults(tt.faults))
			defer srv.Close()
			p := newTwilioProviderTimeout(t, srv, nil, faultTimeout)
			j := newTwilioCampaign(t, n)
			cfg := broadcast.Config{
				Workers: 8, GraceFloor: time.Millisecond, BackoffBase: 5 * time.Millisecond, BackoffMax: 50 * time.Millisecond,
				BreakerPause: 50 * time.Millisecond, BreakerPauseMax: 100 * time.Millisecond, OutageLimit: 500 * time.Millisecond,
			}
			runs, outages := 0, 0
			for res := (broadcast.Result{Pending: n}); res.Pending > 0; runs++ {
				if runs == 6 {
					t.Fatalf("after %d runs: %v", runs, res.Counts)
				}
				var err error
				res, err = broadcast.Run(context.Background(), j, "c", p, cfg)
				var outage *broadcast.OutageError
				switch {
				case tt.outage && errors.As(err, &outage):
					outages++
					srv.EndOutage()
				case errors.As(err, &outage):
					// Timeouts in a row (30 % of creates answered late) look like an outage to
					// the breaker on a loaded machine: the run stops cleanly, and the next one
					// resumes, as the manager would rerun the command.
				case err != nil:
					t.Fatalf("run %d: %v", runs+1, err)
				}
				if res.Unknown > 0 || res.Failed > 0 {
					t.Fatalf("run %d: %v, want no unknown or failed", runs+1, res.Counts)
				}
			}
			faults := map[string]int{}
			for _, m := range srv.Messages() {
				faults[m.Fault]++
			}
			t.Logf("%d runs; messages at the fake by fault: %v", runs, faults)
			if exercised := len(faults) > 1 || outages > 0 || srv.Requests() > 2*n; !exercised {
				t.Errorf("the faults were not exercised: %v, %d requests", faults, srv.Requests())
			}
			checkExactlyOnce(t, j, srv, n)
		})
	}
}

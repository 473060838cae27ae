package broadcast

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

var (
	errBadCredentials = &sms.Error{Code: "20003", Reason: "bad credentials", Fatal: true}
	errUnavailable    = &sms.Error{Code: "503", Reason: "unavailable"}
	errTimedOut       = &sms.Error{Code: "timeout", Reason: "timed out after the request was sent", Ambiguous: true}
)

// events collects a run's events.
type events struct {
	mu  sync.Mutex
	all []Event
}

func (ev *events) add(e Event) {
	ev.mu.Lock()
	ev.all = append(ev.all, e)
	ev.mu.Unlock()
}

func (ev *events) of(k EventKind) []Event {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	var out []Event
	for _, e := range ev.all {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// received is how many messages number i got across providers.
func received(i int, ps ...*provider) int {
	n := 0
	for _, p := range ps {
		n += p.acceptedCount(number(i))
	}
	return n
}

// byID returns the campaign's deliveries keyed by number.
func byNumber(t *testing.T, j *journal.Journal) map[string]journal.Delivery {
	t.Helper()
	ds, err := j.Deliveries(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]journal.Delivery{}
	for _, d := range ds {
		out[d.To] = d
	}
	return out
}

func TestFailoverWhenThePrimaryRefusesTheRunSendsEverythingThroughTheBackup(t *testing.T) {
	c := newClock()
	j, _ := newCampaign(t, 20)
	primary := newProvider(c.Now, func(sms.Message, int) (bool, error) { return false, errBadCredentials })
	backup := newProvider(c.Now, nil)
	var ev events
	cfg := testConfig(c)
	cfg.OnEvent = ev.add
	cfg.Fallbacks = []Route{{Name: "backup", Sender: backup}}
	res, err := Run(context.Background(), j, "c", primary, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 20 || res.Pending != 0 || res.Unknown != 0 || len(res.Failovers) != 1 {
		t.Fatalf("result %+v", res)
	}
	fo := ev.of(EventFailover)
	if len(fo) != 1 || fo[0].From != "test" || fo[0].To != "backup" || !errors.Is(fo[0].Err, errBadCredentials) {
		t.Fatalf("failover events %+v", fo)
	}
	for i, d := range byNumber(t, j) {
		if d.Provider != "backup" || backup.acceptedCount(i) != 1 {
			t.Errorf("%s: provider %q, %d at the backup", i, d.Provider, backup.acceptedCount(i))
		}
	}
}

func TestAFatalErrorWithoutABackupStillStopsTheRun(t *testing.T) {
	c := newClock()
	j, _ := newCampaign(t, 5)
	primary := newProvider(c.Now, func(sms.Message, int) (bool, error) { return false, errBadCredentials })
	res, err := Run(context.Background(), j, "c", primary, testConfig(c))
	if !errors.Is(err, errBadCredentials) || res.Pending != 5 {
		t.Fatalf("%+v, %v", res, err)
	}
}

// The run's own clock, in a synctest bubble: four workers sleeping at once wait together, as
// they would in real time (a shared fake clock that adds every Sleep would count each backoff
// once per worker and move the failover late).
func TestFailoverWhenTheBreakerStaysOpenCarriesOnAfterFailoverAfter(t *testing.T) {
	synctest.Test(t, testFailoverAfter)
}

func testFailoverAfter(t *testing.T) {
	j, _ := newCampaign(t, 40)
	var mu sync.Mutex
	accepted := 0
	primary := newProvider(time.Now, func(sms.Message, int) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if accepted < 10 {
			accepted++
			return true, nil
		}
		return false, errUnavailable // refused before anything was stored: safe to send elsewhere
	})
	backup := newProvider(time.Now, nil)
	var ev events
	cfg := Config{Workers: 4} // time.Now and time.Sleep: the bubble's
	cfg.OnEvent = ev.add
	cfg.Fallbacks = []Route{{Name: "backup", Sender: backup}}
	cfg.MaxAttempts = 100 // every delivery waits for the failover rather than running out
	start := time.Now()
	res, err := Run(context.Background(), j, "c", primary, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 40 || res.Unknown != 0 || res.Pending != 0 {
		t.Fatalf("result %+v", res)
	}
	fo := ev.of(EventFailover)
	if len(fo) != 1 || fo[0].Message != "the primary provider test is unreachable: continuing through backup" {
		t.Fatalf("failover events %+v", fo)
	}
	var oe *OutageError
	if !errors.As(fo[0].Err, &oe) {
		t.Errorf("failover error %v, want *OutageError", fo[0].Err)
	}
	if at := res.Failovers[0].At.Sub(start); at < 30*time.Second || at > 35*time.Second {
		t.Errorf("failed over after %s, want FailoverAfter (30s)", at)
	}
	n := 0
	for i := range 40 {
		if got := received(i, primary, backup); got != 1 {
			t.Errorf("%s received %d", number(i), got)
		}
		n += backup.acceptedCount(number(i))
	}
	if n != 30 {
		t.Errorf("backup carried %d, want 30", n)
	}
}

// ambiguousPrimary accepts the first ok messages, then answers every send with a timeout after
// the request left (keeping the message when keep says) and fails every lookup: it went down
// with requests in flight.
func ambiguousPrimary(c *clock, ok int, keep func(to string) bool) *provider {
	var mu sync.Mutex
	n := 0
	p := newProvider(c.Now, func(m sms.Message, _ int) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if n < ok {
			n++
			return true, nil
		}
		return keep(m.To), errTimedOut
	})
	p.findErr = errUnavailable
	return p
}

func everyOther(to string) bool { return to[len(to)-1]%2 == 0 }

func TestAnAmbiguousSendAtTheDownPrimaryStaysUnknownAndGoesOnTheCallList(t *testing.T) {
	c := newClock()
	j, _ := newCampaign(t, 30)
	primary := ambiguousPrimary(c, 10, everyOther)
	backup := newProvider(c.Now, nil)
	cfg := testConfig(c)
	cfg.Fallbacks = []Route{{Name: "backup", Sender: backup}}
	res, err := Run(context.Background(), j, "c", primary, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Unknown == 0 || res.Accepted+res.Unknown != 30 || res.Pending != 0 || res.PossiblyTwice != 0 {
		t.Fatalf("result %+v", res)
	}
	for to, d := range byNumber(t, j) {
		switch d.State {
		case journal.Unknown:
			if d.ErrorCode != CodeNotAsked || d.Provider != "test" || backup.acceptedCount(to) != 0 {
				t.Errorf("%s: unknown with %q via %q, %d at the backup", to, d.ErrorCode, d.Provider, backup.acceptedCount(to))
			}
			if want := "may have been sent by test, which cannot be asked now"; !strings.Contains(d.Reason, want) {
				t.Errorf("%s: reason %q lacks %q", to, d.Reason, want)
			}
		case journal.Submitted:
			if primary.acceptedCount(to)+backup.acceptedCount(to) != 1 {
				t.Errorf("%s: %d + %d messages", to, primary.acceptedCount(to), backup.acceptedCount(to))
			}
		default:
			t.Errorf("%s: %s", to, d.State)
		}
	}

	// The primary is back: a later run asks it about each unknown delivery first.
	primary.mu.Lock()
	primary.outcome = func(sms.Message, int) (bool, error) { return true, nil }
	primary.findErr = nil
	primary.mu.Unlock()
	unknown := res.Unknown
	res, err = Run(context.Background(), j, "c", primary, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 30 || res.Unknown != 0 || res.SentThisRun != unknown {
		t.Fatalf("second run: %+v (unknown before: %d)", res, unknown)
	}
	for i := range 30 {
		if got := received(i, primary, backup); got != 1 {
			t.Errorf("%s received %d", number(i), got)
		}
	}
	for to, d := range byNumber(t, j) {
		if backup.acceptedCount(to) == 0 && d.Provider != "test" {
			t.Errorf("%s: provider %q", to, d.Provider)
		}
	}
}

func TestFailoverUnknownSendsThroughTheBackupAndMarksPossiblyTwice(t *testing.T) {
	c := newClock()
	j, _ := newCampaign(t, 30)
	primary := ambiguousPrimary(c, 10, everyOther)
	backup := newProvider(c.Now, nil)
	cfg := testConfig(c)
	cfg.Fallbacks = []Route{{Name: "backup", Sender: backup}}
	cfg.FailoverUnknown = true
	res, err := Run(context.Background(), j, "c", primary, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 30 || res.Unknown != 0 || res.PossiblyTwice == 0 {
		t.Fatalf("result %+v", res)
	}
	twice := 0
	for to, d := range byNumber(t, j) {
		if d.ErrorCode == CodePossiblyTwice {
			twice++
			if d.Provider != "backup" || backup.acceptedCount(to) != 1 || !strings.Contains(d.Reason, "possibly sent twice") {
				t.Errorf("%s: %+v", to, d)
			}
		}
	}
	if twice != res.PossiblyTwice {
		t.Errorf("%d marked, result says %d", twice, res.PossiblyTwice)
	}
}

func TestAnAmbiguousSendIsLookedUpThroughItsOwnRoute(t *testing.T) {
	// The backup times out after keeping the message: the lookup goes to the backup, not to the
	// primary, and finds it.
	c := newClock()
	j, _ := newCampaign(t, 6)
	primary := newProvider(c.Now, func(sms.Message, int) (bool, error) { return false, errBadCredentials })
	backup := newProvider(c.Now, func(_ sms.Message, n int) (bool, error) {
		if n == 1 {
			return true, errTimedOut
		}
		return true, nil
	})
	cfg := testConfig(c)
	cfg.Fallbacks = []Route{{Name: "backup", Sender: backup}}
	res, err := Run(context.Background(), j, "c", primary, cfg)
	if err != nil || res.Accepted != 6 {
		t.Fatalf("%+v, %v", res, err)
	}
	for i := range 6 {
		if got := backup.acceptedCount(number(i)); got != 1 {
			t.Errorf("%s received %d", number(i), got)
		}
	}
	if primary.finds != 0 {
		t.Errorf("the primary was asked %d times", primary.finds)
	}
}

func TestALeftoverSendingDeliveryOfTheBackupIsAskedOfTheBackup(t *testing.T) {
	c := newClock()
	j, plan := newCampaign(t, 2)
	ctx := context.Background()
	backup := newProvider(c.Now, nil)
	// An earlier run sent the first through the backup and died before it recorded the answer.
	if err := j.MarkSendingVia(ctx, plan[0].ID, c.Now(), "backup"); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Send(ctx, sms.Message{To: plan[0].To, Body: plan[0].Body}); err != nil {
		t.Fatal(err)
	}
	c.Sleep(ctx, time.Hour)
	primary := newProvider(c.Now, nil)
	cfg := testConfig(c)
	cfg.Fallbacks = []Route{{Name: "backup", Sender: backup}}
	res, err := Run(ctx, j, "c", primary, cfg)
	if err != nil || res.Accepted != 2 {
		t.Fatalf("%+v, %v", res, err)
	}
	if primary.acceptedCount(plan[0].To) != 0 || backup.acceptedCount(plan[0].To) != 1 || primary.acceptedCount(plan[1].To) != 1 {
		t.Errorf("primary %d, backup %d", primary.acceptedCount(plan[0].To), backup.acceptedCount(plan[0].To))
	}
	// Without the backup in the chain it cannot be asked: unknown, not sent through the primary.
	j2, plan2 := newCampaign(t, 1)
	if err := j2.MarkSendingVia(ctx, plan2[0].ID, c.Now(), "backup"); err != nil {
		t.Fatal(err)
	}
	res, err = Run(ctx, j2, "c", newProvider(c.Now, nil), testConfig(c))
	if err != nil || res.Unknown != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	d, _ := j2.Delivery(ctx, plan2[0].ID)
	if d.ErrorCode != CodeNotAsked || !strings.Contains(d.Reason, "which this run does not use") {
		t.Errorf("%+v", d)
	}
}

// Package broadcast is the engine: it runs a campaign's pending deliveries through a provider.
package broadcast

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

// Config tunes a run. Zero values take the defaults documented on each field.
type Config struct {
	Workers       int           // concurrent requests; default 4
	Rate          float64       // messages per second (segments with SegmentRate); 0 means no limit
	Burst         int           // token bucket size; default 1
	SegmentRate   bool          // Rate counts SMS segments, not messages (how carriers meter throughput)
	MaxAttempts   int           // attempts per delivery in one run for transient errors; default 5
	BackoffBase   time.Duration // first retry waits up to this; default 500ms
	BackoffMax    time.Duration // no retry waits longer (unless the provider says Retry-After); default 30s
	ResendUnknown bool          // send deliveries in state unknown again
	Now           func() time.Time
	OnEvent       func(Event) // progress; calls are serialised

	RequestTimeout time.Duration // one Send, Find or Status call; default 30s
	// FindSkew widens the window a Finder searches, for the clock difference between this computer
	// and the provider; default 2m.
	FindSkew time.Duration
	// BreakerThreshold transient failures in a row pause every worker; default 5.
	BreakerThreshold int
	BreakerPause     time.Duration // first pause; doubled at each failed probe; default 2s
	BreakerPauseMax  time.Duration // default 30s
	// OutageLimit: when the provider has failed for this long the run stops with *OutageError,
	// leaving deliveries pending; default 2m.
	OutageLimit time.Duration
	// GraceFloor is the least time from an ambiguous attempt (a timeout after the request was
	// written, a 5xx to a create, a send an earlier run left sending) to the lookup that decides
	// whether it may be sent again; default 30s. The wait is twice the request timeout (the
	// provider's, when it implements sms.Timeouter) when that is longer.
	GraceFloor time.Duration
	// Sleep waits for d or until ctx ends; tests pass a fake clock's. Default: a real timer.
	Sleep func(ctx context.Context, d time.Duration) error

	// Primary describes Run's sender (its Sender field is not used: Run's is): its Name is
	// recorded for each delivery it carries (default: the campaign's provider), its Rate
	// defaults to Rate, its DailyLimit and Lines meter it as they do a fallback.
	Primary Route
	// Fallbacks carry on, in turn, when the route before cannot: it refused the run (a fatal
	// error: bad credentials, a suspended account), it has failed for FailoverAfter, or its
	// lines have all sent their DailyLimit today. What may have been accepted by the route left
	// is not sent through the next: it is unknown (CodeNotAsked) until a later run asks it.
	Fallbacks []Route
	// FailoverAfter: a route followed by a fallback that has failed for this long is left for the
	// next; default 30s (OutageLimit if that is shorter). The last route stops at OutageLimit.
	FailoverAfter time.Duration
	// FailoverUnknown sends a delivery that may have been accepted by a route the run left (and
	// that cannot be asked) through the next one anyway, recorded with CodePossiblyTwice: a
	// patient may get the message twice, rather than not at all (--failover-unknown).
	FailoverUnknown bool
	// Zone is where a route's DailyLimit days begin and end, at midnight; default time.Local.
	Zone *time.Location
}

func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Burst <= 0 {
		c.Burst = 1
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.BreakerThreshold <= 0 {
		c.BreakerThreshold = 5
	}
	def(&c.BackoffBase, 500*time.Millisecond)
	def(&c.BackoffMax, 30*time.Second)
	def(&c.RequestTimeout, 30*time.Second)
	def(&c.FindSkew, 2*time.Minute)
	def(&c.BreakerPause, 2*time.Second)
	def(&c.BreakerPauseMax, 30*time.Second)
	def(&c.OutageLimit, 2*time.Minute)
	def(&c.GraceFloor, 30*time.Second)
	def(&c.FailoverAfter, 30*time.Second)
	if c.Zone == nil {
		c.Zone = time.Local
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	return c
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// EventKind says what an Event reports.
type EventKind string

// Event kinds.
const (
	EventStart    EventKind = "start"
	EventDelivery EventKind = "delivery" // a delivery reached the state this run leaves it in
	EventRetry    EventKind = "retry"
	EventPause    EventKind = "pause" // the breaker opened: the provider looks down
	// EventFailover: the run carries on through the next provider (From → To), once per move;
	// Message says why, Err is what made it (*OutageError, a fatal *sms.Error, *LimitError).
	EventFailover EventKind = "failover"
	EventEnd      EventKind = "end"
)

// Event is one thing that happened during a run.
type Event struct {
	Kind     EventKind
	Delivery journal.Delivery
	// Err, for EventDelivery, is set when the provider did not accept the delivery (failed,
	// unknown, or left pending after its attempts); for EventRetry and EventPause it is the error
	// that caused them, for EventEnd the run's error.
	Err     error
	Done    int // deliveries finished in this run so far
	Total   int // deliveries this run set out to send
	Message string
	Wait    time.Duration // EventRetry, EventPause: how long before the next attempt
	// From and To, for EventFailover, are the route left and the one taken.
	From, To string
}

// Result sums up a run. Its counts come from the journal after the run, so they cover the whole
// campaign, not only this run.
type Result struct {
	SentThisRun int // deliveries the provider accepted in this run
	// Accepted counts deliveries the provider accepted overall (this and earlier runs): submitted,
	// sent, delivered and undelivered. Undelivered is included because the provider took the
	// message; whether the handset got it is for the report, and resending would not help.
	Accepted    int
	Failed      int
	Unknown     int
	Pending     int  // deliveries still to send (pending or sending)
	Skipped     int  // rows never sendable (landline, invalid, …)
	Interrupted bool // ctx was cancelled: the run stopped taking new work
	Counts      map[journal.State]int
	// Failovers are the moves of this run from a route to the next, in order.
	Failovers []Failover
	// PossiblyTwice counts deliveries this run sent through a backup although the route before
	// may have sent them too (Config.FailoverUnknown, or --resend-unknown after a failover).
	PossiblyTwice int
}

// OutageError stops a run when the provider has been failing for longer than Config.OutageLimit.
// No delivery was marked failed because of it: the same command resumes the campaign.
type OutageError struct {
	Since    time.Time     // first failure of the streak
	Duration time.Duration // how long the provider has been failing
	Failures int           // transient failures in a row
	Last     error         // the latest of them
}

func (e *OutageError) Error() string {
	return fmt.Sprintf("provider unreachable for %s (%d failures in a row; last: %v): stopped, every unsent delivery is still pending (any that may have been accepted is looked up before it is sent)",
		e.Duration.Round(time.Second), e.Failures, e.Last)
}

func (e *OutageError) Unwrap() error { return e.Last }

// StateOf maps a provider status to the journal state it stands for; ok is false for a status
// smscast does not know (the delivery is then left as it is).
func StateOf(s sms.Status) (state journal.State, ok bool) {
	switch s {
	case "", sms.StatusAccepted, sms.StatusQueued, sms.StatusSending:
		return journal.Submitted, true
	case sms.StatusSent:
		return journal.Sent, true
	case sms.StatusDelivered:
		return journal.Delivered, true
	case sms.StatusUndelivered:
		return journal.Undelivered, true
	case sms.StatusFailed:
		return journal.Failed, true
	}
	return "", false
}

// Run sends every pending delivery of campaign through s, then returns the campaign's counts.
//
// It takes the campaign's lock for the run (re-entrant: the caller may hold it already).
// A delivery whose attempt is ambiguous (the request may have reached the provider), and any found
// in state sending (an earlier run stopped mid-request, or had claimed it ahead), is looked up
// through the sms.Finder of the route that carried it before any resend: at once, and, if the
// provider does not have it, again once the grace period after the attempt has passed (graceFor),
// so that a message the provider accepts late is found instead of sent twice. It waits in the
// lot meanwhile, not holding a worker; the run ends when no delivery waits. Only when that last
// lookup finds nothing is it sent again. Without a Finder it becomes unknown. With a Finder and
// no rate limit, deliveries are marked sending in batches of 4·Workers ahead of their requests
// (see queue), so a crash leaves fewer than 6·Workers of them in sending besides the requests in
// flight; otherwise each is marked right before its request. Cancelling ctx stops taking new
// work: requests in flight finish and their outcome is recorded, the rest stays pending (claimed
// deliveries are recorded pending again), deliveries waiting for their grace period stay
// sending, and Result.Interrupted is set.
//
// With cfg.Fallbacks, a route that refuses the run (a fatal *sms.Error), fails for
// cfg.FailoverAfter, or has sent its daily limit hands the rest to the next (EventFailover); a
// delivery the route left may have accepted is not sent through the next (see unreachable).
// Unknown deliveries a failover left (CodeNotAsked) are taken up again by a later run, through
// their own route first. Without a route to carry on, a fatal provider error stops the run at
// once and is returned; an outage longer than cfg.OutageLimit returns *OutageError; a daily
// limit reached returns *LimitError.
func Run(ctx context.Context, j *journal.Journal, campaign string, s sms.Sender, cfg Config) (Result, error) {
	cfg = cfg.withDefaults()
	c, err := j.Campaign(ctx, campaign)
	if err != nil {
		return Result{}, err
	}
	release, err := j.Lock(ctx, campaign)
	if err != nil {
		return Result{}, err
	}
	defer release()

	states := []journal.State{journal.Pending, journal.Sending, journal.Unknown}
	// Events carry the delivery with its patients (for the report's rows); without them the
	// lighter query skips decoding every patient list.
	var work []journal.Delivery
	if cfg.OnEvent != nil {
		work, err = j.DeliveriesIn(ctx, campaign, states...)
	} else {
		work, err = j.SendQueue(ctx, campaign, states...)
	}
	if err != nil {
		return Result{}, err
	}
	// Unknown deliveries are sent again only when the user asks, but those a failover left
	// unasked are asked now: their provider may answer again.
	if !cfg.ResendUnknown {
		kept := work[:0]
		for _, d := range work {
			if d.State != journal.Unknown || d.ErrorCode == CodeNotAsked {
				kept = append(kept, d)
			}
		}
		work = kept
	}

	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	e := &engine{
		j:                j,
		cfg:              cfg,
		total:            len(work),
		stop:             stop,
		campaignProvider: c.Provider,
	}
	primary := cfg.Primary
	primary.Sender = s
	if primary.Name == "" {
		primary.Name = c.Provider
	}
	if e.routes, err = newRoutes(e, primary, cfg.Fallbacks, work); err != nil {
		return Result{}, err
	}
	e.lot = newLot()

	claim := 1
	if p := e.routes[0]; p.finder != nil && p.limiter == nil && p.budget == nil {
		// Claims ahead only where a crash's leftovers can be reconciled, and only where waiting
		// for a commit costs throughput: behind a rate limit the requests wait anyway, and each
		// token is taken right before its request. A metered route chooses each message's line
		// when it sends it.
		claim = claimAhead(cfg.Workers)
	}
	e.queue = newQueue(runCtx, e, work, claim)

	e.emit(Event{Kind: EventStart, Total: len(work)})
	var wg sync.WaitGroup
	for range min(cfg.Workers, max(len(work), 1)) {
		wg.Go(func() {
			for {
				jb, ok := e.next(runCtx)
				if !ok {
					return
				}
				e.deliver(runCtx, jb)
				e.lot.finish()
			}
		})
	}
	wg.Wait()
	e.queue.release(reasonStopped)

	runErr := context.Cause(runCtx)
	if errors.Is(runErr, context.Canceled) && ctx.Err() != nil {
		runErr = nil // the caller's Ctrl-C: reported as Interrupted
	}
	bg := context.WithoutCancel(ctx)
	if err := j.Flush(bg); err != nil && runErr == nil {
		runErr = fmt.Errorf("record outcomes: %w", err)
	}
	counts, err := j.Counts(bg, campaign)
	if err != nil && runErr == nil {
		runErr = err
	}
	e.foMu.Lock()
	failovers := append([]Failover(nil), e.failovers...)
	e.foMu.Unlock()
	res := Result{
		SentThisRun:   int(e.sent.Load()),
		Accepted:      counts[journal.Submitted] + counts[journal.Sent] + counts[journal.Delivered] + counts[journal.Undelivered],
		Failed:        counts[journal.Failed],
		Unknown:       counts[journal.Unknown],
		Pending:       counts[journal.Pending] + counts[journal.Sending],
		Skipped:       counts[journal.Skipped],
		Interrupted:   ctx.Err() != nil,
		Counts:        counts,
		Failovers:     failovers,
		PossiblyTwice: int(e.twice.Load()),
	}
	e.emit(Event{Kind: EventEnd, Err: runErr, Done: int(e.done.Load()), Total: e.total})
	return res, runErr
}

// graceFor is how long after an ambiguous attempt the deciding lookup waits: twice the request
// timeout (the provider's own when it says, sms.Timeouter), at least cfg.GraceFloor. A provider
// or proxy that takes a create in after our timeout creates the message later still: measured
// with a proxy holding creates 16 s against Twilio's 15 s timeout, a lookup right after the
// timeout found nothing and every patient was texted twice.
func graceFor(s sms.Sender, cfg Config) time.Duration {
	timeout := cfg.RequestTimeout
	if t, ok := s.(sms.Timeouter); ok {
		if t.RequestTimeout() == 0 {
			return 0 // accepted synchronously or not at all: nothing can show later
		}
		timeout = t.RequestTimeout()
	}
	return max(2*timeout, cfg.GraceFloor)
}

// claimAhead is how many deliveries the queue claims in one journal write for workers workers:
// four rounds of requests, the next claim starting when two are left. Measured with
// BenchmarkEngineTwilioVsBareHTTP (32 workers, in-process A/B of 24 runs each, medians): ratio
// 0.51 claiming two rounds when one was left, 0.60 claiming four when two are left; the claims'
// fsyncs are most of what the journal costs the run.
func claimAhead(workers int) int { return max(4*workers, 8) }

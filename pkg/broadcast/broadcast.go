// Package broadcast is the engine: it runs a campaign's pending deliveries through a provider.
package broadcast

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

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

// Reasons recorded for a delivery marked sending and then not sent.
const (
	reasonStopped  = "interrupted before it was sent"
	reasonPaused   = "not sent yet: the provider is not answering"
	reasonFailover = "not sent yet: continuing through the next provider"
)

type engine struct {
	queue   *queue
	lot     *lot
	j       *journal.Journal
	cfg     Config
	stop    context.CancelCauseFunc
	total   int
	sent    atomic.Int64
	done    atomic.Int64
	twice   atomic.Int64 // accepted and marked CodePossiblyTwice
	eventMu sync.Mutex

	routes           []*route     // the primary, then the fallbacks
	cur              atomic.Int32 // index of the route new sends go through; only rises
	campaignProvider string       // the route of deliveries recorded without one
	foMu             sync.Mutex   // failovers, and the moves of cur
	failovers        []Failover
}

func (e *engine) emit(ev Event) {
	if e.cfg.OnEvent == nil {
		return
	}
	e.eventMu.Lock()
	defer e.eventMu.Unlock()
	if ev.Total == 0 {
		ev.Total = e.total
	}
	if ev.Done == 0 {
		ev.Done = int(e.done.Load())
	}
	e.cfg.OnEvent(ev)
}

// record queues d's new state (group-committed; Run flushes before it returns). finished says
// this is the state the run leaves d in: it then counts as done and is reported.
func (e *engine) record(d *journal.Delivery, u journal.Update, finished bool, cause error) {
	u.At = e.cfg.Now()
	if err := e.j.RecordAsync(d.ID, u); err != nil {
		e.stop(fmt.Errorf("record delivery %d: %w", d.ID, err))
		return
	}
	d.State, d.ErrorCode, d.Reason, d.UpdatedAt = u.State, u.ErrorCode, u.Reason, u.At
	if u.ProviderID != "" {
		d.ProviderID = u.ProviderID
	}
	if u.Segments > 0 {
		d.Segments = u.Segments
	}
	if u.Carrier != "" {
		d.Carrier = u.Carrier
	}
	if !finished {
		return
	}
	if e.cfg.OnEvent == nil {
		e.done.Add(1)
		return
	}
	if cause == nil && !u.State.Accepted() {
		cause = errors.New(u.Reason)
	}
	// Counted under the event lock, so that Done rises by one from each event to the next.
	e.eventMu.Lock()
	defer e.eventMu.Unlock()
	e.cfg.OnEvent(Event{Kind: EventDelivery, Delivery: *d, Err: cause, Message: u.Reason,
		Done: int(e.done.Add(1)), Total: e.total})
}

// accepted records what the provider said about a message it took.
func (e *engine) accepted(jb *job, r sms.Receipt) {
	state, ok := StateOf(r.Status)
	if !ok {
		state = journal.Submitted
	}
	if state.Accepted() {
		e.sent.Add(1)
	}
	u := journal.Update{State: state, ProviderID: r.ID, Segments: r.Segments, ErrorCode: r.ErrorCode, Reason: r.Reason, Carrier: r.Carrier}
	if jb.twice != "" {
		// The code the report shows; the provider's own code, if any, stays in the reason.
		e.twice.Add(1)
		u.ErrorCode = CodePossiblyTwice
		u.Reason = fmt.Sprintf("possibly sent twice: %s may have sent it before the run moved on and could not be asked; sent again through %s as asked",
			jb.twice, journal.RouteOf(jb.d.Provider, e.campaignProvider))
		if r.ErrorCode != "" || r.Reason != "" {
			u.Reason += fmt.Sprintf("; %s (%s)", r.Reason, r.ErrorCode)
		}
	}
	e.record(jb.d, u, true, nil)
}

func (e *engine) requestCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	// Ctrl-C must not abort a request that may already be at the provider: its outcome decides
	// whether the patient was texted.
	return context.WithTimeout(context.WithoutCancel(ctx), e.cfg.RequestTimeout)
}

func (e *engine) fatal(err error) { e.stop(err) }

// unclaim records pending again a delivery marked sending whose request did not leave.
func (e *engine) unclaim(d *journal.Delivery, reason string) {
	e.record(d, journal.Update{State: journal.Pending, Reason: reason}, false, nil)
}

// deliver takes one delivery from where the journal left it to where this run can leave it, or
// parks it (state sending) until the lookup that decides whether it may be sent again is due.
func (e *engine) deliver(ctx context.Context, jb *job) {
	d := jb.d
	if jb.msg.To == "" {
		jb.msg = sms.Message{To: d.To, Body: d.Body, Ref: strconv.FormatInt(d.ID, 10), Campaign: d.Campaign}
	}
	switch {
	case !jb.due.IsZero(): // back from the lot
		if !e.decide(ctx, jb) {
			return
		}
	case d.State == journal.Sending:
		jb.why = "an earlier run stopped while this message was being sent"
		jb.via = e.routeOf(d)
		if !e.settle(ctx, jb, d.SendingAt) {
			return
		}
	case d.State == journal.Unknown && !e.cfg.ResendUnknown:
		// Left unasked by a failover (CodeNotAsked): its route is asked now, and it is sent
		// only if that route certainly does not have it.
		jb.why = "may have been sent before the run moved on to another provider"
		jb.via = e.routeOf(d)
		if !e.settle(ctx, jb, d.SendingAt) {
			return
		}
	case d.State == journal.Unknown:
		// The user asked for a resend; a Finder that now answers still saves a duplicate.
		jb.resend, jb.why = true, "sent again as asked (--resend-unknown)"
		jb.via = e.routeOf(d)
		if (jb.via == nil || jb.via.finder != nil) && !e.settle(ctx, jb, d.SendingAt) {
			return
		}
	}
	e.send(ctx, jb)
}

// send makes the delivery's attempts through the active route until a provider answers, the
// attempts run out, or one is ambiguous (then it is looked up, and parked if not found).
func (e *engine) send(ctx context.Context, jb *job) {
	d := jb.d
	claimed := jb.claimed
	jb.claimed = false
	var last *route
	for {
		rt := e.active()
		if rt != last {
			if last != nil {
				jb.attempt = 0 // a new route gets its own attempts
			}
			last = rt
			if claimed && jb.claimedBy != rt {
				// Claimed for a route the run has left: recorded pending, then marked for this one.
				claimed = false
				e.unclaim(d, reasonFailover)
			}
		}
		if jb.attempt >= e.cfg.MaxAttempts {
			e.record(d, journal.Update{State: journal.Pending, ErrorCode: jb.code,
				Reason: fmt.Sprintf("not sent after %d attempts (%s): run again to retry", jb.attempt, jb.why)}, true, nil)
			return
		}
		// A claimed delivery does not wait for the provider in state sending: a crash then would
		// leave it to be looked up from a provider that may still be down.
		var onBlock func()
		if claimed {
			onBlock = func() {
				claimed = false
				e.unclaim(d, reasonPaused)
			}
		}
		probe, err := rt.breaker.wait(ctx, onBlock)
		if errors.Is(err, errFailedOver) {
			continue // the run moved on while this waited
		}
		if err != nil {
			if claimed {
				e.unclaim(d, reasonStopped)
			}
			return // stopped or interrupted: d stays as recorded (pending)
		}
		sender, via := rt.s, rt.name
		var ln *line
		var day time.Time
		if rt.budget != nil {
			if ln, day, err = rt.budget.take(ctx, e.j, e.cfg.Now()); err != nil {
				rt.breaker.abandon(probe)
				e.fatal(err)
				return
			}
			if ln == nil {
				rt.breaker.abandon(probe)
				le := rt.budget.limitError(rt.name)
				if e.failover(rt, false, fmt.Sprintf("%s has sent its daily limit of %d messages per line (it resets at %s)",
					rt.name, le.Limit, le.Resets.Format("15:04 MST")), le) {
					continue
				}
				e.stop(le)
				return // d stays pending
			}
			sender, via = ln.s, ln.name
		}
		// undo gives back the line's count of an attempt that did not leave.
		undo := func() {
			if ln != nil {
				rt.budget.give(ln, day)
			}
		}
		if !claimed {
			d.SendingAt = e.cfg.Now()
			if err := e.j.MarkSendingVia(context.WithoutCancel(ctx), d.ID, d.SendingAt, via); err != nil {
				e.fatal(fmt.Errorf("record delivery %d as sending: %w", d.ID, err))
				rt.breaker.abandon(probe)
				undo()
				return
			}
		}
		d.Provider = via
		claimed = false // a retry is marked sending again, on its own
		// The token is taken after MarkSending, right before the request: a token taken before it
		// would let the commit's variable latency bunch requests beyond the rate.
		if rt.limiter != nil {
			n := 1
			if e.cfg.SegmentRate {
				n = max(d.Segments, 1)
			}
			if err := rt.limiter.wait(ctx, n); err != nil {
				rt.breaker.abandon(probe)
				undo()
				e.unclaim(d, reasonStopped)
				return
			}
		}
		d.Attempts++
		jb.attempt++
		rctx, cancel := e.requestCtx(ctx)
		at := e.cfg.Now()
		r, err := sender.Send(rctx, jb.msg)
		cancel()
		if err == nil {
			rt.breaker.success(probe)
			e.accepted(jb, r)
			return
		}

		se := sms.Classify(err)
		switch {
		case se.Fatal:
			rt.breaker.abandon(probe)
			undo()
			e.record(d, journal.Update{State: journal.Pending, ErrorCode: se.Code, Reason: "not sent: " + se.Error()}, false, err)
			if e.failoverFatal(rt, err) {
				continue
			}
			return
		case se.Permanent:
			rt.breaker.success(probe) // the provider answered
			undo()
			if se.OptedOut {
				if err := e.j.AddOptOut(context.WithoutCancel(ctx), d.To, "provider error "+se.Code); err != nil {
					e.fatal(fmt.Errorf("remember opt-out: %w", err))
				}
			}
			e.record(d, journal.Update{State: journal.Failed, ErrorCode: se.Code, Reason: reasonOf(se)}, true, err)
			return
		case se.Ambiguous:
			e.failure(rt, probe, se)
			jb.why, jb.code, jb.via = reasonOf(se), se.Code, rt
			if !e.settle(ctx, jb, at) {
				return
			}
			// Looked up after its grace period and not there (or, its route gone, to be sent
			// anyway as asked): sending again cannot duplicate it, and the grace period was the wait.
			continue
		}

		undo()
		e.failure(rt, probe, se)
		jb.why, jb.code = reasonOf(se), se.Code
		if jb.attempt >= e.cfg.MaxAttempts {
			continue // recorded at the top
		}
		e.record(d, journal.Update{State: journal.Pending, ErrorCode: se.Code, Reason: jb.why}, false, nil)
		if e.active() != rt {
			continue // the next route is up: no wait for this one
		}
		wait := e.backoff(jb.attempt)
		if se.RetryAfter > wait {
			wait = se.RetryAfter
		}
		e.emit(Event{Kind: EventRetry, Delivery: *d, Err: err, Wait: wait,
			Message: fmt.Sprintf("attempt %d failed (%s): retrying in %s", jb.attempt, jb.why, wait.Round(time.Millisecond))})
		if e.cfg.Sleep(ctx, wait) != nil {
			return
		}
	}
}

// failure reports a transient or ambiguous failure to rt's breaker; once it is open, the
// deliveries claimed ahead go back to pending until the provider answers again.
func (e *engine) failure(rt *route, probe bool, se *sms.Error) {
	rt.breaker.failure(probe, se)
	if rt.breaker.tripped.Load() {
		e.queue.release(reasonPaused)
	}
}

// pacer is a token bucket that one worker at a time waits on. rate.Limiter alone lets every
// worker reserve a future slot at once; when the scheduler then wakes one late, its request
// lands among the next ones and a one-second window carries more than rate + burst (measured:
// 23 at --rate 20 on a loaded machine). Waiting in turn makes each reservation at the time it
// is used, so a late wake-up delays what follows instead of bunching with it.
type pacer struct {
	lim  *rate.Limiter
	turn chan struct{}
}

func (p *pacer) wait(ctx context.Context, n int) error {
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.turn }()
	return p.lim.WaitN(ctx, n)
}

// findAttempts is how often the deciding lookup of a delivery is asked, while the provider
// otherwise answers, before the delivery is recorded unknown: unknown means a phone call, and the
// answer is usually a second away.
const findAttempts = 3

// settle handles a delivery that may have been accepted by an attempt at the given time through
// jb.via: that route is asked at once (a message accepted before the connection dropped is
// usually there already); if it has no such message, the deciding lookup waits until the grace
// period after the attempt has passed, so that a create the provider takes in late shows first.
// It reports true when the delivery may be sent (again): the route certainly does not have it,
// or the user asked for it (--resend-unknown, Config.FailoverUnknown). Otherwise the delivery is
// recorded, or parked in state sending (a run that stops then leaves it to the next, which
// applies the same rule). A route the run has left, or one not in its chain, cannot be asked:
// see unreachable.
func (e *engine) settle(ctx context.Context, jb *job, at time.Time) bool {
	d, via := jb.d, jb.via
	if via == nil || via.gone.Load() {
		return e.unreachable(jb)
	}
	if via.finder == nil {
		if jb.resend {
			return true
		}
		e.record(d, journal.Update{State: journal.Unknown, ErrorCode: jb.code,
			Reason: jb.why + "; the provider cannot be asked whether it arrived: check with the patient (or resend with --resend-unknown)"}, true, nil)
		return false
	}
	jb.due = at.Add(via.grace)
	if !e.cfg.Now().Before(jb.due) {
		return e.decide(ctx, jb)
	}
	// The early look: not deciding, so its errors only mean asking again later. Skipped while
	// the provider is failing: the lookup would fail too, and add to its load.
	if !via.breaker.tripped.Load() {
		rctx, cancel := e.requestCtx(ctx)
		r, found, err := via.finder.Find(rctx, jb.msg, d.SendingAt.Add(-e.cfg.FindSkew))
		cancel()
		switch {
		case err == nil && found:
			e.accepted(jb, r)
			return false
		case err != nil && sms.Classify(err).Fatal:
			if e.failoverFatal(via, err) {
				return e.unreachable(jb)
			}
			return false // left sending: the next run asks again
		}
	}
	wait := jb.due.Sub(e.cfg.Now())
	e.emit(Event{Kind: EventRetry, Delivery: *d, Wait: wait,
		Message: fmt.Sprintf("%s: not at the provider yet; asking again in %s, before any resend", jb.why, wait.Round(time.Millisecond))})
	e.lot.park(jb)
	return false
}

// decide makes the lookup that decides whether a delivery that may have been accepted is sent
// again; its grace period has passed. It reports true when the delivery may be sent.
func (e *engine) decide(ctx context.Context, jb *job) bool {
	d, via := jb.d, jb.via
	if via == nil || via.gone.Load() {
		return e.unreachable(jb)
	}
	probe, err := via.breaker.wait(ctx, nil)
	if errors.Is(err, errFailedOver) {
		return e.unreachable(jb)
	}
	if err != nil {
		return false // stopped: left sending, the next run asks again
	}
	rctx, cancel := e.requestCtx(ctx)
	r, found, err := via.finder.Find(rctx, jb.msg, d.SendingAt.Add(-e.cfg.FindSkew))
	cancel()
	if err == nil {
		via.breaker.success(probe)
		if found {
			e.accepted(jb, r)
			return false
		}
		if !jb.resend {
			e.record(d, journal.Update{State: journal.Pending, ErrorCode: jb.code,
				Reason: jb.why + "; the provider has no such message: sending it"}, false, nil)
		}
		jb.due = time.Time{}
		return true
	}
	se := sms.Classify(err)
	if se.Fatal {
		via.breaker.abandon(probe)
		if e.failoverFatal(via, err) {
			return e.unreachable(jb)
		}
		return false // left sending: the next run asks again
	}
	// Only a lookup that was the breaker's probe tells it about the provider: lookups failing
	// while sends succeed are a broken lookup, for this delivery to end unknown, not an outage.
	if probe {
		e.failure(via, probe, se)
	}
	// A lookup that fails while the provider fails everything says nothing about this delivery:
	// it waits for the provider (the breaker, and OutageLimit or FailoverAfter, bound the wait).
	if !via.breaker.tripped.Load() {
		jb.lookups++
	}
	if jb.lookups >= findAttempts {
		if jb.resend {
			jb.due = time.Time{}
			return true
		}
		e.record(d, journal.Update{State: journal.Unknown, ErrorCode: jb.code,
			Reason: fmt.Sprintf("%s; asking the provider whether it arrived failed (%v): check with the patient (or resend with --resend-unknown)", jb.why, err)}, true, err)
		return false
	}
	jb.due = e.cfg.Now().Add(max(e.backoff(jb.lookups+1), se.RetryAfter))
	e.lot.park(jb)
	return false
}

func reasonOf(se *sms.Error) string {
	if se.Reason != "" {
		return se.Reason
	}
	return se.Error()
}

// backoff is exponential with full jitter: uniform in [0, min(max, base·2^(attempt-1))].
func (e *engine) backoff(attempt int) time.Duration {
	ceil := e.cfg.BackoffMax
	if attempt < 31 {
		ceil = min(ceil, e.cfg.BackoffBase<<(attempt-1))
	}
	if ceil <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(ceil) + 1))
}

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

// This file is the per-delivery state machine: from where the journal left a delivery (pending,
// sending, unknown) to where this run can leave it — send, classify the answer, retry, settle
// an ambiguous answer through the provider's Finder, record. broadcast.go holds Run, which sets
// the engine up and runs the workers.

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

package broadcast

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/smscast/smscast/pkg/sms"
)

// breaker pauses every worker when the provider fails BreakerThreshold times in a row, lets one
// probe request through after each pause (doubling the pause while probes fail), and, once the
// failures have lasted its limit, moves the run on to the next route (FailoverAfter) or, for
// the last route, stops the run with *OutageError (OutageLimit).
//
// Only transient and ambiguous failures count: a permanent error is an answer, so the provider
// is up.
type breaker struct {
	cfg   Config
	e     *engine
	rt    *route
	limit time.Duration // failing this long fails over, or stops the run

	tripped atomic.Bool // fast path: false while requests flow normally
	failing atomic.Bool // fast path: a streak of failures has begun

	mu        sync.Mutex
	failures  int       // in a row
	since     time.Time // first failure of the streak
	openUntil time.Time
	pauses    int  // pauses in this streak, for the doubling
	probing   bool // a probe is out: the others wait for its outcome
	changed   chan struct{}
	outage    *OutageError
	retired   bool // the run failed over from this route: wait answers errFailedOver
}

func newBreaker(cfg Config, e *engine, rt *route, limit time.Duration) *breaker {
	return &breaker{cfg: cfg, e: e, rt: rt, limit: limit, changed: make(chan struct{})}
}

// retire answers every wait, now and later, with errFailedOver.
func (b *breaker) retire() {
	b.mu.Lock()
	b.retired = true
	b.tripped.Store(true) // off the fast path, into the one that sees retired
	b.notify()
	b.mu.Unlock()
}

// notify wakes waiters; b.mu is held.
func (b *breaker) notify() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// wait returns when a request may go out. probe says this request is the one probe after a
// pause; its outcome must be reported with success, failure or abandon. blocking, if not nil,
// is called before wait first blocks.
func (b *breaker) wait(ctx context.Context, blocking func()) (probe bool, err error) {
	block := func() {
		if blocking != nil {
			blocking()
			blocking = nil
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if !b.tripped.Load() {
			return false, nil
		}
		b.mu.Lock()
		switch {
		case b.retired:
			b.mu.Unlock()
			return false, errFailedOver
		case b.outage != nil:
			b.mu.Unlock()
			return false, b.outage
		case b.failures < b.cfg.BreakerThreshold:
			b.mu.Unlock()
			return false, nil
		}
		if d := b.openUntil.Sub(b.cfg.Now()); d > 0 {
			b.mu.Unlock()
			block()
			if err := b.cfg.Sleep(ctx, d); err != nil {
				return false, err
			}
			continue
		}
		if !b.probing {
			b.probing = true
			b.mu.Unlock()
			return true, nil
		}
		ch := b.changed
		b.mu.Unlock()
		block()
		select {
		case <-ch:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// success closes the breaker: the provider answered.
func (b *breaker) success(probe bool) {
	if !probe && !b.failing.Load() {
		return
	}
	b.mu.Lock()
	if b.retired {
		b.mu.Unlock()
		return // a late answer from a route the run has left
	}
	b.failures, b.pauses, b.probing = 0, 0, false
	b.failing.Store(false)
	b.tripped.Store(false)
	b.notify()
	b.mu.Unlock()
}

// abandon gives the probe's turn back without an outcome (the run is stopping, or the probe was
// never sent).
func (b *breaker) abandon(probe bool) {
	if !probe {
		return
	}
	b.mu.Lock()
	b.probing = false
	b.notify()
	b.mu.Unlock()
}

func (b *breaker) failure(probe bool, se *sms.Error) {
	now := b.cfg.Now()
	b.mu.Lock()
	if b.failures == 0 {
		b.since = now
	}
	b.failures++
	b.failing.Store(true)
	if probe {
		b.probing = false
	}
	if b.failures < b.cfg.BreakerThreshold {
		b.mu.Unlock()
		return
	}
	b.tripped.Store(true)
	down := now.Sub(b.since)
	if b.retired {
		b.mu.Unlock()
		return
	}
	if down >= b.limit {
		outage := &OutageError{Since: b.since, Duration: down, Failures: b.failures, Last: se}
		if b.rt.idx+1 < len(b.e.routes) {
			b.mu.Unlock()
			why := fmt.Sprintf("the provider %s is unreachable", b.rt.name)
			if b.rt.idx == 0 {
				why = fmt.Sprintf("the primary provider %s is unreachable", b.rt.name)
			}
			b.e.failover(b.rt, true, why, outage) // retires b
			return
		}
		if b.outage == nil {
			b.outage = outage
			b.e.stop(b.outage)
		}
		b.notify()
		b.mu.Unlock()
		return
	}
	// Requests that were already out when the breaker opened fail too: only the failure that
	// opens it and failed probes extend the pause.
	if b.failures != b.cfg.BreakerThreshold && !probe {
		b.mu.Unlock()
		return
	}
	pause := b.cfg.BreakerPauseMax
	if b.pauses < 31 {
		pause = min(pause, b.cfg.BreakerPause<<b.pauses)
	}
	b.pauses++
	pause = max(pause, se.RetryAfter)
	// The last probe goes out when the outage limit is reached, not up to a pause later.
	pause = max(min(pause, b.since.Add(b.limit).Sub(now)), 0)
	b.openUntil = now.Add(pause)
	failures := b.failures
	b.notify()
	b.mu.Unlock()
	b.e.emit(Event{Kind: EventPause, Err: se, Wait: pause,
		Message: fmt.Sprintf("the provider failed %d times in a row (last: %s): pausing %s before trying again",
			failures, pauseCause(se), pause.Round(100*time.Millisecond))})
}

// phoneLike matches what may be a phone number inside a provider's message: a + and 7 or more
// digits, or 10 or more digits, with single spaces or hyphens between them. Error codes (20500)
// and dates (2026-12-01) are shorter.
var phoneLike = regexp.MustCompile(`\+\d(?:[ -]?\d){6,}|\d(?:[ -]?\d){9,}`)

// maxCause bounds the cause in a pause line, in characters: a proxy's page is not a reason.
const maxCause = 160

// pauseCause is why the breaker pauses, for the line a clinic manager reads in the log: the last
// error's plain reason and its code, on one line. Not sms.Error's Error(), which falls back to the
// wrapped error's text (a URL, a request); and a provider's own message can quote the recipient's
// number, so anything that looks like one is hidden.
func pauseCause(se *sms.Error) string {
	if se == nil {
		return "no reason given"
	}
	reason, _, _ := strings.Cut(strings.TrimSpace(se.Reason), "\n")
	reason = strings.TrimSpace(phoneLike.ReplaceAllString(reason, "***"))
	if utf8.RuneCountInString(reason) > maxCause {
		reason = string([]rune(reason)[:maxCause]) + "…"
	}
	switch {
	case reason == "" && se.Code != "":
		return fmt.Sprintf("error code %s", se.Code)
	case reason == "":
		return "no reason given"
	case se.Code != "":
		return fmt.Sprintf("%s (code %s)", reason, se.Code)
	}
	return reason
}

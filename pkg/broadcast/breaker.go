package broadcast

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smscast/smscast/pkg/sms"
)

// breaker pauses every worker when the provider fails BreakerThreshold times in a row, lets one
// probe request through after each pause (doubling the pause while probes fail), and stops the
// run with *OutageError once the failures have lasted OutageLimit.
//
// Only transient and ambiguous failures count: a permanent error is an answer, so the provider
// is up.
type breaker struct {
	cfg Config
	e   *engine

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
}

func newBreaker(cfg Config, e *engine) *breaker {
	return &breaker{cfg: cfg, e: e, changed: make(chan struct{})}
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
	if down >= b.cfg.OutageLimit {
		if b.outage == nil {
			b.outage = &OutageError{Since: b.since, Duration: down, Failures: b.failures, Last: se}
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
	pause = max(min(pause, b.since.Add(b.cfg.OutageLimit).Sub(now)), 0)
	b.openUntil = now.Add(pause)
	failures := b.failures
	b.notify()
	b.mu.Unlock()
	b.e.emit(Event{Kind: EventPause, Err: se, Wait: pause,
		Message: fmt.Sprintf("provider unreachable: pausing %s (%d failures in a row)", pause.Round(100*time.Millisecond), failures)})
}

package broadcast

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

// job is one delivery a worker takes on: from the queue, or back from the lot when the lookup
// that decides whether it may be sent again falls due.
type job struct {
	d         *journal.Delivery
	msg       sms.Message
	claimed   bool   // the queue marked it sending for its first attempt
	claimedBy *route // the route it was claimed for
	attempt   int    // send attempts in this run, through the current route

	// Set while the delivery may have been accepted (state sending): due is when its deciding
	// lookup may run, why says what made it ambiguous (for the reasons recorded).
	due     time.Time
	why     string
	code    string
	lookups int    // deciding lookups that failed
	resend  bool   // an unknown delivery the user asked to send again: sent whatever the lookup says
	via     *route // the route that may have accepted it; nil: one not in this run's chain
	// twice names the route that may have sent it already, which could not be asked: set when it
	// is sent through the next anyway (Config.FailoverUnknown, --resend-unknown).
	twice string
}

// lot holds the deliveries that may have been accepted while they wait for their grace period, so
// that they do not hold a worker: the workers come back to each when it is due. It also counts
// the jobs in progress, which may park one, so that a worker stops only when nothing can be left.
type lot struct {
	parked  atomic.Int64 // len(jobs), for the fast path of due
	busy    atomic.Int64 // jobs taken and not finished, and workers in queue.take
	waiting atomic.Int64 // workers in wait

	mu      sync.Mutex
	jobs    []*job
	changed chan struct{}
}

func newLot() *lot { return &lot{changed: make(chan struct{})} }

// notify wakes the waiting workers; l.mu is held.
func (l *lot) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// park puts jb aside until jb.due.
func (l *lot) park(jb *job) {
	l.mu.Lock()
	l.jobs = append(l.jobs, jb)
	l.parked.Add(1)
	if l.waiting.Load() > 0 {
		l.notify()
	}
	l.mu.Unlock()
}

// take returns the parked job due first if it is due at now, counted busy.
func (l *lot) take(now time.Time) *job {
	if l.parked.Load() == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	best := -1
	for i, jb := range l.jobs {
		if !jb.due.After(now) && (best < 0 || jb.due.Before(l.jobs[best].due)) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	jb := l.jobs[best]
	l.jobs[best] = l.jobs[len(l.jobs)-1]
	l.jobs[len(l.jobs)-1] = nil
	l.jobs = l.jobs[:len(l.jobs)-1]
	l.parked.Add(-1)
	l.busy.Add(1)
	return jb
}

// finish ends a job taken with take, or a turn at the queue (busy counted before queue.take).
func (l *lot) finish() {
	// busy is lowered before waiting is read, and wait raises waiting before it reads busy: one
	// of the two sees the other, so a worker never waits for a job that has already finished.
	if l.busy.Add(-1) == 0 && l.waiting.Load() > 0 {
		l.mu.Lock()
		l.notify()
		l.mu.Unlock()
	}
}

// wait blocks until the first parked job is due, or, with none parked, until a job in progress
// parks one or finishes. It reports false when there is nothing left to wait for (or ctx ended).
func (l *lot) wait(ctx context.Context, cfg Config) bool {
	l.mu.Lock()
	l.waiting.Add(1)
	defer l.waiting.Add(-1)
	ch := l.changed
	var first time.Time
	for _, jb := range l.jobs {
		if first.IsZero() || jb.due.Before(first) {
			first = jb.due
		}
	}
	l.mu.Unlock()
	if !first.IsZero() {
		return cfg.Sleep(ctx, first.Sub(cfg.Now())) == nil
	}
	if l.busy.Load() == 0 {
		return false
	}
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return false
	}
}

// next returns the next job for a worker: a parked delivery whose lookup is due first (it has
// waited longest), else the queue's next delivery, else it waits for a parked one. ok is false
// when the run has nothing left, or ctx ended; parked deliveries then stay sending in the
// journal, for the next run to look up under the same rule.
func (e *engine) next(ctx context.Context) (jb *job, ok bool) {
	for ctx.Err() == nil {
		if jb := e.lot.take(e.cfg.Now()); jb != nil {
			return jb, true
		}
		e.lot.busy.Add(1)
		if it, ok := e.queue.take(ctx); ok {
			return &job{d: it.d, claimed: it.claimed, claimedBy: it.by}, true
		}
		e.lot.finish()
		if !e.lot.wait(ctx, e.cfg) {
			return nil, false
		}
	}
	return nil, false
}

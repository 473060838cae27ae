package broadcast

import (
	"context"
	"fmt"
	"sync"

	"github.com/smscast/smscast/pkg/journal"
)

// queue hands a run's deliveries to the workers in plan order.
//
// With claim > 1 it claims pending deliveries ahead of the workers: claim of them marked sending
// in one journal write (journal.MarkSendingBatch), started when the workers have fewer than
// claim/2 claimed deliveries left, so that no worker waits for a commit before its request.
// Measured (BenchmarkEngineTwilioVsBareHTTP, 32 workers): a durable MarkSending per message left
// the workers waiting for commits about 40 % of their time, and each commit's fsync costs the
// whole process CPU (on the test VM, synchronous=OFF raised the ratio by a tenth).
//
// A claimed delivery is written sending before its request leaves, as exactly-once requires, but
// possibly some requests before: a crash leaves fewer than 1.5·claim unsent deliveries in sending
// besides the requests in flight, and the next run asks the provider about each (sms.Finder)
// before sending it. So claims ahead are only for senders that can be asked; with claim = 1 each
// delivery is marked sending by its worker right before its request. A claimed delivery that
// will not be sent now (the run stops, or the provider looks down) is recorded pending again.
type queue struct {
	e     *engine
	ctx   context.Context
	work  []journal.Delivery
	claim int

	mu       sync.Mutex
	next     int    // first delivery of work not yet in ready
	ready    []item // in plan order
	claiming bool   // a claim is being written
	changed  chan struct{}
}

// item is one delivery handed to a worker. A claimed delivery is already recorded sending (at
// d.SendingAt): its first attempt needs no MarkSending.
type item struct {
	d       *journal.Delivery
	claimed bool
	by      *route // the route it was claimed for
}

func newQueue(ctx context.Context, e *engine, work []journal.Delivery, claim int) *queue {
	return &queue{e: e, ctx: ctx, work: work, claim: max(claim, 1), changed: make(chan struct{})}
}

// take returns the next delivery to send; ok is false when there is none left or ctx has ended.
func (q *queue) take(ctx context.Context) (it item, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for ctx.Err() == nil {
		if q.claim == 1 {
			if q.next == len(q.work) {
				return item{}, false
			}
			q.next++
			return item{d: &q.work[q.next-1]}, true
		}
		if len(q.ready) > 0 {
			it = q.ready[0]
			q.ready[0] = item{}
			q.ready = q.ready[1:]
			q.refill()
			return it, true
		}
		if q.next == len(q.work) && !q.claiming {
			return item{}, false
		}
		q.refill()
		ch := q.changed
		q.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		q.mu.Lock()
	}
	return item{}, false
}

// refill starts the next claim when the workers have fewer than claim/2 deliveries left; q.mu
// is held.
func (q *queue) refill() {
	if q.claiming || q.next == len(q.work) || len(q.ready) >= q.claim/2 {
		return
	}
	start, end := q.next, min(q.next+q.claim, len(q.work))
	q.next, q.claiming = end, true
	go q.claimRange(start, end)
}

// claimRange marks the pending deliveries of work[start:end] sending and makes them ready, with
// the others (left sending by an earlier run, or unknown being resent) as they are. Claims are
// made for the primary only, and not while its breaker is open: the workers mark each delivery
// once the provider answers, or through the route the run failed over to.
func (q *queue) claimRange(start, end int) {
	batch := make([]item, 0, end-start)
	var ids []int64
	rt := q.e.routes[0]
	claim := q.e.cur.Load() == 0 && !rt.breaker.tripped.Load()
	for i := start; i < end; i++ {
		d := &q.work[i]
		c := claim && d.State == journal.Pending
		if c {
			ids = append(ids, d.ID)
		}
		batch = append(batch, item{d: d, claimed: c, by: rt})
	}
	if len(ids) > 0 {
		at := q.e.cfg.Now()
		// The claim's outcome decides what the journal says: it is written whatever ctx does.
		if err := q.e.j.MarkSendingBatchVia(context.WithoutCancel(q.ctx), ids, at, rt.name); err != nil {
			// Stopping first: no worker takes these; release puts them back.
			q.e.fatal(fmt.Errorf("record deliveries %d to %d as sending: %w", ids[0], ids[len(ids)-1], err))
		}
		for _, it := range batch {
			if it.claimed {
				it.d.SendingAt, it.d.Provider = at, rt.name
			}
		}
	}
	q.mu.Lock()
	q.ready = append(q.ready, batch...)
	q.claiming = false
	close(q.changed)
	q.changed = make(chan struct{})
	q.mu.Unlock()
}

// release records every claimed delivery not yet taken pending again, with reason, and leaves
// it in the queue unclaimed. It waits for a claim being written.
func (q *queue) release(reason string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.claiming {
		ch := q.changed
		q.mu.Unlock()
		<-ch
		q.mu.Lock()
	}
	for i := range q.ready {
		if q.ready[i].claimed {
			q.ready[i].claimed = false
			q.e.unclaim(q.ready[i].d, reason)
		}
	}
}

package journal

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MarkSending records that a request is about to leave; it is durable when it returns (fsynced:
// it survives power loss, not only a crash).
func (j *Journal) MarkSending(ctx context.Context, id int64, at time.Time) error {
	return j.submit(ctx, &op{kind: opSending, id: id, at: fmtTime(at)})
}

// MarkSendingBatch records, in one write, that a request for each of ids may leave from now on:
// as MarkSending for each, durable when it returns. A delivery that does not exist fails the
// call (naming it) but not the others.
//
// It lets a sender claim deliveries ahead of their requests with one commit for many. A
// delivery claimed and then not sent must be recorded pending again; if the process dies first,
// it is left sending, like one whose request did leave.
func (j *Journal) MarkSendingBatch(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return j.submit(ctx, &op{kind: opSending, ids: ids, at: fmtTime(at)})
}

// MarkSendingVia is MarkSending that also records the route the request goes through
// (Delivery.Provider); an empty route keeps the one recorded before.
func (j *Journal) MarkSendingVia(ctx context.Context, id int64, at time.Time, route string) error {
	return j.submit(ctx, &op{kind: opSending, id: id, at: fmtTime(at), provider: route})
}

// MarkSendingBatchVia is MarkSendingBatch that also records the route (see MarkSendingVia).
func (j *Journal) MarkSendingBatchVia(ctx context.Context, ids []int64, at time.Time, route string) error {
	if len(ids) == 0 {
		return nil
	}
	return j.submit(ctx, &op{kind: opSending, ids: ids, at: fmtTime(at), provider: route})
}

// Record records a state change. It is durable when it returns.
func (j *Journal) Record(ctx context.Context, id int64, u Update) error {
	if err := validUpdate(u); err != nil {
		return err
	}
	return j.submit(ctx, &op{kind: opRecord, id: id, at: fmtTime(u.At), u: u})
}

// RecordAsync queues a state change and returns without waiting for it to be written. Changes to
// one delivery are applied in the order they were queued (MarkSending and Record included), and
// every read, Flush and Close waits for queued changes first. A failed asynchronous write is
// reported by the next Flush or Close; if the process dies first, the delivery keeps its previous
// state (for a send: `sending`, which the next run reconciles).
func (j *Journal) RecordAsync(id int64, u Update) error {
	if err := validUpdate(u); err != nil {
		return err
	}
	if err := j.peekAsyncErr(); err != nil {
		return err
	}
	return j.enqueue(context.Background(), &op{kind: opRecord, id: id, at: fmtTime(u.At), u: u})
}

func validUpdate(u Update) error {
	switch u.State {
	case Pending, Submitted, Sent, Delivered, Undelivered, Failed, Skipped, Unknown:
		return nil
	case Sending:
		return errors.New("record: use MarkSending to record a send attempt")
	default:
		return fmt.Errorf("record: unknown state %q", u.State)
	}
}

// Flush waits until every queued write is committed, and reports a failed asynchronous write.
func (j *Journal) Flush(ctx context.Context) error {
	if j.async.Load() > 0 {
		if err := j.submit(ctx, &op{kind: opFlush}); err != nil {
			return err
		}
	}
	return j.peekAsyncErr()
}

func (j *Journal) peekAsyncErr() error {
	j.errMu.Lock()
	defer j.errMu.Unlock()
	return j.asyncErr
}

func (j *Journal) setAsyncErr(err error) {
	j.errMu.Lock()
	if j.asyncErr == nil {
		j.asyncErr = fmt.Errorf("journal %s: a queued write failed: %w", j.path, j.wrap(err))
	}
	j.errMu.Unlock()
}

package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

type opKind uint8

const (
	opSending   opKind = iota // MarkSending, MarkSendingBatch
	opRecord                  // Record, RecordAsync
	opFlush                   // a marker: done once everything queued before it is committed
	opExclusive               // fn in a transaction of its own
)

// op is one queued write.
type op struct {
	kind     opKind
	id       int64
	ids      []int64 // opSending of MarkSendingBatch: every id, in one op
	at       string
	provider string // opSending: the route (MarkSendingVia); empty keeps the recorded one
	u        Update
	ctx      context.Context                              // opExclusive
	fn       func(ctx context.Context, c *sql.Conn) error // opExclusive: runs inside BEGIN IMMEDIATE … COMMIT
	err      error
	done     chan error // nil: asynchronous
}

// maxBatch bounds one group commit; larger batches gain nothing measurable and hold the write lock
// longer against other processes using the same journal.
const maxBatch = 1024

// asyncLinger is how long the writer holds asynchronous writes (RecordAsync) that nobody waits
// for, gathering more, before committing them on their own. Most then ride with the next write
// someone waits for (a claim, a MarkSending, a Flush) instead of costing a commit and an fsync
// of their own every few messages. 15 ms spans the engine's claims at full speed (128 messages
// at ~9,000 a second). Measured with BenchmarkEngineTwilioVsBareHTTP: 4 messages per fsync
// without it (with claims ahead: 6), 110 with it.
//
// A crash loses at most these writes, as it could lose any asynchronous write: each delivery
// keeps its earlier state (sending, which the next run reconciles).
const asyncLinger = 15 * time.Millisecond

// enqueue hands o to the writer. It fails only when the journal is closed or ctx ends first.
func (j *Journal) enqueue(ctx context.Context, o *op) error {
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.closed {
		return ErrClosed
	}
	if o.done == nil {
		j.async.Add(1)
	}
	select {
	case j.ops <- o:
		return nil
	case <-ctx.Done():
		if o.done == nil {
			j.async.Add(-1)
		}
		return ctx.Err()
	}
}

// submit queues o and waits for its commit. Once queued it waits whatever ctx does: returning early
// would let a caller believe a write failed that is about to land.
func (j *Journal) submit(ctx context.Context, o *op) error {
	o.done = make(chan error, 1)
	if err := j.enqueue(ctx, o); err != nil {
		return err
	}
	return <-o.done
}

// exclusive runs fn in a write transaction of its own, in turn with the queued writes.
func (j *Journal) exclusive(ctx context.Context, fn func(ctx context.Context, c *sql.Conn) error) error {
	return j.submit(ctx, &op{kind: opExclusive, ctx: ctx, fn: fn})
}

// writer owns the journal's single write connection: one goroutine, so no two transactions of
// this process ever contend for SQLite's write lock.
type writer struct {
	j                       *Journal
	conn                    *sql.Conn
	begin, commit, rollback *sql.Stmt
	sending, sendingMany    *sql.Stmt
	record                  *sql.Stmt
	batch                   []*op
	idsJSON                 []byte      // execMany's argument, reused
	timer                   *time.Timer // asyncLinger
}

func newWriter(ctx context.Context, j *Journal) (*writer, error) {
	conn, err := j.wdb.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &writer{j: j, conn: conn, timer: time.NewTimer(time.Hour)}
	w.timer.Stop()
	// OR FAIL: a failing statement keeps its partial changes instead of undoing them, so SQLite
	// needs no statement journal for the trigger's insert; apply rolls the whole transaction back
	// on any error anyway.
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&w.begin, `BEGIN IMMEDIATE`},
		{&w.commit, `COMMIT`},
		{&w.rollback, `ROLLBACK`},
		{&w.sending, `UPDATE OR FAIL deliveries SET version = version + 1, state = 'sending', attempts = attempts + 1, sending_at = ?1, updated_at = ?1,
			error_code = '', reason = '', provider = CASE WHEN ?3 = '' THEN provider ELSE ?3 END WHERE id = ?2`},
		// One statement for a claim's deliveries, given as a JSON array of ids.
		{&w.sendingMany, `UPDATE OR FAIL deliveries SET version = version + 1, state = 'sending', attempts = attempts + 1, sending_at = ?1, updated_at = ?1,
			error_code = '', reason = '', provider = CASE WHEN ?3 = '' THEN provider ELSE ?3 END WHERE id IN (SELECT value FROM json_each(?2))`},
		{&w.record, `UPDATE OR FAIL deliveries SET version = version + 1, state = ?1,
			provider_id = CASE WHEN ?2 = '' THEN provider_id ELSE ?2 END,
			error_code = ?3, reason = ?4,
			segments = CASE WHEN ?5 > 0 THEN ?5 ELSE segments END,
			updated_at = ?6,
			carrier = CASE WHEN ?8 = '' THEN carrier ELSE ?8 END
			WHERE id = ?7`},
	} {
		if *p.dst, err = conn.PrepareContext(ctx, p.query); err != nil {
			w.close()
			return nil, fmt.Errorf("prepare %q: %w", p.query, err)
		}
	}
	return w, nil
}

func (w *writer) close() {
	for _, s := range []*sql.Stmt{w.begin, w.commit, w.rollback, w.sending, w.sendingMany, w.record} {
		if s != nil {
			s.Close()
		}
	}
	w.conn.Close()
}

func (w *writer) run() {
	defer close(w.j.done)
	defer w.close()
	var held *op
	for {
		first := held
		held = nil
		if first == nil {
			o, ok := <-w.j.ops
			if !ok {
				return
			}
			first = o
		}
		if first.kind == opExclusive {
			w.runExclusive(first)
			continue
		}
		batch := append(w.batch[:0], first)
		waited := first.done != nil // someone waits for this commit
		closed, lingering, expired := false, false, false
	gather:
		for len(batch) < maxBatch {
			var o *op
			var ok bool
			if waited || expired {
				select {
				case o, ok = <-w.j.ops:
				default:
					break gather
				}
			} else {
				// Nobody waits for these writes: gather more for up to asyncLinger, so that they
				// share the commit of the next write someone waits for.
				if !lingering {
					w.timer.Reset(asyncLinger)
					lingering = true
				}
				select {
				case o, ok = <-w.j.ops:
				case <-w.timer.C:
					expired = true
					continue
				}
			}
			if !ok {
				closed = true
				break
			}
			if o.kind == opExclusive {
				held = o
				break
			}
			batch = append(batch, o)
			waited = waited || o.done != nil
		}
		if lingering && !expired {
			w.timer.Stop()
		}
		w.commitBatch(batch)
		clear(batch)
		w.batch = batch[:0]
		if closed {
			return
		}
	}
}

func (w *writer) commitBatch(batch []*op) {
	writes := 0
	for _, o := range batch {
		switch {
		case o.ids != nil:
			writes += len(o.ids)
		case o.kind != opFlush:
			writes++
		}
	}
	if writes > 0 {
		w.j.commits.Add(1)
		w.j.writes.Add(int64(writes))
		if err := w.apply(batch); err != nil {
			for _, o := range batch {
				o.err = err
			}
		}
	}
	for _, o := range batch {
		w.finish(o)
	}
}

// apply writes batch in one transaction. An error fails the whole batch; a missing delivery
// fails only its own op.
func (w *writer) apply(batch []*op) error {
	ctx := context.Background() // a queued write is applied whatever its caller's ctx does
	if _, err := w.begin.ExecContext(ctx); err != nil {
		return err
	}
	for _, o := range batch {
		var err error
		switch {
		case o.ids != nil:
			err = w.execMany(o)
		case o.kind == opSending:
			err = w.exec(o, o.id, w.sending, o.at, o.id, o.provider)
		case o.kind == opRecord:
			err = w.exec(o, o.id, w.record, string(o.u.State), o.u.ProviderID, o.u.ErrorCode, o.u.Reason,
				o.u.Segments, o.at, o.id, o.u.Carrier)
		}
		if err != nil {
			w.rollback.ExecContext(ctx)
			return err
		}
	}
	if _, err := w.commit.ExecContext(ctx); err != nil {
		w.rollback.ExecContext(ctx)
		return err
	}
	return nil
}

// exec runs one write of o for delivery id. A delivery that does not exist fails o (the first
// such id names it) and nothing else.
func (w *writer) exec(o *op, id int64, st *sql.Stmt, args ...any) error {
	res, err := st.ExecContext(context.Background(), args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 && o.err == nil {
		o.err = fmt.Errorf("delivery %d: %w", id, ErrNoDelivery)
	}
	return err
}

// execMany marks every delivery of o.ids sending in one statement. When some do not exist, the
// first of them fails o.
func (w *writer) execMany(o *op) error {
	w.idsJSON = append(w.idsJSON[:0], '[')
	for i, id := range o.ids {
		if i > 0 {
			w.idsJSON = append(w.idsJSON, ',')
		}
		w.idsJSON = strconv.AppendInt(w.idsJSON, id, 10)
	}
	w.idsJSON = append(w.idsJSON, ']')
	ids := string(w.idsJSON)
	res, err := w.sendingMany.ExecContext(context.Background(), o.at, ids, o.provider)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil || n == int64(len(o.ids)) {
		return err
	}
	var missing int64
	if err := w.conn.QueryRowContext(context.Background(),
		`SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM deliveries) LIMIT 1`, ids).Scan(&missing); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil // an id given twice
		}
		return err
	}
	o.err = fmt.Errorf("delivery %d: %w", missing, ErrNoDelivery)
	return nil
}

func (w *writer) runExclusive(o *op) {
	if _, err := w.begin.ExecContext(context.Background()); err != nil {
		o.err = err
	} else if err := o.fn(o.ctx, w.conn); err != nil {
		w.rollback.ExecContext(context.Background())
		o.err = err
	} else if _, err := w.commit.ExecContext(context.Background()); err != nil {
		w.rollback.ExecContext(context.Background())
		o.err = err
	}
	w.finish(o)
}

func (w *writer) finish(o *op) {
	if o.done != nil {
		o.done <- o.err
		return
	}
	if o.err != nil {
		w.j.setAsyncErr(o.err)
	}
	w.j.async.Add(-1)
}

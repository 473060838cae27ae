package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

const deliveryCols = `id, campaign, seq, patients, "to", body, segments, state, reason, error_code,
	provider_id, attempts, COALESCE(sending_at, ''), updated_at, checksum, carrier, provider`

func (j *Journal) queryDeliveries(ctx context.Context, query string, args ...any) ([]Delivery, error) {
	rows, err := j.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	var out []Delivery
	var buf []byte
	for rows.Next() {
		var d Delivery
		var state, sendingAt, updatedAt string
		// The patients are decoded from the driver's bytes, not from a string copy of them and a
		// []byte copy of that: one delivery that 1,000,000 rows share holds 470 MB of them.
		var patients sql.RawBytes
		if err := rows.Scan(&d.ID, &d.Campaign, &d.Seq, &patients, &d.To, &d.Body, &d.Segments, &state,
			&d.Reason, &d.ErrorCode, &d.ProviderID, &d.Attempts, &sendingAt, &updatedAt, &d.Checksum, &d.Carrier, &d.Provider); err != nil {
			return nil, j.wrap(err)
		}
		// Every field is checked: a row that does not decode stops the read, naming it, so that
		// no caller ever works from a plan with a row silently missing or half read.
		d.State = State(state)
		if err := json.Unmarshal(patients, &d.Patients); err != nil {
			return nil, j.wrap(badDelivery(&d, nil, "patients: "+err.Error()))
		}
		var ok bool
		if buf, ok = sumOK(buf, d.To, d.Body, d.Checksum); !ok {
			return nil, j.wrap(badDelivery(&d, d.Patients, alteredWhy))
		}
		if !knownState(d.State) {
			return nil, j.wrap(badDelivery(&d, d.Patients, fmt.Sprintf("unknown state %q", state)))
		}
		if d.SendingAt, err = parseTime(sendingAt); err != nil {
			return nil, j.wrap(badDelivery(&d, d.Patients, "sending_at: "+err.Error()))
		}
		if d.UpdatedAt, err = parseTime(updatedAt); err != nil {
			return nil, j.wrap(badDelivery(&d, d.Patients, "updated_at: "+err.Error()))
		}
		out = append(out, d)
	}
	return out, j.wrap(rows.Err())
}

// Deliveries returns every delivery of a campaign in plan order.
func (j *Journal) Deliveries(ctx context.Context, campaign string) ([]Delivery, error) {
	return j.DeliveriesIn(ctx, campaign)
}

// DeliveriesIn returns the deliveries of a campaign that are in one of states (all of them when
// states is empty), in plan order.
func (j *Journal) DeliveriesIn(ctx context.Context, campaign string, states ...State) ([]Delivery, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	if err := j.exists(ctx, campaign); err != nil {
		return nil, err
	}
	if len(states) == 0 {
		return j.queryDeliveries(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE campaign = ? ORDER BY seq`, campaign)
	}
	args := []any{campaign}
	marks := make([]string, len(states))
	for i, s := range states {
		marks[i] = "?"
		args = append(args, string(s))
	}
	return j.queryDeliveries(ctx, `SELECT `+deliveryCols+` FROM deliveries
		WHERE campaign = ? AND (state IN (`+strings.Join(marks, ",")+`) OR `+notAState+`) ORDER BY seq`, args...)
}

// SendQueue returns the deliveries of a campaign in states, in plan order, with only what sending
// needs (and ErrorCode and Provider, which say how an unknown one became unknown and through
// which route it may have gone): Patients is nil and UpdatedAt zero. The engine reads a whole plan at once; decoding every
// patient list cost it more than a tenth of its time.
func (j *Journal) SendQueue(ctx context.Context, campaign string, states ...State) ([]Delivery, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	if err := j.exists(ctx, campaign); err != nil {
		return nil, err
	}
	args := []any{campaign}
	marks := make([]string, len(states))
	for i, s := range states {
		marks[i] = "?"
		args = append(args, string(s))
	}
	rows, err := j.rdb.QueryContext(ctx, `SELECT id, seq, "to", body, segments, state, provider_id, attempts, COALESCE(sending_at, ''), checksum, error_code, provider
		FROM deliveries WHERE campaign = ? AND (state IN (`+strings.Join(marks, ",")+`) OR `+notAState+`) ORDER BY seq`, args...)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	var out []Delivery
	var buf []byte
	for rows.Next() {
		d := Delivery{Campaign: campaign}
		var state, sendingAt string
		if err := rows.Scan(&d.ID, &d.Seq, &d.To, &d.Body, &d.Segments, &state, &d.ProviderID, &d.Attempts, &sendingAt, &d.Checksum, &d.ErrorCode, &d.Provider); err != nil {
			return nil, j.wrap(err)
		}
		// What is sent is what was planned, or nothing is sent: a number or text changed since
		// (bit rot, an edit in the sqlite3 shell) stops the run before its first message.
		var ok bool
		if buf, ok = sumOK(buf, d.To, d.Body, d.Checksum); !ok {
			return nil, j.wrap(badDelivery(&d, j.patientsOf(ctx, d.ID), alteredWhy))
		}
		d.State = State(state)
		if !knownState(d.State) {
			return nil, j.wrap(badDelivery(&d, j.patientsOf(ctx, d.ID), fmt.Sprintf("unknown state %q", state)))
		}
		if d.SendingAt, err = parseTime(sendingAt); err != nil {
			return nil, j.wrap(badDelivery(&d, j.patientsOf(ctx, d.ID), "sending_at: "+err.Error()))
		}
		out = append(out, d)
	}
	return out, j.wrap(rows.Err())
}

// Work returns what a run must still deal with: deliveries pending, and those left sending by an
// earlier run that stopped mid-request (to be reconciled before any resend), in plan order.
func (j *Journal) Work(ctx context.Context, campaign string) ([]Delivery, error) {
	return j.DeliveriesIn(ctx, campaign, Pending, Sending)
}

// Delivery returns one delivery by id.
func (j *Journal) Delivery(ctx context.Context, id int64) (Delivery, error) {
	if err := j.Flush(ctx); err != nil {
		return Delivery{}, err
	}
	ds, err := j.queryDeliveries(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE id = ?`, id)
	if err != nil {
		return Delivery{}, err
	}
	if len(ds) == 0 {
		return Delivery{}, fmt.Errorf("delivery %d: %w", id, ErrNoDelivery)
	}
	return ds[0], nil
}

// History returns every recorded state change of a delivery, oldest first.
func (j *Journal) History(ctx context.Context, id int64) ([]Event, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	rows, err := j.rdb.QueryContext(ctx, `SELECT delivery, state, attempt, provider_id, error_code, reason, at
		FROM events WHERE delivery = ? ORDER BY version`, id)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var state, at string
		if err := rows.Scan(&e.Delivery, &state, &e.Attempt, &e.ProviderID, &e.ErrorCode, &e.Reason, &at); err != nil {
			return nil, j.wrap(err)
		}
		e.State = State(state)
		if e.At, err = parseTime(at); err != nil {
			return nil, j.wrap(&rowDamage{what: fmt.Sprintf("an event of delivery %d", id), why: "at: " + err.Error()})
		}
		out = append(out, e)
	}
	return out, j.wrap(rows.Err())
}

// Counts returns the number of deliveries per state.
func (j *Journal) Counts(ctx context.Context, campaign string) (map[State]int, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	if err := j.exists(ctx, campaign); err != nil {
		return nil, err
	}
	rows, err := j.rdb.QueryContext(ctx, `SELECT state, count(*) FROM deliveries WHERE campaign = ? GROUP BY state`, campaign)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	out := map[State]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, j.wrap(err)
		}
		out[State(s)] = n
	}
	return out, j.wrap(rows.Err())
}

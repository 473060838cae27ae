package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// insertPlan writes plan as deliveries seq0, seq0+1, … of campaign, with their first events, and
// stores each new row id in ids. It runs inside a write transaction.
func insertPlan(ctx context.Context, tx *sql.Conn, campaign string, seq0 int, plan []Delivery, ids []int64, created string) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO deliveries
		(campaign, seq, patients, "to", body, segments, state, reason, error_code, updated_at, checksum)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i := range plan {
		d := &plan[i]
		patients := d.Patients
		if patients == nil {
			patients = []Patient{}
		}
		pj, err := json.Marshal(patients)
		if err != nil {
			return err
		}
		if d.Checksum == "" {
			d.Checksum = Checksum(d.To, d.Body)
		}
		res, err := st.ExecContext(ctx, campaign, seq0+i, string(pj), d.To, d.Body, d.Segments,
			string(d.State), d.Reason, d.ErrorCode, created, d.Checksum)
		if err == nil {
			ids[i], err = res.LastInsertId()
		}
		if err != nil {
			return fmt.Errorf("plan entry %d: %w", seq0+i, err)
		}
	}
	// The first state of each delivery, in one statement: a per-row trigger costs as much again
	// as the inserts.
	_, err = tx.ExecContext(ctx, `INSERT INTO events (delivery, version, state, attempt, provider_id, error_code, reason, at)
		SELECT id, version, state, attempts, provider_id, error_code, reason, updated_at FROM deliveries
		WHERE campaign = ? AND seq >= ? ORDER BY seq`, campaign, seq0)
	return err
}

func checkNewPlan(campaign string, plan []Delivery) error {
	for i := range plan {
		switch plan[i].State {
		case "":
			plan[i].State = Pending
		case Pending, Skipped:
		default:
			return fmt.Errorf("campaign %s: plan entry %d is %s: a plan holds only pending and skipped deliveries", campaign, i, plan[i].State)
		}
	}
	return nil
}

// AddDeliveries appends plan to an existing campaign: a wider selection of the same message (a
// trial with --limit, then everyone). The new deliveries follow the campaign's in plan order;
// AddDeliveries sets their ID, Campaign and Seq in the caller's slice. States must be pending or
// skipped. Deduplicating against what the campaign already holds is the caller's decision.
func (j *Journal) AddDeliveries(ctx context.Context, campaign string, plan []Delivery, at time.Time) error {
	if len(plan) == 0 {
		return nil
	}
	if err := checkNewPlan(campaign, plan); err != nil {
		return err
	}
	ids := make([]int64, len(plan))
	seq0 := 0
	created := fmtTime(at)
	err := j.exclusive(ctx, func(ctx context.Context, tx *sql.Conn) error {
		var next sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(seq) + 1 FROM deliveries WHERE campaign = ?`, campaign).Scan(&next); err != nil {
			return err
		}
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM campaigns WHERE id = ?`, campaign).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("campaign %s: %w", campaign, ErrNotFound)
		} else if err != nil {
			return err
		}
		seq0 = int(next.Int64)
		return insertPlan(ctx, tx, campaign, seq0, plan, ids, created)
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return err
		}
		return fmt.Errorf("add to campaign %s in %s: %w", campaign, j.path, j.wrap(err))
	}
	for i := range plan {
		plan[i].ID, plan[i].Campaign, plan[i].Seq, plan[i].UpdatedAt = ids[i], campaign, seq0+i, at
	}
	return nil
}

// ByFingerprint returns the campaigns whose message has fingerprint fp, newest first.
func (j *Journal) ByFingerprint(ctx context.Context, fp string) ([]Campaign, error) {
	if fp == "" {
		return nil, nil
	}
	return j.queryCampaigns(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE fingerprint = ? ORDER BY created_at DESC, rowid DESC`, fp)
}

// Receipt of an earlier acceptance: the campaign whose delivery carried the identical number and
// text, and when its accepted attempt left.
type Received struct {
	Campaign string
	At       time.Time
}

// ReceivedSince reports, for each of sums, the latest delivery with that checksum that the
// provider accepted (submitted, sent, delivered or undelivered) and whose accepted attempt left
// at or after since, in any campaign. Checksums with no such delivery are absent.
//
// With realOnly, a delivery only the simulator "accepted" (a drill) does not count: a drill in the
// same journal must never keep the real message from a patient.
func (j *Journal) ReceivedSince(ctx context.Context, sums []string, since time.Time, realOnly bool) (map[string]Received, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	out := map[string]Received{}
	const chunk = 500
	for lo := 0; lo < len(sums); lo += chunk {
		part := sums[lo:min(lo+chunk, len(sums))]
		args := make([]any, 0, len(part)+1)
		for _, s := range part {
			args = append(args, s)
		}
		args = append(args, fmtTime(since))
		query := `SELECT d.checksum, d.campaign, d.sending_at FROM deliveries d
			WHERE d.checksum IN (?` + strings.Repeat(",?", len(part)-1) + `)
			AND d.state IN ('submitted', 'sent', 'delivered', 'undelivered') AND d.sending_at >= ?`
		if realOnly {
			query += ` AND COALESCE(NULLIF(d.provider, ''), (SELECT c.provider FROM campaigns c WHERE c.id = d.campaign)) NOT LIKE 'sim%'`
		}
		rows, err := j.rdb.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, j.wrap(err)
		}
		for rows.Next() {
			var sum, campaign, at string
			if err := rows.Scan(&sum, &campaign, &at); err != nil {
				rows.Close()
				return nil, j.wrap(err)
			}
			t, err := parseTime(at)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("campaign %s: sending_at %q: %w", campaign, at, err)
			}
			if prev, ok := out[sum]; !ok || t.After(prev.At) {
				out[sum] = Received{Campaign: campaign, At: t}
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, j.wrap(err)
		}
	}
	return out, nil
}

// Unfinished is a campaign with deliveries still to send.
type Unfinished struct {
	Campaign string
	Pending  int       // deliveries pending
	Sending  int       // deliveries left sending: a run stopped mid-request (a crash, a kill)
	Unknown  int       // deliveries whose outcome is unknown
	LastAt   time.Time // the latest change of any of its deliveries: when the last run stopped
}

// Unfinished lists the campaigns that still have pending, sending or unknown deliveries,
// newest change first.
func (j *Journal) Unfinished(ctx context.Context) ([]Unfinished, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	rows, err := j.rdb.QueryContext(ctx, `SELECT d.campaign,
			sum(d.state = 'pending'), sum(d.state = 'sending'), sum(d.state = 'unknown'),
			(SELECT max(updated_at) FROM deliveries e WHERE e.campaign = d.campaign)
		FROM deliveries d WHERE d.state IN ('pending', 'sending', 'unknown')
		GROUP BY d.campaign ORDER BY 5 DESC`)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	var out []Unfinished
	for rows.Next() {
		var u Unfinished
		var last string
		if err := rows.Scan(&u.Campaign, &u.Pending, &u.Sending, &u.Unknown, &last); err != nil {
			return nil, j.wrap(err)
		}
		if u.LastAt, err = parseTime(last); err != nil {
			return nil, fmt.Errorf("campaign %s: updated_at %q: %w", u.Campaign, last, err)
		}
		out = append(out, u)
	}
	return out, j.wrap(rows.Err())
}

// Held reports whether a live process holds campaign's lock, and which: nil when nobody does.
// It takes the lock for an instant to find out, so it is meant for the occasional check
// (history, status), not a loop.
func (j *Journal) Held(ctx context.Context, campaign string) (*LockedError, error) {
	release, err := j.Lock(ctx, campaign)
	var le *LockedError
	switch {
	case errors.As(err, &le):
		return le, nil
	case err != nil:
		return nil, err
	}
	return nil, release()
}

package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// PurgeCampaign is a campaign that purge removes (or would remove) the patient data of, or keeps.
type PurgeCampaign struct {
	ID         string
	Test       bool
	Finished   time.Time // the last change of any of its deliveries (its creation when it has none)
	Deliveries int
	Left       int // deliveries pending or sending: a campaign with any is not finished and is kept
}

// PurgeOptions say what Purge removes.
type PurgeOptions struct {
	// Before: campaigns finished before this lose their patient data.
	Before time.Time
	// DryRun lists what would be removed and changes nothing.
	DryRun bool
	// Audit, when set, is recorded in the same transaction as the purge, with the counts of what
	// was removed (campaigns, deliveries) added to its Counts. A dry run records nothing.
	Audit *AuditEntry
}

// PurgeResult says what Purge did.
type PurgeResult struct {
	Purged     []PurgeCampaign // patient data removed (a dry run: would be)
	Unfinished []PurgeCampaign // older than Before, but with deliveries left to send: kept
	SizeBefore int64           // bytes of the journal and its log before
	SizeAfter  int64           // and after
	// LogKept: another connection (another smscast) kept SQLite from emptying the log, which may
	// still hold the removed data until that program closes the journal.
	LogKept bool
}

// PastRetention lists the campaigns finished before before whose patient data is still in the
// journal (not purged yet), oldest first; and those older than before that are not finished.
func (j *Journal) PastRetention(ctx context.Context, before time.Time) (finished, unfinished []PurgeCampaign, err error) {
	if err := j.Flush(ctx); err != nil {
		return nil, nil, err
	}
	rows, err := j.rdb.QueryContext(ctx, purgeCandidates)
	if err != nil {
		return nil, nil, j.wrap(err)
	}
	finished, unfinished, err = scanCandidates(rows, before)
	return finished, unfinished, j.wrap(err)
}

// purgeCandidates is every campaign not yet purged, with when it finished and what it has left.
const purgeCandidates = `SELECT c.id, c.test, COALESCE(max(d.updated_at), c.created_at), count(d.id),
		COALESCE(sum(d.state IN ('pending', 'sending')), 0)
	FROM campaigns c LEFT JOIN deliveries d ON d.campaign = c.id
	WHERE c.id NOT IN (SELECT campaign FROM purged)
	GROUP BY c.id ORDER BY 3, c.id`

func scanCandidates(rows *sql.Rows, before time.Time) (finished, unfinished []PurgeCampaign, err error) {
	defer rows.Close()
	for rows.Next() {
		var c PurgeCampaign
		var at string
		if err := rows.Scan(&c.ID, &c.Test, &at, &c.Deliveries, &c.Left); err != nil {
			return nil, nil, err
		}
		if c.Finished, err = parseTime(at); err != nil {
			return nil, nil, badCampaign(c.ID, "last change: "+err.Error())
		}
		if !c.Finished.Before(before) {
			continue
		}
		if c.Left > 0 {
			unfinished = append(unfinished, c)
		} else {
			finished = append(finished, c)
		}
	}
	return finished, unfinished, rows.Err()
}

// Purge removes from the journal the patient data of the campaigns finished before o.Before:
// each delivery's number, text and list rows (names, numbers as written), its checksum (a hash
// of number and text), and anything shaped like a phone number in the reasons of the delivery
// and of its events. Counts per state stay, so history still shows them; so do the campaign
// itself and the audit trail. The file is then rewritten (VACUUM) and its log emptied
// (checkpoint TRUNCATE), so that the data is gone from the disk file too, not only from the
// tables.
//
// Purge refuses, with the *LockedError naming it, while a live process holds the lock of a
// campaign it would purge or of any unfinished campaign: it holds the locks of the campaigns it
// purges while it works.
//
// What it costs: without checksums the journal no longer knows that these numbers received
// these texts, so repeat_window cannot stop an identical send to them any more, and a purged
// campaign is never resumed (its fingerprint is cleared too: a new send of the same message is
// a new campaign).
func (j *Journal) Purge(ctx context.Context, o PurgeOptions) (PurgeResult, error) {
	var res PurgeResult
	finished, unfinished, err := j.PastRetention(ctx, o.Before)
	if err != nil {
		return res, err
	}
	res.Unfinished = unfinished
	us, err := j.Unfinished(ctx)
	if err != nil {
		return res, err
	}
	for _, u := range us {
		if le, err := j.Held(ctx, u.Campaign); err != nil {
			return res, err
		} else if le != nil {
			return res, le
		}
	}
	for _, c := range finished {
		release, err := j.Lock(ctx, c.ID)
		if err != nil {
			return res, err
		}
		defer release()
	}
	if o.DryRun {
		res.Purged = finished
		return res, nil
	}
	locked := map[string]bool{}
	for _, c := range finished {
		locked[c.ID] = true
	}
	res.SizeBefore = fileSizes(j.path)
	err = j.exclusive(ctx, func(ctx context.Context, c *sql.Conn) error {
		// Again under the write lock: what was read above may have changed since.
		rows, err := c.QueryContext(ctx, purgeCandidates)
		if err != nil {
			return err
		}
		now, _, err := scanCandidates(rows, o.Before)
		if err != nil {
			return err
		}
		res.Purged = res.Purged[:0]
		for _, pc := range now {
			if locked[pc.ID] {
				res.Purged = append(res.Purged, pc)
			}
		}
		return purgeTx(ctx, c, res.Purged, o.Before, o.Audit)
	})
	if err != nil {
		return res, fmt.Errorf("purge %s: %w", j.path, j.wrap(err))
	}
	if o.Audit != nil {
		if err := j.syncHead(ctx); err != nil {
			return res, err
		}
	}
	if res.LogKept, err = j.rewrite(ctx); err != nil {
		return res, fmt.Errorf("purge %s: the data is removed from its tables, but rewriting the file failed (run purge again): %w", j.path, j.wrap(err))
	}
	res.SizeAfter = fileSizes(j.path)
	return res, nil
}

// purgeTx removes the patient data of cs, inside the caller's write transaction.
func purgeTx(ctx context.Context, c *sql.Conn, cs []PurgeCampaign, before time.Time, audit *AuditEntry) error {
	if len(cs) == 0 && audit == nil {
		return nil
	}
	// The triggers on deliveries write an event for every change of a delivery; clearing the
	// data is no change of state. They are dropped and made again, as they were, in this same
	// transaction: no other write can see the table without them.
	type trig struct{ name, sql string }
	var trigs []trig
	rows, err := c.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'deliveries'`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var t trig
		if err := rows.Scan(&t.name, &t.sql); err != nil {
			rows.Close()
			return err
		}
		trigs = append(trigs, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range trigs {
		if _, err := c.ExecContext(ctx, `DROP TRIGGER "`+strings.ReplaceAll(t.name, `"`, `""`)+`"`); err != nil {
			return err
		}
	}
	at := fmtTime(time.Now())
	deliveries := 0
	// Replies that matched no campaign and are older than the cutoff are kept no longer either.
	if _, err := c.ExecContext(ctx, `DELETE FROM inbound WHERE campaign IS NULL AND at < ?`, fmtTime(before)); err != nil {
		return fmt.Errorf("unmatched replies: %w", err)
	}
	for _, pc := range cs {
		if err := scrubReasons(ctx, c, pc.ID); err != nil {
			return fmt.Errorf("campaign %s: %w", pc.ID, err)
		}
		if _, err := c.ExecContext(ctx, `UPDATE deliveries SET patients = '[]', "to" = '', body = '', checksum = '' WHERE campaign = ?`, pc.ID); err != nil {
			return fmt.Errorf("campaign %s: %w", pc.ID, err)
		}
		if _, err := c.ExecContext(ctx, `UPDATE campaigns SET fingerprint = '' WHERE id = ?`, pc.ID); err != nil {
			return fmt.Errorf("campaign %s: %w", pc.ID, err)
		}
		// Replies hold the patients' numbers and their own words: they go with the campaign's data.
		if _, err := c.ExecContext(ctx, `DELETE FROM inbound WHERE campaign = ?`, pc.ID); err != nil {
			return fmt.Errorf("campaign %s: replies: %w", pc.ID, err)
		}
		if _, err := c.ExecContext(ctx, `INSERT INTO purged (campaign, at, finished, deliveries) VALUES (?, ?, ?, ?)`,
			pc.ID, at, fmtTime(pc.Finished), pc.Deliveries); err != nil {
			return fmt.Errorf("campaign %s: %w", pc.ID, err)
		}
		deliveries += pc.Deliveries
	}
	for _, t := range trigs {
		if _, err := c.ExecContext(ctx, t.sql); err != nil {
			return fmt.Errorf("restore trigger %s: %w", t.name, err)
		}
	}
	if audit != nil {
		e := *audit
		if e.At.IsZero() {
			e.At = time.Now()
		}
		e.Counts = map[string]int{}
		for k, v := range audit.Counts {
			e.Counts[k] = v
		}
		e.Counts["campaigns"], e.Counts["deliveries"] = len(cs), deliveries
		if err := e.check(); err != nil {
			return err
		}
		if _, err := appendAudit(ctx, c, e); err != nil {
			return err
		}
	}
	return nil
}

// scrubReasons replaces anything shaped like a phone number in the reasons of a campaign's
// deliveries and events: a provider's error text may quote the number it refused.
func scrubReasons(ctx context.Context, c *sql.Conn, campaign string) error {
	type fix struct {
		id, version int64
		reason      string
	}
	var ds, es []fix
	rows, err := c.QueryContext(ctx, `SELECT id, reason FROM deliveries WHERE campaign = ? AND reason != ''`, campaign)
	if err != nil {
		return err
	}
	for rows.Next() {
		var f fix
		if err := rows.Scan(&f.id, &f.reason); err != nil {
			rows.Close()
			return err
		}
		if r := RedactPhones(f.reason); r != f.reason {
			f.reason = r
			ds = append(ds, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = c.QueryContext(ctx, `SELECT e.delivery, e.version, e.reason FROM events e
		WHERE e.delivery IN (SELECT id FROM deliveries WHERE campaign = ?) AND e.reason != ''`, campaign)
	if err != nil {
		return err
	}
	for rows.Next() {
		var f fix
		if err := rows.Scan(&f.id, &f.version, &f.reason); err != nil {
			rows.Close()
			return err
		}
		if r := RedactPhones(f.reason); r != f.reason {
			f.reason = r
			es = append(es, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, f := range ds {
		if _, err := c.ExecContext(ctx, `UPDATE deliveries SET reason = ? WHERE id = ?`, f.reason, f.id); err != nil {
			return err
		}
	}
	for _, f := range es {
		if _, err := c.ExecContext(ctx, `UPDATE events SET reason = ? WHERE delivery = ? AND version = ?`, f.reason, f.id, f.version); err != nil {
			return err
		}
	}
	return nil
}

// RedactPhones replaces every phone-like run of s (see PhoneLike) with "[number removed]".
func RedactPhones(s string) string {
	runs := phoneRuns(s)
	if len(runs) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, r := range runs {
		b.WriteString(s[last:r[0]])
		b.WriteString("[number removed]")
		last = r[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// rewrite rebuilds the journal file without the freed pages (VACUUM) and empties its log
// (checkpoint TRUNCATE), on a connection of its own: VACUUM cannot run inside the writer's
// transactions. logKept reports that another connection kept the log from being emptied.
func (j *Journal) rewrite(ctx context.Context) (logKept bool, err error) {
	if err := j.Flush(ctx); err != nil {
		return false, err
	}
	abs, err := filepath.Abs(j.path)
	if err != nil {
		return false, err
	}
	db, err := sql.Open("sqlite", dataSourceName(abs))
	if err != nil {
		return false, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `VACUUM`); err != nil {
		return false, err
	}
	// A reader of this process may be finishing a query: try a few times before saying so.
	for try := 0; ; try++ {
		var busy, logPages, done int
		if err := db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done); err != nil {
			return false, err
		}
		if busy == 0 {
			return false, nil
		}
		if try == 20 {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func fileSizes(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// Purged lists the campaigns whose patient data was purged, with when.
func (j *Journal) Purged(ctx context.Context) (map[string]time.Time, error) {
	rows, err := j.rdb.QueryContext(ctx, `SELECT campaign, at FROM purged`)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id, at string
		if err := rows.Scan(&id, &at); err != nil {
			return nil, j.wrap(err)
		}
		t, err := parseTime(at)
		if err != nil {
			return nil, j.wrap(badCampaign(id, "purged at: "+err.Error()))
		}
		out[id] = t
	}
	return out, j.wrap(rows.Err())
}

// NoticeDue reports whether the notice name has not been shown on day (any text naming a period,
// such as "2026-11-21"), and records that it is shown now: true once per name and day, whichever
// process asks first.
func (j *Journal) NoticeDue(ctx context.Context, name, day string) (bool, error) {
	due := false
	err := j.exclusive(ctx, func(ctx context.Context, c *sql.Conn) error {
		var last string
		err := c.QueryRowContext(ctx, `SELECT at FROM notices WHERE name = ?`, name).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if last == day {
			return nil
		}
		due = true
		_, err = c.ExecContext(ctx, `INSERT INTO notices (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at`, name, day)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("journal %s: %w", j.path, j.wrap(err))
	}
	return due, nil
}

// Package journal is the campaign store: the plan and every state change, in SQLite, the source of truth.
package journal

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// State is where a delivery stands.
type State string

// Delivery states: pending → sending → submitted → (sent → delivered | undelivered) | failed;
// skipped (not sendable, with reason); unknown (ambiguous and not reconcilable).
const (
	Pending     State = "pending"
	Sending     State = "sending"
	Submitted   State = "submitted"
	Sent        State = "sent"
	Delivered   State = "delivered"
	Undelivered State = "undelivered"
	Failed      State = "failed"
	Skipped     State = "skipped"
	Unknown     State = "unknown"
)

// Accepted reports whether the provider took the message: submitted, sent, delivered or
// undelivered (the provider accepted it; the handset may still not have received it).
func (s State) Accepted() bool {
	return s == Submitted || s == Sent || s == Delivered || s == Undelivered
}

// InFlight reports whether the provider accepted the message and a later receipt may still change
// its state (submitted or sent).
func (s State) InFlight() bool { return s == Submitted || s == Sent }

// ErrNotFound is returned when a campaign does not exist.
var ErrNotFound = errors.New("campaign not found")

// ErrExists is returned by CreateCampaign when the id is taken.
var ErrExists = errors.New("campaign already exists")

// ErrNoDelivery is returned by MarkSending and Record for a delivery id that does not exist.
var ErrNoDelivery = errors.New("no such delivery")

// ErrClosed is returned by every method called after Close.
var ErrClosed = errors.New("journal is closed")

// Campaign is one broadcast: a template sent to a list.
type Campaign struct {
	ID        string
	Template  string
	List      string // path of the patient list as given
	Provider  string
	Test      bool
	CreatedAt time.Time
	Meta      map[string]string // free-form run facts (lang, class, …), stored as JSON
	// Fingerprint is the campaign's identity: a hash of its message (template or body, language,
	// variables, test flag). Runs of the same message find the campaign by it, whatever its ID.
	Fingerprint string
}

// Patient is one row of the list that a delivery covers.
type Patient struct {
	Row    int    `json:"row"` // spreadsheet row number: the header is row 1
	Name   string `json:"name"`
	Phone  string `json:"phone"`            // as written in the list
	Column string `json:"column,omitempty"` // header of the phone column used
	// Fields are the row's cells by header, so that a follow-up campaign (--recipients-of)
	// renders its templates with the list's columns without the list file.
	Fields map[string]string `json:"fields,omitempty"`
}

// Delivery is one message to one number, or one skipped row.
type Delivery struct {
	ID         int64
	Campaign   string
	Seq        int       // plan order, from 0
	Patients   []Patient // more than one when patients share a number and the message is identical
	To         string    // E.164; may be empty for a skipped row
	Body       string
	Segments   int
	State      State
	Reason     string // plain words: why skipped, failed, unknown, undelivered
	ErrorCode  string
	ProviderID string
	Attempts   int
	SendingAt  time.Time // when the latest attempt was recorded as sending
	UpdatedAt  time.Time
	Carrier    string // the mobile carrier that delivered it (docomo, au, …), when the provider said
	// Provider is the route its latest attempt went through, as MarkSendingVia recorded it: a
	// provider's name, or name/line for one line of it ("smsgate/sim2", see RouteOf). Empty: the
	// campaign's provider (deliveries recorded before the column existed, or without a route).
	Provider string
	// Checksum is Checksum(To, Body), set when the delivery is planned; empty in journals from
	// before schema 2.
	Checksum string
}

// Checksum is the fingerprint of what a delivery sends: its number and its exact text. Two
// deliveries with the same checksum text the same person the same words.
func Checksum(to, body string) string {
	h := sha256.New()
	h.Write([]byte(to))
	h.Write([]byte{0})
	h.Write([]byte(body))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Update is a state change recorded for a delivery.
type Update struct {
	State      State
	ProviderID string // kept as it was when empty
	ErrorCode  string // replaces the previous code (empty clears it)
	Reason     string // replaces the previous reason (empty clears it)
	Segments   int    // kept as it was when 0
	Carrier    string // kept as it was when empty
	At         time.Time
}

// Event is one recorded state change of a delivery: its history, oldest first.
type Event struct {
	Delivery   int64
	State      State
	Attempt    int
	ProviderID string
	ErrorCode  string
	Reason     string
	At         time.Time
}

// Journal is an open journal file. Its methods are safe for concurrent use.
//
// Writes go through one writer goroutine that commits whatever is queued in one transaction
// (group commit): many workers waiting on MarkSending share one fsync.
type Journal struct {
	path string
	wdb  *sql.DB // one connection, used only by the writer goroutine
	rdb  *sql.DB // readers (WAL lets them run beside the writer)

	mu     sync.RWMutex // guards closed against enqueue
	closed bool
	ops    chan *op
	done   chan struct{} // closed when the writer goroutine has exited

	async    atomic.Int64 // asynchronous writes queued and not yet committed
	errMu    sync.Mutex
	asyncErr error // first failure of an asynchronous write, reported by Flush and Close

	lockMu sync.Mutex
	locks  map[string]*heldLock // campaign locks held by this process through this journal

	commits, writes atomic.Int64
}

// Stats counts the group commits of MarkSending and Record writes since Open.
type Stats struct {
	Commits int64 // transactions (each one fsync)
	Writes  int64 // MarkSending and Record calls they carried
}

// Stats reports how well writes are being grouped.
func (j *Journal) Stats() Stats { return Stats{Commits: j.commits.Load(), Writes: j.writes.Load()} }

// timeFormat is fixed-width so that stored times sort as text and read well in the sqlite3 shell.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// Open opens the journal at path, or creates it (mode 0600, parent directories 0700) when nothing
// is there.
//
// A file that is empty, truncated, damaged, not an smscast journal, written by a newer smscast, or
// not writable is an error naming the file and saying what to do (it wraps ErrDamaged,
// ErrNotJournal, ErrNewerSchema or ErrReadOnly): Open never starts a fresh journal in place of an
// existing file, because a fresh journal would text everyone again.
func Open(ctx context.Context, path string) (*Journal, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if err := mkdirPrivate(filepath.Dir(abs)); err != nil {
		return nil, fmt.Errorf("create journal directory: %w", err)
	}
	if err := prepare(ctx, abs, path); err != nil {
		return nil, err
	}

	dsn := dataSourceName(abs)
	wdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)

	if err := migrate(ctx, wdb, path, migrations); err != nil {
		wdb.Close()
		return nil, err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		// SQLite copies the database's mode to these, but a umask or an older file may not agree.
		if err := os.Chmod(abs+suffix, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			wdb.Close()
			return nil, fmt.Errorf("journal %s: %w", path, err)
		}
	}

	rdb, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(4)
	rdb.SetMaxIdleConns(4)

	j := &Journal{
		path:  path,
		wdb:   wdb,
		rdb:   rdb,
		ops:   make(chan *op, 4096),
		done:  make(chan struct{}),
		locks: map[string]*heldLock{},
	}
	w, err := newWriter(ctx, j)
	if err != nil {
		rdb.Close()
		wdb.Close()
		return nil, j.wrap(err)
	}
	go w.run()
	return j, nil
}

// Path returns the journal's file path as given to Open.
func (j *Journal) Path() string { return j.path }

func dataSourceName(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive path: file:///C:/…
	}
	u := url.URL{Path: p}
	// journal_mode=WAL is set by migrate once the file is known to be ours: it is persistent, and a
	// refused file must be left untouched.
	// FULL: a commit is on disk (not only in the OS cache) when it returns, so a `sending` survives
	// power loss; group commit pays one fsync per batch, not per delivery. Measured with
	// BenchmarkSendCycle (32 workers): FULL and NORMAL give the same throughput, because the
	// fsync's wait lets batches grow (31 writes per commit against 11), and FULL costs less CPU.
	return "file://" + u.EscapedPath() + "?mode=rw" +
		"&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(1)" +
		// Statement journals (needed by statements that fire triggers) stay in memory: on disk
		// they cost a write syscall per page and made a 100k-row plan take seconds.
		"&_pragma=temp_store(MEMORY)" +
		"&_pragma=cache_size(-16384)"
}

// mkdirPrivate creates dir and its missing parents with mode 0700 whatever the umask. Existing
// directories are left as they are: they may be the user's own (home, XDG dirs).
func mkdirPrivate(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		if err := os.Chmod(missing[i], 0o700); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) && runtime.GOOS != "windows" {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// wrap names the file in errors that mean the journal itself is damaged or cannot be written.
func (j *Journal) wrap(err error) error { return wrapSQLite(j.path, err) }

// Close flushes pending writes and closes the file. It is safe to call more than once.
func (j *Journal) Close() error {
	j.mu.Lock()
	already := j.closed
	j.closed = true
	if !already {
		close(j.ops)
	}
	j.mu.Unlock()
	if already {
		return nil
	}
	<-j.done
	err := j.peekAsyncErr()
	j.lockMu.Lock()
	for _, l := range j.locks {
		if e := l.release(); e != nil && err == nil {
			err = e
		}
	}
	j.locks = map[string]*heldLock{}
	j.lockMu.Unlock()
	if e := j.rdb.Close(); e != nil && err == nil {
		err = e
	}
	if e := j.wdb.Close(); e != nil && err == nil {
		err = e
	}
	return err
}

// CreateCampaign writes the campaign and its whole plan in one transaction. It returns ErrExists
// if the id is taken, and then writes nothing.
//
// Each plan entry is stored in slice order: CreateCampaign sets plan[i].ID, plan[i].Campaign and
// plan[i].Seq (= i) in the caller's slice. State must be empty (meaning pending), pending or
// skipped.
func (j *Journal) CreateCampaign(ctx context.Context, c Campaign, plan []Delivery) error {
	if c.ID == "" {
		return errors.New("create campaign: empty id")
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	meta, err := json.Marshal(c.Meta)
	if err != nil {
		return fmt.Errorf("create campaign %s: %w", c.ID, err)
	}
	if err := checkNewPlan(c.ID, plan); err != nil {
		return fmt.Errorf("create %w", err)
	}
	ids := make([]int64, len(plan))
	err = j.exclusive(ctx, func(ctx context.Context, tx *sql.Conn) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM campaigns WHERE id = ?`, c.ID).Scan(&one)
		if err == nil {
			return fmt.Errorf("create campaign %s: %w", c.ID, ErrExists)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		created := fmtTime(c.CreatedAt)
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO campaigns (id, template, list, provider, test, created_at, meta, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Template, c.List, c.Provider, c.Test, created, string(meta), c.Fingerprint); err != nil {
			return err
		}
		return insertPlan(ctx, tx, c.ID, 0, plan, ids, created)
	})
	if err != nil {
		if errors.Is(err, ErrExists) {
			return err
		}
		return fmt.Errorf("create campaign %s in %s: %w", c.ID, j.path, j.wrap(err))
	}
	for i := range plan {
		plan[i].ID = ids[i]
		plan[i].Campaign = c.ID
		plan[i].Seq = i
		plan[i].UpdatedAt = c.CreatedAt
	}
	return nil
}

const campaignCols = `id, template, list, provider, test, created_at, meta, fingerprint`

func scanCampaign(row interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var created, meta string
	if err := row.Scan(&c.ID, &c.Template, &c.List, &c.Provider, &c.Test, &created, &meta, &c.Fingerprint); err != nil {
		return c, err
	}
	var err error
	if c.CreatedAt, err = parseTime(created); err != nil {
		return c, badCampaign(c.ID, "created_at: "+err.Error())
	}
	if meta != "" && meta != "null" {
		if err := json.Unmarshal([]byte(meta), &c.Meta); err != nil {
			return c, badCampaign(c.ID, "meta: "+err.Error())
		}
	}
	return c, nil
}

// Campaign returns one campaign, or ErrNotFound.
func (j *Journal) Campaign(ctx context.Context, id string) (Campaign, error) {
	c, err := scanCampaign(j.rdb.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, fmt.Errorf("campaign %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Campaign{}, j.wrap(err)
	}
	return c, nil
}

// Latest returns the most recently created campaign, or ErrNotFound when there is none.
func (j *Journal) Latest(ctx context.Context) (Campaign, error) {
	c, err := scanCampaign(j.rdb.QueryRowContext(ctx,
		`SELECT `+campaignCols+` FROM campaigns ORDER BY created_at DESC, rowid DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, fmt.Errorf("no campaign in %s yet: %w", j.path, ErrNotFound)
	}
	if err != nil {
		return Campaign{}, j.wrap(err)
	}
	return c, nil
}

// Campaigns lists all campaigns, newest first.
func (j *Journal) Campaigns(ctx context.Context) ([]Campaign, error) {
	rows, err := j.rdb.QueryContext(ctx, `SELECT `+campaignCols+` FROM campaigns ORDER BY created_at DESC, rowid DESC`)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	var out []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, j.wrap(err)
		}
		out = append(out, c)
	}
	return out, j.wrap(rows.Err())
}

func (j *Journal) exists(ctx context.Context, campaign string) error {
	var one int
	err := j.rdb.QueryRowContext(ctx, `SELECT 1 FROM campaigns WHERE id = ?`, campaign).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("campaign %s: %w", campaign, ErrNotFound)
	}
	return j.wrap(err)
}

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
		var patients, state, sendingAt, updatedAt string
		if err := rows.Scan(&d.ID, &d.Campaign, &d.Seq, &patients, &d.To, &d.Body, &d.Segments, &state,
			&d.Reason, &d.ErrorCode, &d.ProviderID, &d.Attempts, &sendingAt, &updatedAt, &d.Checksum, &d.Carrier, &d.Provider); err != nil {
			return nil, j.wrap(err)
		}
		// Every field is checked: a row that does not decode stops the read, naming it, so that
		// no caller ever works from a plan with a row silently missing or half read.
		d.State = State(state)
		if err := json.Unmarshal([]byte(patients), &d.Patients); err != nil {
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

// AddOptOut remembers a number that must not be texted again. Adding a known number again keeps
// the first record.
func (j *Journal) AddOptOut(ctx context.Context, e164, source string) error {
	at := fmtTime(time.Now())
	return j.exclusive(ctx, func(ctx context.Context, c *sql.Conn) error {
		_, err := c.ExecContext(ctx, `INSERT INTO optouts (e164, source, at) VALUES (?, ?, ?) ON CONFLICT (e164) DO NOTHING`,
			e164, source, at)
		return err
	})
}

// OptedOut returns every remembered opted-out number.
func (j *Journal) OptedOut(ctx context.Context) (map[string]bool, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	rows, err := j.rdb.QueryContext(ctx, `SELECT e164 FROM optouts`)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, j.wrap(err)
		}
		out[n] = true
	}
	return out, j.wrap(rows.Err())
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

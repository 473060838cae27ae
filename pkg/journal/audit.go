package journal

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/smscast/smscast/pkg/internal/private"
)

// AuditAction is what an audit entry records.
type AuditAction string

// The actions of the audit trail. A test send is any send action with AuditEntry.Test set.
const (
	AuditSendCreated     AuditAction = "send.created"     // a campaign was written to the journal
	AuditSendResumed     AuditAction = "send.resumed"     // a run took up an existing campaign
	AuditSendInterrupted AuditAction = "send.interrupted" // a run stopped with deliveries left (Ctrl-C, an error)
	AuditSendFinished    AuditAction = "send.finished"    // a run ended with nothing left to send
	AuditStatus          AuditAction = "status"           // delivery receipts refreshed
	AuditAcks            AuditAction = "acks"             // replies polled
	AuditReport          AuditAction = "report"           // a report or call list exported
	AuditHistory         AuditAction = "history"          // the list of campaigns shown
	AuditPurge           AuditAction = "purge"            // patient data removed
	AuditUnlock          AuditAction = "unlock"           // a campaign's lock removed by hand
	AuditServeStart      AuditAction = "serve.start"      // the staff page started
	AuditServeStop       AuditAction = "serve.stop"       // the staff page stopped
	AuditPageSend        AuditAction = "serve.send"       // a send started from the staff page
)

// AuditEntry is one action in the audit trail. It holds no phone number, name or message text,
// and Audit refuses one that looks as if it does: every field is an identifier (checked against
// a pattern and for anything shaped like a phone number), a hash, or a count.
type AuditEntry struct {
	Seq      int64       // set by Audit: 1, 2, 3, … without gaps
	At       time.Time   // UTC; Audit sets it to now when zero
	Offset   int         // seconds east of UTC of the clinic's timezone at At (from time.Time.Zone)
	Action   AuditAction // required
	Test     bool        // a test send (--test)
	Operator string      // who: config operator, --operator, SMSCAST_OPERATOR or the OS user
	Host     string      // the computer's name
	Command  string      // the command, never its arguments: "smscast status", "serve"
	Campaign string      // campaign ID, if the action concerns one
	Template string      // template name
	TextHash string      // TextHash of the message text: proves which text without storing it
	Provider string      // sim, twilio, karaden, smsgate
	Counts   map[string]int
	Prev     string // set by Audit: Hash of the entry before ("" for the first)
	Hash     string // set by Audit: SHA-256 of Prev and this entry's fields
}

// TextHash is what an audit entry keeps of a message text: its SHA-256, in hex.
func TextHash(text string) string {
	s := sha256.Sum256([]byte(text))
	return hex.EncodeToString(s[:])
}

var (
	identPattern = regexp.MustCompile(`^[^\p{C}]*$`) // no newline, tab or other control: one line, not a text
	wordPattern  = regexp.MustCompile(`^[a-z0-9_.-]*$`)
	keyPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	hashPattern  = regexp.MustCompile(`^([0-9a-f]{64})?$`)
	cmdPattern   = regexp.MustCompile(`^[a-z][a-z -]*$`)
)

// check refuses what could carry a patient's data. Identifiers are short, of letters, digits and
// a few marks (no free text: no sentence, no newline), and hold nothing shaped like a phone number.
func (e *AuditEntry) check() error {
	if !wordPattern.MatchString(string(e.Action)) || e.Action == "" {
		return fmt.Errorf("audit: action %q is not an action name", e.Action)
	}
	for _, f := range []struct{ name, v string }{
		{"operator", e.Operator}, {"host", e.Host}, {"campaign", e.Campaign}, {"template", e.Template},
	} {
		if utf8.RuneCountInString(f.v) > 100 || !identPattern.MatchString(f.v) {
			return fmt.Errorf("audit: %s %q: only a name or ID of one line and at most 100 characters is recorded", f.name, f.v)
		}
		if PhoneLike(f.v) {
			return fmt.Errorf("audit: %s %q looks like a phone number: the audit trail never records one", f.name, f.v)
		}
	}
	if len(e.Command) > 60 || !cmdPattern.MatchString(e.Command) {
		return fmt.Errorf("audit: command %q: only the command's name is recorded, never its arguments", e.Command)
	}
	if !wordPattern.MatchString(e.Provider) {
		return fmt.Errorf("audit: provider %q is not a provider name", e.Provider)
	}
	if !hashPattern.MatchString(e.TextHash) {
		return fmt.Errorf("audit: text hash %q is not a TextHash", e.TextHash)
	}
	for k := range e.Counts {
		if !keyPattern.MatchString(k) || len(k) > 40 {
			return fmt.Errorf("audit: count %q is not a count name", k)
		}
	}
	return nil
}

// PhoneLike reports whether s holds something shaped like a phone number: a run of digits (ASCII
// or full-width, with - . ( ) or spaces between them) that starts with + and has 8 digits or
// more, starts with 0 and has 10 or more (a Japanese number as written), or starts with 81 and
// has 11 or more (E.164 without its +). Runs are also tried from every digit after a separator,
// so "3 090-1234-5678" is caught. Dates and times (20261121-0930) are not phone-like.
func PhoneLike(s string) bool { return len(phoneRuns(s)) > 0 }

// phoneRuns returns the byte ranges of the phone-like runs of s.
func phoneRuns(s string) [][2]int {
	var out [][2]int
	rs := []rune(s)
	offs := make([]int, len(rs)+1)
	o := 0
	for i, r := range rs {
		offs[i] = o
		o += utf8.RuneLen(r)
	}
	offs[len(rs)] = o
	for i := 0; i < len(rs); {
		if !isDigit(rs[i]) && !(isPlus(rs[i]) && i+1 < len(rs) && isDigit(rs[i+1])) {
			i++
			continue
		}
		end := i
		for end < len(rs) && (isDigit(rs[end]) || isSep(rs[end]) || (end == i && isPlus(rs[end]))) {
			end++
		}
		for end > i+1 && isSep(rs[end-1]) {
			end-- // a run ends at its last digit: "(code" after it is not part of the number
		}
		// Try the run from its start and from every digit that follows a separator.
		found := false
		for st := i; st < end && !found; st++ {
			if st != i && !(isDigit(rs[st]) && isSep(rs[st-1])) {
				continue
			}
			if phoneShaped(rs[st:end]) {
				out = append(out, [2]int{offs[st], offs[end]})
				found = true
			}
		}
		i = end
	}
	return out
}

func phoneShaped(run []rune) bool {
	plus := isPlus(run[0])
	var digits []rune
	for _, r := range run {
		if isDigit(r) {
			if r >= '０' {
				r = r - '０' + '0'
			}
			digits = append(digits, r)
		}
	}
	n := len(digits)
	switch {
	case plus:
		return n >= 8
	case n > 0 && digits[0] == '0':
		return n >= 10
	case n > 1 && digits[0] == '8' && digits[1] == '1':
		return n >= 11
	}
	return false
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }
func isPlus(r rune) bool  { return r == '+' || r == '＋' }
func isSep(r rune) bool {
	switch r {
	case '-', '.', '(', ')', ' ', '\u3000', '－', '（', '）', '‐', '‑', '–', '—', '−', 'ー':
		return true
	}
	return false
}

// auditCols are the columns an entry's hash covers, in order, after prev. seq is not among them:
// the chain of hashes fixes the order, and a renumbered entry shows as removed or reordered.
const auditCols = `at, tz_offset, action, test, operator, host, command, campaign, template, text_hash, provider, counts`

// auditRow is an entry as stored.
type auditRow struct {
	seq                                                                     int64
	at                                                                      string
	offset                                                                  int
	action                                                                  string
	test                                                                    int
	operator, host, command, campaign, template, textHash, provider, counts string
	prev, hash                                                              string
}

func (r *auditRow) digest() string {
	b, _ := json.Marshal([]any{r.prev, r.at, r.offset, r.action, r.test, r.operator, r.host, r.command,
		r.campaign, r.template, r.textHash, r.provider, r.counts})
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (r *auditRow) entry() (AuditEntry, error) {
	e := AuditEntry{Seq: r.seq, Offset: r.offset, Action: AuditAction(r.action), Test: r.test != 0,
		Operator: r.operator, Host: r.host, Command: r.command, Campaign: r.campaign, Template: r.template,
		TextHash: r.textHash, Provider: r.provider, Prev: r.prev, Hash: r.hash}
	var err error
	if e.At, err = parseTime(r.at); err != nil {
		return e, &rowDamage{what: fmt.Sprintf("audit entry %d", r.seq), why: "at: " + err.Error()}
	}
	if err := json.Unmarshal([]byte(r.counts), &e.Counts); err != nil {
		return e, &rowDamage{what: fmt.Sprintf("audit entry %d", r.seq), why: "counts: " + err.Error()}
	}
	return e, nil
}

// Audit appends e to the audit trail, chained to the entry before it, and then brings the head
// file (HeadPath) up to date. Seq, Prev and Hash are set by Audit; At is now when zero.
//
// The head file is written after the entry's commit, in a write transaction of its own, so that
// it never names an entry that is not in the journal: a crash between the two leaves it one
// entry behind, which VerifyAudit accepts (and the next entry repairs), while a head file ahead
// of the table means entries were removed.
func (j *Journal) Audit(ctx context.Context, e AuditEntry) error {
	if err := e.check(); err != nil {
		return err
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	err := j.exclusive(ctx, func(ctx context.Context, c *sql.Conn) error {
		_, err := appendAudit(ctx, c, e)
		return err
	})
	if err != nil {
		return fmt.Errorf("record %s in the audit trail of %s: %w", e.Action, j.path, j.wrap(err))
	}
	return j.syncHead(ctx)
}

// appendAudit inserts e after the last entry, inside the caller's write transaction.
func appendAudit(ctx context.Context, c *sql.Conn, e AuditEntry) (auditRow, error) {
	counts := e.Counts
	if counts == nil {
		counts = map[string]int{}
	}
	cj, err := json.Marshal(counts) // map keys sorted: the same counts always give the same text
	if err != nil {
		return auditRow{}, err
	}
	r := auditRow{at: fmtTime(e.At), offset: e.Offset, action: string(e.Action), operator: e.Operator,
		host: e.Host, command: e.Command, campaign: e.Campaign, template: e.Template, textHash: e.TextHash,
		provider: e.Provider, counts: string(cj)}
	if e.Test {
		r.test = 1
	}
	err = c.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&r.seq, &r.prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, err
	}
	r.seq++
	r.hash = r.digest()
	_, err = c.ExecContext(ctx, `INSERT INTO audit (seq, `+auditCols+`, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.seq, r.at, r.offset, r.action, r.test, r.operator, r.host, r.command, r.campaign, r.template,
		r.textHash, r.provider, r.counts, r.prev, r.hash)
	return r, err
}

// HeadPath is the file beside the journal that holds the audit trail's last sequence number and
// hash, so that removing the last entries, or all of them, is seen too.
func (j *Journal) HeadPath() string { return j.path + ".audit-head" }

type auditHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// syncHead writes the last entry's seq and hash to the head file, under the journal's write lock,
// so that two processes appending at once write it in the order of their entries.
func (j *Journal) syncHead(ctx context.Context) error {
	err := j.exclusive(ctx, func(ctx context.Context, c *sql.Conn) error {
		var h auditHead
		err := c.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&h.Seq, &h.Hash)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return writeHead(j.HeadPath(), h)
	})
	if err != nil {
		return fmt.Errorf("write the audit head %s: %w", j.HeadPath(), j.wrap(err))
	}
	return nil
}

// writeHead replaces the head file atomically: a temporary file beside it, synced, renamed.
func writeHead(path string, h auditHead) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".new-*") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // gone once renamed
	// Private before it is written: CreateTemp's 0600 means nothing on Windows.
	err = private.Restrict(tmp)
	if err == nil {
		_, err = f.Write(append(b, '\n'))
	}
	if err == nil {
		err = f.Sync()
	}
	if e := f.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

// readHead reads the head file; ok is false when there is none.
func readHead(path string) (h auditHead, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return h, false, nil
	}
	if err != nil {
		return h, false, err
	}
	if err := json.Unmarshal(b, &h); err != nil || h.Seq < 1 || !hashPattern.MatchString(h.Hash) || h.Hash == "" {
		return h, true, errBadHead
	}
	return h, true, nil
}

var errBadHead = errors.New("not an audit head")

func (j *Journal) auditRows(ctx context.Context, where string, args ...any) ([]auditRow, error) {
	rows, err := j.rdb.QueryContext(ctx, `SELECT seq, `+auditCols+`, prev, hash FROM audit `+where+` ORDER BY seq`, args...)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.seq, &r.at, &r.offset, &r.action, &r.test, &r.operator, &r.host, &r.command,
			&r.campaign, &r.template, &r.textHash, &r.provider, &r.counts, &r.prev, &r.hash); err != nil {
			return nil, j.wrap(err)
		}
		out = append(out, r)
	}
	return out, j.wrap(rows.Err())
}

// AuditTrail returns the entries recorded at or after since (all of them when since is zero),
// oldest first. It does not verify the chain: VerifyAudit does.
func (j *Journal) AuditTrail(ctx context.Context, since time.Time) ([]AuditEntry, error) {
	rows, err := j.auditRows(ctx, `WHERE at >= ?`, fmtTime(since))
	if since.IsZero() {
		rows, err = j.auditRows(ctx, ``)
	}
	if err != nil {
		return nil, err
	}
	out := make([]AuditEntry, 0, len(rows))
	for i := range rows {
		e, err := rows[i].entry()
		if err != nil {
			return nil, j.wrap(err)
		}
		out = append(out, e)
	}
	return out, nil
}

// AuditStart is when the audit trail began: when the journal was created, or upgraded to a
// smscast that keeps one; Before is how many campaigns the journal held then (they have no
// entries).
type AuditStart struct {
	At     time.Time
	Before int
}

// AuditStarted returns when the trail began.
func (j *Journal) AuditStarted(ctx context.Context) (AuditStart, error) {
	var s AuditStart
	var at string
	if err := j.rdb.QueryRowContext(ctx, `SELECT at, campaigns FROM audit_start LIMIT 1`).Scan(&at, &s.Before); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return s, j.wrap(&rowDamage{what: "the audit trail", why: "its start was removed"})
		}
		return s, j.wrap(err)
	}
	t, err := parseTime(at)
	if err != nil {
		return s, j.wrap(&rowDamage{what: "the audit trail", why: "its start: " + err.Error()})
	}
	s.At = t
	return s, nil
}

// AuditProblemKind is how the audit trail was found changed.
type AuditProblemKind string

// What VerifyAudit can find.
const (
	AuditAltered     AuditProblemKind = "altered"      // an entry's fields no longer match its hash
	AuditMissing     AuditProblemKind = "removed"      // entries Seq…Other-1 are missing: the trail jumps to Other
	AuditReordered   AuditProblemKind = "reordered"    // entry Seq follows entry Other, not Seq-1
	AuditBrokenLink  AuditProblemKind = "broken-link"  // entry Seq does not follow entry Seq-1, nor any other
	AuditTruncated   AuditProblemKind = "truncated"    // entries Seq…Other were removed from the end (the head file records Other)
	AuditHeadChanged AuditProblemKind = "head-changed" // entry Seq is not the one the head file records
	AuditHeadMissing AuditProblemKind = "head-missing" // the head file is gone though the trail has entries
	AuditHeadBad     AuditProblemKind = "head-damaged" // the head file cannot be read
)

// AuditProblem is the first change VerifyAudit found. Its Error is the sentence to show.
type AuditProblem struct {
	Kind  AuditProblemKind
	Seq   int64       // the entry named
	Other int64       // see the kinds
	Entry *AuditEntry // the entry named, when it is there to show
	Head  string      // the head file
}

func (p *AuditProblem) Error() string {
	switch p.Kind {
	case AuditAltered:
		return fmt.Sprintf("audit entry %d was altered: what it records no longer matches its hash", p.Seq)
	case AuditMissing:
		if p.Other == p.Seq+1 {
			return fmt.Sprintf("audit entry %d was removed: the trail goes from entry %d to entry %d", p.Seq, p.Seq-1, p.Other)
		}
		return fmt.Sprintf("audit entries %d to %d were removed: the trail goes from entry %d to entry %d", p.Seq, p.Other-1, p.Seq-1, p.Other)
	case AuditReordered:
		return fmt.Sprintf("audit entries were reordered: entry %d was written after entry %d, not after entry %d", p.Seq, p.Other, p.Seq-1)
	case AuditBrokenLink:
		return fmt.Sprintf("audit entry %d does not follow entry %d: entry %d was rewritten, or entries between them were removed", p.Seq, p.Seq-1, p.Seq-1)
	case AuditTruncated:
		if p.Seq == 1 {
			return fmt.Sprintf("every audit entry was removed: the trail is empty, but %s records entry %d", p.Head, p.Other)
		}
		if p.Seq == p.Other {
			return fmt.Sprintf("the last audit entry, %d, was removed: %s records it", p.Seq, p.Head)
		}
		return fmt.Sprintf("the last audit entries, %d to %d, were removed: %s records entry %d", p.Seq, p.Other, p.Head, p.Other)
	case AuditHeadChanged:
		return fmt.Sprintf("audit entry %d is not the entry %s records: it was altered, or the trail was rewritten", p.Seq, p.Head)
	case AuditHeadMissing:
		return fmt.Sprintf("%s is missing: whether the last audit entries (after entry %d) were removed cannot be checked", p.Head, p.Seq)
	case AuditHeadBad:
		return fmt.Sprintf("%s is damaged: whether the last audit entries were removed cannot be checked", p.Head)
	}
	return fmt.Sprintf("audit entry %d: %s", p.Seq, p.Kind)
}

// AuditCheck is the result of VerifyAudit.
type AuditCheck struct {
	Entries    int           // entries in the trail
	Start      AuditStart    // when the trail began
	HeadBehind int           // entries after the one the head file records (a crash between the two writes)
	Problem    *AuditProblem // the first change found; nil when the trail is intact
}

// VerifyAudit checks the whole audit trail: every entry's hash, every link to the entry before,
// the numbering, and the last entry against the head file. The head file is read first, so an
// entry appended meanwhile only makes it look behind, never ahead.
func (j *Journal) VerifyAudit(ctx context.Context) (AuditCheck, error) {
	var ch AuditCheck
	headPath := j.HeadPath()
	head, haveHead, herr := readHead(headPath)
	if herr != nil && !errors.Is(herr, errBadHead) {
		return ch, fmt.Errorf("read the audit head %s: %w", headPath, herr)
	}
	start, err := j.AuditStarted(ctx)
	if err != nil {
		return ch, err
	}
	ch.Start = start
	rows, err := j.auditRows(ctx, ``)
	if err != nil {
		return ch, err
	}
	ch.Entries = len(rows)
	problem := func(kind AuditProblemKind, seq, other int64, r *auditRow) {
		p := &AuditProblem{Kind: kind, Seq: seq, Other: other, Head: headPath}
		if r != nil {
			if e, err := r.entry(); err == nil {
				p.Entry = &e
			}
		}
		ch.Problem = p
	}
	byHash := make(map[string]int64, len(rows))
	for _, r := range rows {
		byHash[r.hash] = r.seq
	}
	prev, want := "", int64(1)
	for i := range rows {
		r := &rows[i]
		switch {
		case r.seq != want:
			problem(AuditMissing, want, r.seq, nil)
		case r.digest() != r.hash:
			problem(AuditAltered, r.seq, 0, r)
		case r.prev != prev:
			if other, ok := byHash[r.prev]; ok && r.prev != "" {
				problem(AuditReordered, r.seq, other, r)
			} else {
				problem(AuditBrokenLink, r.seq, 0, r)
			}
		}
		if ch.Problem != nil {
			return ch, nil
		}
		prev, want = r.hash, want+1
	}
	last := want - 1
	switch {
	case herr != nil:
		problem(AuditHeadBad, last, 0, nil)
	case !haveHead && last > 0:
		problem(AuditHeadMissing, last, 0, nil)
	case !haveHead:
	case head.Seq > last:
		problem(AuditTruncated, last+1, head.Seq, nil)
	case rows[head.Seq-1].hash != head.Hash:
		problem(AuditHeadChanged, head.Seq, 0, &rows[head.Seq-1])
	default:
		ch.HeadBehind = int(last - head.Seq)
	}
	return ch, nil
}

// Package sim is the built-in SMS simulator: no network, deterministic outcomes for drills and tests.
//
// Numbers are matched against patterns to choose their fate. A pattern containing a glob
// metacharacter (*, ? or [) is a shell glob matched against the whole E.164 number
// ("+8190*0000"); any other pattern matches every number that ends with it ("0000", or a whole
// number such as "+819012345678"). The first list that matches wins, in this order: Permanent,
// Ambiguous, Transient; then TransientRate draws a random transient failure. Undelivered only
// changes what Status reports later: the message is accepted.
package sim

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"sync"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/internal/pattern"
	"github.com/smscast/smscast/pkg/sms/segment"
)

// Error codes the simulator returns, in sms.Error.Code and sms.Receipt.ErrorCode.
const (
	CodePermanent   = "sim-permanent"
	CodeTransient   = "sim-transient"
	CodeAmbiguous   = "sim-ambiguous"
	CodeUndelivered = "sim-undelivered"
	CodeCanceled    = "sim-canceled"
	CodeNotFound    = "sim-not-found"
	CodeOutage      = "sim-outage"
)

// Config chooses the simulator's behaviour. The zero Config accepts everything at once. The yaml
// keys sit under sim: in the config file; a field tagged "-" is for tests only.
type Config struct {
	Seed    int64         `yaml:"seed" mapstructure:"seed"`       // seeds every random choice (jitter, TransientRate) and the message ids
	Latency time.Duration `yaml:"latency" mapstructure:"latency"` // time each Send takes; honours ctx
	Jitter  time.Duration `yaml:"-" mapstructure:"-"`             // extra latency drawn uniformly from [0, Jitter)

	// Patterns matched against the E.164 number (see the package comment).
	Permanent   []string `yaml:"permanent" mapstructure:"permanent"`     // rejected: never retried
	Transient   []string `yaml:"transient" mapstructure:"transient"`     // rejected every time with a retryable error
	Ambiguous   []string `yaml:"ambiguous" mapstructure:"ambiguous"`     // accepted (and written to the outbox), then reported as a timeout
	Undelivered []string `yaml:"undelivered" mapstructure:"undelivered"` // accepted, then Status says undelivered

	// TransientRate is the share of other sends that fail transiently, drawn deterministically from
	// Seed, the number and how many times this process has tried it: a retry can succeed.
	TransientRate float64 `yaml:"-" mapstructure:"-"`

	// DownAfter, when > 0, plays an outage for drills (sim.down_after): once this Sender has
	// accepted that many messages, every later Send is refused with a transient error, as a
	// provider answering 503 while the internet is down, so that a clinic can rehearse failover
	// to its phone without a real outage. Find and Status still answer: they read what was
	// accepted, and a drill's later `smscast status` should not fail too.
	DownAfter int `yaml:"down_after" mapstructure:"down_after"`

	// Replies plays patients answering a message that asked for a reply (sim.replies), so that a
	// drill shows confirmations: see Inbound.
	Replies Replies `yaml:"replies" mapstructure:"replies"`

	// Outbox, when set, is a file to which every accepted message is appended as one JSON line
	// (Record). It is created with mode 0600 (its directory 0700), and it is read back by Find and
	// Status so that a later process can reconcile what an earlier one sent.
	Outbox string `yaml:"outbox" mapstructure:"outbox"`

	Now func() time.Time `yaml:"-" mapstructure:"-"` // clock for Record.Time; time.Now when nil
}

// Record is one accepted message, as kept in memory and written to the outbox.
type Record struct {
	ID   string    `json:"id"`
	To   string    `json:"to"`
	Body string    `json:"body"`
	Time time.Time `json:"time"`
}

// Sender is the simulator. It implements sms.Sender, sms.StatusChecker and sms.Finder, and it is
// safe for concurrent use. Close releases the outbox file.
type Sender struct {
	cfg  Config
	salt uint64 // 0 without an outbox (ids deterministic per seed); random with one (ids unique across processes)

	mu       sync.Mutex
	seq      uint64
	attempts map[string]uint64 // per number, so random draws do not depend on goroutine scheduling
	byID     map[string]int
	byTo     map[string][]int
	records  []Record

	outMu sync.Mutex
	out   *os.File
}

var (
	_ sms.Sender        = (*Sender)(nil)
	_ sms.StatusChecker = (*Sender)(nil)
	_ sms.Finder        = (*Sender)(nil)
)

// New validates cfg and returns a simulator. With an Outbox it creates or opens that file.
func New(cfg Config) (*Sender, error) {
	for _, l := range []struct {
		name string
		pats []string
	}{{"permanent", cfg.Permanent}, {"transient", cfg.Transient}, {"ambiguous", cfg.Ambiguous}, {"undelivered", cfg.Undelivered}} {
		for _, p := range l.pats {
			if err := pattern.Check(p); err != nil {
				return nil, fmt.Errorf("sim: %s: %w", l.name, err)
			}
		}
	}
	if cfg.TransientRate < 0 || cfg.TransientRate > 1 {
		return nil, fmt.Errorf("sim: transient rate %v must be between 0 and 1", cfg.TransientRate)
	}
	if cfg.DownAfter < 0 {
		return nil, fmt.Errorf("sim: down_after %d must not be negative (0: no outage)", cfg.DownAfter)
	}
	if err := cfg.Replies.check(); err != nil {
		return nil, err
	}
	if cfg.Latency < 0 || cfg.Jitter < 0 {
		return nil, errors.New("sim: latency and jitter must not be negative")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Sender{
		cfg:      cfg,
		attempts: map[string]uint64{},
		byID:     map[string]int{},
		byTo:     map[string][]int{},
	}
	if cfg.Outbox != "" {
		f, err := openOutbox(cfg.Outbox)
		if err != nil {
			return nil, err
		}
		s.out = f
		// Several processes may append to one outbox (a run, its resume): a random salt keeps
		// their ids apart, at the price of ids that differ from run to run.
		var b [8]byte
		if _, err := crand.Read(b[:]); err != nil {
			f.Close()
			return nil, fmt.Errorf("sim: random id salt: %w", err)
		}
		s.salt = binary.LittleEndian.Uint64(b[:]) | 1
	}
	return s, nil
}

// RequestTimeout is zero: the simulator accepts a message (and writes it to the outbox) before
// Send returns, so a message it did not report is not there, now or later (sms.Timeouter).
func (s *Sender) RequestTimeout() time.Duration { return 0 }

// Close closes the outbox file, if any.
func (s *Sender) Close() error {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	if s.out == nil {
		return nil
	}
	err := s.out.Close()
	s.out = nil
	return err
}

type fate int

const (
	accept fate = iota
	permanent
	ambiguous
	transient
)

// Send simulates one send.
func (s *Sender) Send(ctx context.Context, m sms.Message) (sms.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return sms.Receipt{}, canceled(err)
	}
	s.mu.Lock()
	attempt := s.attempts[m.To]
	s.attempts[m.To] = attempt + 1
	s.mu.Unlock()
	r1, r2 := draws(s.cfg.Seed, m.To, attempt)

	if d := s.cfg.Latency + time.Duration(r2*float64(s.cfg.Jitter)); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return sms.Receipt{}, canceled(ctx.Err())
		case <-t.C:
		}
	}

	f := accept
	switch {
	case matchAny(s.cfg.Permanent, m.To):
		f = permanent
	case matchAny(s.cfg.Ambiguous, m.To):
		f = ambiguous
	case matchAny(s.cfg.Transient, m.To), r1 < s.cfg.TransientRate:
		f = transient
	}
	switch f {
	case permanent:
		return sms.Receipt{}, &sms.Error{Code: CodePermanent, Reason: "simulated permanent failure", Permanent: true}
	case transient:
		return sms.Receipt{}, &sms.Error{Code: CodeTransient, Reason: "simulated transient failure"}
	}
	rec, err := s.accept(m)
	if errors.Is(err, errDown) {
		return sms.Receipt{}, &sms.Error{Code: CodeOutage, Reason: "simulated outage: the provider is not answering (503)"}
	}
	if err != nil {
		// Nothing was recorded, so the message was not accepted: safe to retry.
		return sms.Receipt{}, &sms.Error{Code: "sim-outbox", Reason: "simulator could not write its outbox", Err: err}
	}
	if f == ambiguous {
		return sms.Receipt{}, &sms.Error{Code: CodeAmbiguous, Reason: "simulated timeout after the request was sent", Ambiguous: true}
	}
	return s.receipt(rec), nil
}

func canceled(err error) error {
	// The simulator decides nothing before its latency has passed, so nothing was accepted.
	return &sms.Error{Code: CodeCanceled, Reason: "send cancelled before the simulator accepted it", Err: err}
}

// errDown is accept's answer once the outage DownAfter plays has begun.
var errDown = errors.New("simulated outage")

func (s *Sender) accept(m sms.Message) (Record, error) {
	s.mu.Lock()
	if s.cfg.DownAfter > 0 && s.seq >= uint64(s.cfg.DownAfter) {
		// Counted where ids are drawn, so that concurrent sends never take more than DownAfter.
		s.mu.Unlock()
		return Record{}, errDown
	}
	s.seq++
	rec := Record{ID: s.id(s.seq), To: m.To, Body: m.Body, Time: s.cfg.Now().UTC()}
	s.mu.Unlock()

	if s.cfg.Outbox != "" {
		line, err := json.Marshal(rec)
		if err != nil {
			return Record{}, err
		}
		line = append(line, '\n')
		s.outMu.Lock()
		if s.out == nil {
			err = os.ErrClosed
		} else {
			// One write per line on an O_APPEND file: lines from concurrent processes never interleave.
			_, err = s.out.Write(line)
		}
		s.outMu.Unlock()
		if err != nil {
			return Record{}, fmt.Errorf("append to outbox %s: %w", s.cfg.Outbox, err)
		}
	}

	s.mu.Lock()
	s.records = append(s.records, rec)
	s.byID[rec.ID] = len(s.records) - 1
	s.byTo[rec.To] = append(s.byTo[rec.To], len(s.records)-1)
	s.mu.Unlock()
	return rec, nil
}

func (s *Sender) receipt(r Record) sms.Receipt {
	n := segment.Count(r.Body).Segments
	return sms.Receipt{ID: r.ID, Status: sms.StatusQueued, Segments: n}
}

// Status reports delivered, or undelivered for numbers matching Undelivered. It knows the
// messages this Sender accepted and, with an Outbox, those of earlier processes.
func (s *Sender) Status(ctx context.Context, id string) (sms.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return sms.Receipt{}, canceled(err)
	}
	s.mu.Lock()
	i, ok := s.byID[id]
	var rec Record
	if ok {
		rec = s.records[i]
	}
	s.mu.Unlock()
	if !ok && s.cfg.Outbox != "" {
		recs, err := ReadOutbox(s.cfg.Outbox)
		if err != nil {
			return sms.Receipt{}, &sms.Error{Code: "sim-outbox", Reason: "simulator could not read its outbox", Err: err}
		}
		for _, r := range recs {
			if r.ID == id {
				rec, ok = r, true
				break
			}
		}
	}
	if !ok {
		return sms.Receipt{}, &sms.Error{Code: CodeNotFound, Reason: fmt.Sprintf("the simulator has no message %s", id), Permanent: true}
	}
	r := s.receipt(rec)
	r.Status = sms.StatusDelivered
	if matchAny(s.cfg.Undelivered, rec.To) {
		r.Status = sms.StatusUndelivered
		r.ErrorCode = CodeUndelivered
		r.Reason = "simulated: phone off or out of coverage"
	}
	return r, nil
}

// Find looks for a message with the same number and body accepted at or after since, newest
// first: in memory, then in the outbox file so that messages accepted by an earlier (crashed)
// process are found too.
func (s *Sender) Find(ctx context.Context, m sms.Message, since time.Time) (sms.Receipt, bool, error) {
	if err := ctx.Err(); err != nil {
		return sms.Receipt{}, false, canceled(err)
	}
	s.mu.Lock()
	idx := s.byTo[m.To]
	for k := len(idx) - 1; k >= 0; k-- {
		r := s.records[idx[k]]
		if r.Body == m.Body && !r.Time.Before(since) {
			s.mu.Unlock()
			return s.receipt(r), true, nil
		}
	}
	s.mu.Unlock()
	if s.cfg.Outbox == "" {
		return sms.Receipt{}, false, nil
	}
	recs, err := ReadOutbox(s.cfg.Outbox)
	if err != nil {
		return sms.Receipt{}, false, &sms.Error{Code: "sim-outbox", Reason: "simulator could not read its outbox", Err: err}
	}
	for k := len(recs) - 1; k >= 0; k-- {
		r := recs[k]
		if r.To == m.To && r.Body == m.Body && !r.Time.Before(since) {
			return s.receipt(r), true, nil
		}
	}
	return sms.Receipt{}, false, nil
}

// Accepted returns the messages this Sender accepted, in order.
func (s *Sender) Accepted() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Record(nil), s.records...)
}

// ReadOutbox reads every record of an outbox file, in the order written. A missing file has no
// records. A torn last line (a process killed mid-write) is skipped; any other bad line is an error.
func ReadOutbox(name string) ([]Record, error) {
	f, err := openOutboxRead(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var recs []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	line, bad := 0, 0
	for sc.Scan() {
		line++
		if bad != 0 {
			return nil, fmt.Errorf("read outbox %s line %d: invalid JSON", name, bad)
		}
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			bad = line
			continue
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read outbox %s: %w", name, err)
	}
	return recs, nil
}

// Match reports whether an E.164 number matches a pattern (see the package comment).
func Match(p, number string) bool { return pattern.Match(p, number) }

func matchAny(pats []string, number string) bool { return pattern.Any(pats, number) }

// id derives "SM" + 32 hex digits from the seed, the salt and the sequence number.
func (s *Sender) id(seq uint64) string {
	x := uint64(s.cfg.Seed) ^ s.salt*0x9e3779b97f4a7c15
	a := splitmix(x ^ splitmix(seq))
	b := splitmix(a ^ seq)
	return fmt.Sprintf("SM%016x%016x", a, b)
}

// draws returns two uniform numbers in [0,1) for one attempt at one number.
func draws(seed int64, to string, attempt uint64) (float64, float64) {
	h := fnv.New64a()
	h.Write([]byte(to))
	x := splitmix(uint64(seed) ^ splitmix(h.Sum64()^splitmix(attempt)))
	y := splitmix(x)
	return float64(x>>11) / (1 << 53), float64(y>>11) / (1 << 53)
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

package broadcast

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

// provider is an in-test SMS provider: it keeps a record of every message it accepted, so tests
// can count what patients received, and a script decides each request's outcome.
type provider struct {
	mu       sync.Mutex
	seq      int
	sends    map[string]int      // Send calls per number
	accepted map[string][]string // message ids accepted per number: what the patient received
	bodies   map[string]string
	at       map[string]time.Time
	now      func() time.Time
	// outcome decides a Send: n is the 1-based Send call for this number. accept says the provider
	// keeps the message (even when err is non-nil: accepted, then the connection dropped).
	outcome func(m sms.Message, n int) (accept bool, err error)
	findErr error
	// findFlaky fails this many Find calls with errLookupOff before answering.
	findFlaky int
	finds     int
	status    map[string]sms.Receipt // Status answers by id
	onSend    func(ctx context.Context, m sms.Message)
	// lateBy makes a message accepted with an error (late acceptance) visible to Find only this
	// long after the Send, as a provider that takes the create in after our timeout.
	lateBy    time.Duration
	visible   map[string]time.Time // by id: when Find starts to see it
	sendTimes []time.Time          // the clock at each Send
	findTimes []time.Time          // the clock at each Find
}

func newProvider(now func() time.Time, outcome func(m sms.Message, n int) (bool, error)) *provider {
	if outcome == nil {
		outcome = func(sms.Message, int) (bool, error) { return true, nil }
	}
	return &provider{sends: map[string]int{}, accepted: map[string][]string{}, bodies: map[string]string{},
		at: map[string]time.Time{}, now: now, outcome: outcome, status: map[string]sms.Receipt{}, visible: map[string]time.Time{}}
}

func (p *provider) Send(ctx context.Context, m sms.Message) (sms.Receipt, error) {
	if p.onSend != nil {
		p.onSend(ctx, m)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sends[m.To]++
	p.sendTimes = append(p.sendTimes, p.now())
	accept, err := p.outcome(m, p.sends[m.To])
	var r sms.Receipt
	if accept {
		p.seq++
		r = sms.Receipt{ID: "SM" + strconv.Itoa(p.seq), Status: sms.StatusQueued, Segments: 1}
		p.accepted[m.To] = append(p.accepted[m.To], r.ID)
		p.bodies[r.ID] = m.Body
		p.at[r.ID] = p.now()
		if err != nil && p.lateBy > 0 {
			p.visible[r.ID] = p.now().Add(p.lateBy)
		}
	}
	if err != nil {
		return sms.Receipt{}, err
	}
	return r, nil
}

func (p *provider) Find(ctx context.Context, m sms.Message, since time.Time) (sms.Receipt, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finds++
	p.findTimes = append(p.findTimes, p.now())
	if p.findFlaky > 0 {
		p.findFlaky--
		return sms.Receipt{}, false, errLookupOff
	}
	if p.findErr != nil {
		return sms.Receipt{}, false, p.findErr
	}
	for _, id := range p.accepted[m.To] {
		if v, late := p.visible[id]; late && p.now().Before(v) {
			continue
		}
		if p.bodies[id] == m.Body && !p.at[id].Before(since) {
			return sms.Receipt{ID: id, Status: sms.StatusQueued}, true, nil
		}
	}
	return sms.Receipt{}, false, nil
}

func (p *provider) Status(ctx context.Context, id string) (sms.Receipt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.status[id]
	if !ok {
		return sms.Receipt{}, &sms.Error{Code: "20404", Reason: "no such message"}
	}
	if r.ID == "" {
		r.ID = id
	}
	return r, nil
}

func (p *provider) sendCount(to string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sends[to]
}

func (p *provider) acceptedCount(to string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.accepted[to])
}

func (p *provider) times() (sends, finds []time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.sendTimes...), append([]time.Time(nil), p.findTimes...)
}

func (p *provider) totalSends() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.sends {
		n += c
	}
	return n
}

// sendOnly hides the provider's Finder and StatusChecker.
type sendOnly struct{ p *provider }

func (s sendOnly) Send(ctx context.Context, m sms.Message) (sms.Receipt, error) {
	return s.p.Send(ctx, m)
}

// clock is a fake clock whose Sleep returns at once, moving time on.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 10, 2, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return nil
}

func number(i int) string { return fmt.Sprintf("+81901234%04d", i) }

// newCampaign creates a journal holding campaign "c" with n pending deliveries.
func newCampaign(t testing.TB, n int) (*journal.Journal, []journal.Delivery) {
	t.Helper()
	j, err := journal.Open(context.Background(), filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	plan := make([]journal.Delivery, n)
	for i := range plan {
		plan[i] = journal.Delivery{
			Patients: []journal.Patient{{Row: i + 2, Name: fmt.Sprintf("患者%d", i)}},
			To:       number(i), Body: "本日の透析は停電のため中止です", Segments: 1,
		}
	}
	if err := j.CreateCampaign(context.Background(), journal.Campaign{ID: "c", Template: "outage", Provider: "test"}, plan); err != nil {
		t.Fatal(err)
	}
	return j, plan
}

func testConfig(c *clock) Config {
	return Config{Workers: 4, Now: c.Now, Sleep: c.Sleep}
}

func states(t testing.TB, j *journal.Journal) map[journal.State]int {
	t.Helper()
	c, err := j.Counts(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	for s, n := range c {
		if n == 0 {
			delete(c, s)
		}
	}
	return c
}

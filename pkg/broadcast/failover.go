package broadcast

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

// Route is one provider of the chain a run sends through: the primary (Config.Primary, Run's
// sender) and, when it cannot carry on, each of Config.Fallbacks in turn.
type Route struct {
	// Name is the provider's name as configured (twilio, karaden, smsgate, sim): recorded for each
	// delivery it carries (journal.Delivery.Provider), so that a later run asks it about the
	// delivery, and a status refresh asks it for receipts.
	Name   string
	Sender sms.Sender
	// Rate is messages per second through this route (segments with Config.SegmentRate); 0 takes
	// Config.Rate. A phone sends about one a second (smsgate.DefaultRate).
	Rate float64
	// DailyLimit, when > 0, is how many messages each line of the route may send per calendar day
	// in Config.Zone (a Japanese consumer SIM: about 200, smsgate.DefaultDailyLimit). The journal
	// counts them (journal.Usage). When every line has reached it, the route is done for the day:
	// the run carries on through the next route, or stops with *LimitError.
	DailyLimit int
	// Lines are the route's separately metered lines: a phone's SIMs (smsgate.Provider.ForSIM),
	// recorded as Name/Line.Name ("smsgate/sim2"). Each message goes through the line with the
	// most of today's limit left, the first of them on a tie, so that the SIMs share the day's
	// messages whatever earlier runs sent. Empty: the route is one line, Sender, named Name.
	Lines []Line
}

// Line is one separately metered line of a route, such as one SIM of a phone.
type Line struct {
	Name   string // "sim1": recorded as the route's name, "/", this
	Sender sms.Sender
}

// Failover is one move of a run from a route to the next.
type Failover struct {
	From, To string
	Why      string // plain words: "twilio is unreachable", "twilio refused our credentials (…)"
	At       time.Time
	Err      error // the error that made it
}

// Error codes the engine records (journal.Delivery.ErrorCode) for what failover leaves.
const (
	// CodeNotAsked: unknown, because the provider that may have sent it could not be asked
	// (it was unreachable, or refused us, and the run carried on through the next). A later run
	// asks it first, and sends the message only if that provider certainly does not have it.
	CodeNotAsked = "not-asked"
	// CodePossiblyTwice: accepted through a backup after an attempt at the provider before it
	// that may have been sent too, and could not be asked (Config.FailoverUnknown).
	CodePossiblyTwice = "possibly-sent-twice"
)

// errFailedOver is what a route's breaker answers once the run has moved past the route because
// it is unreachable: no request goes to it in this run any more.
var errFailedOver = errors.New("failed over to the next provider")

// LimitError stops a run when every line of the last route has sent its daily limit. No delivery
// was marked failed because of it: the same command resumes the campaign once the limit resets.
type LimitError struct {
	Route  string    // the route's name ("smsgate")
	Lines  []string  // its lines as recorded ("smsgate/sim1", "smsgate/sim2"), or the route alone
	Limit  int       // messages per line per day
	Day    time.Time // midnight that began the day, in Config.Zone
	Resets time.Time // the next midnight, in Config.Zone: when the route may send again
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s sent its daily limit of %d messages per line (%s) on %s: stopped, every unsent delivery is still pending; the limit resets at %s",
		e.Route, e.Limit, strings.Join(e.Lines, ", "), e.Day.Format("2006-01-02"), e.Resets.Format("2006-01-02 15:04 MST"))
}

// LineBudget is what a metered line may still send today, for the pre-send summary.
type LineBudget struct {
	Line   string // as recorded: "smsgate/sim1", or the route's name for a route of one line
	Limit  int
	Used   int // messages that left through it today, in every campaign (journal.Usage)
	Left   int
	Resets time.Time // the next midnight in the zone
}

// Budget returns, for each line of r, what it may still send on the day that holds now in zone
// (time.Local when nil). A route without a DailyLimit has no budget: nil.
func Budget(ctx context.Context, j *journal.Journal, r Route, zone *time.Location, now time.Time) ([]LineBudget, error) {
	if r.DailyLimit <= 0 {
		return nil, nil
	}
	names := lineNames(r)
	start, end := journal.Day(now, zone)
	used, err := j.Usage(ctx, names, start, end)
	if err != nil {
		return nil, err
	}
	out := make([]LineBudget, len(names))
	for i, n := range names {
		out[i] = LineBudget{Line: n, Limit: r.DailyLimit, Used: used[n], Left: max(r.DailyLimit-used[n], 0), Resets: end}
	}
	return out, nil
}

func lineNames(r Route) []string {
	if len(r.Lines) == 0 {
		return []string{r.Name}
	}
	out := make([]string, len(r.Lines))
	for i, l := range r.Lines {
		out[i] = r.Name + "/" + l.Name
	}
	return out
}

// route is a Route as a run uses it.
type route struct {
	idx     int
	name    string
	s       sms.Sender
	finder  sms.Finder
	grace   time.Duration // from an ambiguous attempt to the lookup that decides on a resend
	limiter *pacer
	breaker *breaker
	budget  *budget // nil: not metered
	// gone: the run moved past this route because it is unreachable or refuses us; nothing is
	// sent to it or asked of it in this run any more.
	gone atomic.Bool
}

// line is one metered line of a route.
type line struct {
	name string
	s    sms.Sender
	used int // today's messages, budget.mu held
}

// budget meters a route's lines over a day in a zone: today's counts come from the journal when
// the route is first used and at each midnight, and this run's sends are added as they leave.
//
// Another process sending through the same phone at the same time (another campaign) is not
// seen until the next midnight's count: the journal's counts are read, not locked.
type budget struct {
	limit int // 0: lines are only spread, not limited
	zone  *time.Location
	lines []*line

	mu         sync.Mutex
	start, end time.Time // the day counted; zero before the first count
}

// take picks the line for one message at now and counts it; nil when every line has reached the
// limit. day is the end of the day it was counted in, for give.
func (b *budget) take(ctx context.Context, j *journal.Journal, now time.Time) (l *line, day time.Time, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.end.IsZero() || !now.Before(b.end) || now.Before(b.start) {
		start, end := journal.Day(now, b.zone)
		names := make([]string, len(b.lines))
		for i, l := range b.lines {
			names[i] = l.name
		}
		used, err := j.Usage(context.WithoutCancel(ctx), names, start, end)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("count today's messages: %w", err)
		}
		for _, l := range b.lines {
			l.used = used[l.name]
		}
		b.start, b.end = start, end
	}
	for _, c := range b.lines {
		if (b.limit == 0 || c.used < b.limit) && (l == nil || c.used < l.used) {
			l = c
		}
	}
	if l != nil {
		l.used++
	}
	return l, b.end, nil
}

// give takes back a message counted by take that did not leave.
func (b *budget) give(l *line, day time.Time) {
	b.mu.Lock()
	if b.end.Equal(day) {
		l.used--
	}
	b.mu.Unlock()
}

// limitError is the *LimitError of a route whose lines are all used up.
func (b *budget) limitError(name string) *LimitError {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := &LimitError{Route: name, Limit: b.limit, Day: b.start, Resets: b.end}
	for _, l := range b.lines {
		e.Lines = append(e.Lines, l.name)
	}
	return e
}

// newRoutes builds the run's chain: the primary, then the fallbacks.
func newRoutes(e *engine, primary Route, fallbacks []Route, work []journal.Delivery) ([]*route, error) {
	cfg := e.cfg
	all := append([]Route{primary}, fallbacks...)
	seen := map[string]bool{}
	out := make([]*route, len(all))
	for i, r := range all {
		switch {
		case (r.Name == "" && i > 0) || strings.Contains(r.Name, "/"):
			// The primary may have no name: a campaign without a provider (tests); recorded empty.
			return nil, fmt.Errorf("provider %d of the chain: name %q: give each a name without /", i+1, r.Name)
		case seen[r.Name]:
			return nil, fmt.Errorf("provider %s is in the chain twice: list each once", r.Name)
		case r.Sender == nil:
			return nil, fmt.Errorf("provider %s: no sender", r.Name)
		}
		seen[r.Name] = true
		rt := &route{idx: i, name: r.Name, s: r.Sender}
		rt.finder, _ = r.Sender.(sms.Finder)
		rt.grace = graceFor(r.Sender, cfg)
		limit := cfg.OutageLimit
		if i < len(all)-1 {
			limit = min(cfg.FailoverAfter, cfg.OutageLimit)
		}
		rt.breaker = newBreaker(cfg, e, rt, limit)
		if rps := cmp(r.Rate, cfg.Rate); rps > 0 {
			burst := cfg.Burst
			if cfg.SegmentRate {
				for _, d := range work {
					burst = max(burst, d.Segments) // WaitN refuses n > burst
				}
			}
			rt.limiter = &pacer{lim: rate.NewLimiter(rate.Limit(rps), burst), turn: make(chan struct{}, 1)}
		}
		if r.DailyLimit > 0 || len(r.Lines) > 0 {
			b := &budget{limit: max(r.DailyLimit, 0), zone: cfg.Zone}
			if len(r.Lines) == 0 {
				b.lines = []*line{{name: r.Name, s: r.Sender}}
			}
			lines := map[string]bool{}
			for _, l := range r.Lines {
				if l.Name == "" || l.Sender == nil || lines[l.Name] {
					return nil, fmt.Errorf("provider %s: line %q: give each line a name and a sender, once", r.Name, l.Name)
				}
				lines[l.Name] = true
				b.lines = append(b.lines, &line{name: r.Name + "/" + l.Name, s: l.Sender})
			}
			rt.budget = b
		}
		out[i] = rt
	}
	return out, nil
}

// cmp is v, or def when v is 0.
func cmp(v, def float64) float64 {
	if v != 0 {
		return v
	}
	return def
}

// active is the route new sends go through.
func (e *engine) active() *route { return e.routes[e.cur.Load()] }

// routeOf is the route that carried a delivery's latest attempt (journal.Delivery.Provider), or
// nil when that provider is not in this run's chain.
func (e *engine) routeOf(d *journal.Delivery) *route {
	name := journal.RouteOf(d.Provider, e.campaignProvider)
	for _, rt := range e.routes {
		if rt.name == name {
			return rt
		}
	}
	return nil
}

// failover moves the run on from rt to the next route, once. unreachable says rt can no longer be
// asked anything in this run (it is down, or refuses us); a route left because its daily limit is
// used up still answers lookups. It reports whether a route after rt carries on: false when rt is
// the last.
func (e *engine) failover(rt *route, unreachable bool, why string, cause error) bool {
	e.foMu.Lock()
	if int(e.cur.Load()) > rt.idx {
		e.foMu.Unlock()
		return true // another worker moved on already
	}
	if rt.idx+1 >= len(e.routes) {
		e.foMu.Unlock()
		return false
	}
	next := e.routes[rt.idx+1]
	if unreachable {
		rt.gone.Store(true)
	}
	e.cur.Store(int32(next.idx))
	f := Failover{From: rt.name, To: next.name, Why: why, At: e.cfg.Now(), Err: cause}
	e.failovers = append(e.failovers, f)
	e.foMu.Unlock()

	if unreachable {
		rt.breaker.retire()
	}
	// Claims ahead were made for rt: they go back to pending, for the next route to mark its own.
	e.queue.release(reasonFailover)
	e.emit(Event{Kind: EventFailover, Err: cause, From: rt.name, To: next.name,
		Message: fmt.Sprintf("%s: continuing through %s", why, next.name)})
	return true
}

// failoverFatal moves on from rt after it refused the run (a fatal error); when rt is the last
// route the run stops with err, as without fallbacks.
func (e *engine) failoverFatal(rt *route, err error) bool {
	why := fmt.Sprintf("the provider %s refused the run (%v)", rt.name, err)
	if rt.idx == 0 {
		why = fmt.Sprintf("the primary provider %s refused the run (%v)", rt.name, err)
	}
	if e.failover(rt, true, why, err) {
		return true
	}
	e.fatal(err)
	return false
}

// unreachable decides a delivery that may have been accepted through a route that can no longer
// be asked (jb.via; nil when its provider is not in this run's chain). It is not sent again
// unless the user said so (Config.FailoverUnknown, or --resend-unknown): then it is sent through
// the active route and recorded as possibly sent twice. It reports true when it may be sent.
func (e *engine) unreachable(jb *job) bool {
	name := journal.RouteOf(jb.d.Provider, e.campaignProvider)
	if e.cfg.FailoverUnknown || jb.resend {
		jb.twice, jb.due = name, time.Time{}
		return true
	}
	why := "may have been sent by " + name + ", which cannot be asked now"
	if jb.via == nil {
		why = "may have been sent by " + name + ", which this run does not use"
	}
	e.record(jb.d, journal.Update{State: journal.Unknown, ErrorCode: CodeNotAsked,
		Reason: fmt.Sprintf("%s; %s: check with the patient, or run again once %s answers (it is asked first)", jb.why, why, name)}, true, nil)
	return false
}

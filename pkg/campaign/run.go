package campaign

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/smscast/smscast/pkg/broadcast"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/schedule"
	"github.com/smscast/smscast/pkg/sms"
)

// The engine's progress and errors, for front ends (which do not import the engine).
type (
	Event       = broadcast.Event
	EventKind   = broadcast.EventKind
	OutageError = broadcast.OutageError
	// Route is one provider of a run's chain (the primary, then the failover ones); Line is one
	// separately metered line of a route (a phone's SIM).
	Route      = broadcast.Route
	Line       = broadcast.Line
	Failover   = broadcast.Failover
	LimitError = broadcast.LimitError
	LineBudget = broadcast.LineBudget
)

// Error codes of deliveries a failover left unknown, or sent through the backup anyway.
const (
	CodeNotAsked      = broadcast.CodeNotAsked
	CodePossiblyTwice = broadcast.CodePossiblyTwice
)

// Event kinds, as the engine reports them.
const (
	EventStart    = broadcast.EventStart
	EventDelivery = broadcast.EventDelivery
	EventRetry    = broadcast.EventRetry
	EventPause    = broadcast.EventPause
	EventEnd      = broadcast.EventEnd
	EventFailover = broadcast.EventFailover
)

// ErrInterrupted is returned when the run was stopped (Ctrl-C, the page's stop button) while it
// waited for quiet hours to end: nothing of it was sent yet.
var ErrInterrupted = errors.New("interrupted while waiting for quiet hours to end")

// lockWaitFor is how long a send waits for another process that holds its campaign before it
// says who: an identical send started a moment earlier is usually still deciding.
const lockWaitFor = 2 * time.Second

// Session is a campaign ready to run, with the lock on its message held: close it when done.
type Session struct {
	Campaign journal.Campaign
	Resumed  bool // the campaign existed before this send
	Added    int  // messages this send added to it
	release  func() error
}

// Close releases the lock.
func (s *Session) Close() error {
	if s.release == nil {
		return nil
	}
	err := s.release()
	s.release = nil
	return err
}

// MetaClass is the Meta key of a campaign's message class (emergency, reminder, …).
const MetaClass = "class"

// MetaReportDir is the folder the first run wrote the campaign's reports into (absolute), so
// that status, report and acks write them there again and purge finds them.
const MetaReportDir = "report_dir"

// Create writes the plan to the journal: a new campaign, or what an existing campaign of the same
// message lacks. Deciding and writing are one step under a lock on the message, so two identical
// sends started together make one campaign and the second is told who is sending it (a
// *journal.LockedError), never "already exists". The plan's resolution is made again under the
// lock, since the journal may have changed since Prepare.
func Create(ctx context.Context, j *journal.Journal, p *Plan) (*Session, error) {
	if p.fields != nil {
		if err := p.fields.fill(p); err != nil {
			return nil, err
		}
	}
	lockKey := "message:" + p.Key.Fingerprint()
	if p.In.ID != "" {
		lockKey = "campaign:" + FoldID(p.In.ID)
	}
	release, err := j.LockWait(ctx, lockKey, lockWaitFor)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			release()
		}
	}()
	res, err := Resolve(ctx, j, p.resolveInput())
	if err != nil {
		return nil, err
	}
	p.Resolution = res
	if res.Campaign != nil {
		c := *res.Campaign
		if err := j.AddDeliveries(ctx, c.ID, res.Add, p.In.Now); err != nil {
			return nil, err
		}
		ok = true
		return &Session{Campaign: c, Resumed: true, Added: res.AddedPending, release: release}, nil
	}
	in := p.In
	c := journal.Campaign{
		ID:          in.ID,
		Template:    in.Template.Name,
		List:        in.List,
		Provider:    in.Provider.Name,
		Test:        in.Test,
		CreatedAt:   in.Now,
		Meta:        map[string]string{"lang": in.Settings.Lang, MetaClass: in.Template.Class},
		Fingerprint: p.Key.Fingerprint(),
	}
	if in.Again {
		c.Meta[MetaAgain] = "true"
	}
	if in.ReportDir != "" {
		c.Meta[MetaReportDir] = in.ReportDir
	}
	if in.Ack {
		c.Meta[MetaAck] = "true"
	}
	if in.RecipientsOf != "" {
		c.Meta[MetaFollows] = in.RecipientsOf
		c.List = "recipients of " + in.RecipientsOf
		if in.Only != "" {
			c.List += " (" + in.Only + ")"
		}
	}
	generated := c.ID == ""
	if generated {
		c.ID = DefaultID(in.Template.Name, in.Test, in.Now.In(in.Settings.Location))
	}
	base := c.ID
	for n := 2; ; n++ {
		err := j.CreateCampaign(ctx, c, res.Add)
		if err == nil {
			break
		}
		if !errors.Is(err, journal.ErrExists) || !generated || n > 100 {
			return nil, err
		}
		c.ID = fmt.Sprintf("%s-%d", base, n) // another message's campaign took this second's ID
	}
	ok = true
	return &Session{Campaign: c, Added: res.AddedPending, release: release}, nil
}

// DefaultID is the ID of a campaign made without --campaign: the template and the time, and
// "test-" first for a test.
func DefaultID(template string, test bool, now time.Time) string {
	name := strings.TrimPrefix(template, "--")
	id := fmt.Sprintf("%s-%s", name, now.Format("20060102-150405"))
	if test && !strings.HasPrefix(id, "test-") && name != "test" {
		id = "test-" + id
	}
	return id
}

// RunOptions tune a run.
type RunOptions struct {
	ResendUnknown bool          // send deliveries whose outcome is unknown again
	NoWait        bool          // in quiet hours, leave the deliveries pending and return
	GraceFloor    time.Duration // the engine's least wait before a deciding lookup
	Now           func() time.Time
	OnEvent       func(Event)
	// OnQuiet is told before the run waits for quiet hours to end.
	OnQuiet func(schedule.Decision)
	// Primary describes the campaign's provider as a route (its rate, a phone's daily limit and
	// SIMs); Fallbacks carry on when it cannot (config failover).
	Primary         Route
	Fallbacks       []Route
	FailoverAfter   time.Duration
	FailoverUnknown bool // send through the backup what the primary may have sent (marked possibly twice)
}

// Outcome is how a run ended.
type Outcome struct {
	broadcast.Result
	Todo  int                // deliveries there were to send when the run started
	Quiet *schedule.Decision // set when quiet hours left everything pending (NoWait)
}

// Run sends the pending deliveries of c through s, waiting for quiet hours first when the
// campaign's class respects them. The counts of the outcome cover the whole campaign.
func Run(ctx context.Context, j *journal.Journal, c journal.Campaign, s sms.Sender, set Settings, prov Provider, o RunOptions) (Outcome, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	counts, err := j.Counts(ctx, c.ID)
	if err != nil {
		return Outcome{}, err
	}
	var out Outcome
	out.Todo = journal.Counts(counts).Left()
	if o.ResendUnknown {
		out.Todo += counts[journal.Unknown]
	} else if n, err := j.CountCode(ctx, c.ID, journal.Unknown, CodeNotAsked); err == nil {
		out.Todo += n // a failover left them to ask their provider again: this run does
	}
	if out.Todo > 0 {
		dec := schedule.Decide(c.Meta[MetaClass], set.QuietHours, now().In(set.Location))
		if dec.Wait {
			if o.NoWait {
				out.Quiet = &dec
				out.Counts = counts
				out.Pending = journal.Counts(counts).Left()
				return out, nil
			}
			if o.OnQuiet != nil {
				o.OnQuiet(dec)
			}
			if err := sleepUntil(ctx, now, dec.Until); err != nil {
				return out, ErrInterrupted
			}
		}
	}
	res, err := broadcast.Run(ctx, j, c.ID, s, broadcast.Config{
		Workers:       set.Workers,
		Rate:          set.rate(prov),
		ResendUnknown: o.ResendUnknown,
		GraceFloor:    o.GraceFloor,
		Now:           now,
		OnEvent:       o.OnEvent,

		Primary:         o.Primary,
		Fallbacks:       o.Fallbacks,
		FailoverAfter:   o.FailoverAfter,
		FailoverUnknown: o.FailoverUnknown,
		Zone:            set.Location,
	})
	out.Result = res
	return out, err
}

func sleepUntil(ctx context.Context, now func() time.Time, t time.Time) error {
	timer := time.NewTimer(t.Sub(now()))
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Budget is what is left today of a metered route's daily limit, per line.
func Budget(ctx context.Context, j *journal.Journal, r Route, set Settings, now time.Time) ([]LineBudget, error) {
	return broadcast.Budget(ctx, j, r, set.Location, now)
}

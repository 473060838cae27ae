package broadcast

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

// RefreshConfig tunes a status refresh. Zero values take the defaults on each field.
type RefreshConfig struct {
	Workers        int     // concurrent status requests; default 4
	Rate           float64 // status requests per second; 0 means no limit
	Burst          int     // default 1
	RequestTimeout time.Duration
	// Skew widens the window a StatusBatcher reads, before the campaign's first send, for the
	// clock difference between this computer and the provider; default 2m.
	Skew    time.Duration
	Now     func() time.Time
	OnEvent func(Event) // EventDelivery for each delivery whose state changed; serialised
	// Route, when set, limits the refresh to the deliveries that route carried
	// (journal.RouteOf(Delivery.Provider, CampaignProvider)): after a failover each provider is
	// asked about its own messages only.
	Route            string
	CampaignProvider string
}

// RefreshResult sums up a refresh.
type RefreshResult struct {
	Checked int // deliveries asked about
	// Batched counts those the provider's list answered (sms.StatusBatcher); the others were
	// asked one by one.
	Batched int
	// Changed counts deliveries whose state, error code, carrier or billed segments changed.
	Changed  int
	Errors   int   // lookups that failed; those deliveries were left as they were
	FirstErr error // the first of them, for the message
	// BatchErr is why the provider's list stopped early, if it did (not fatal): the deliveries it
	// did not answer were asked one by one.
	BatchErr error
	InFlight int // deliveries still submitted or sent afterwards (a --watch loop stops at 0)
	Counts   map[journal.State]int
}

// Refresh asks the provider for the current status of every delivery of campaign it accepted and
// has not reported final (submitted or sent), and records the changes: queued, accepted and
// sending stay submitted; sent; delivered; undelivered and failed with the provider's error code
// and reason; the carrier and the billed segments when the provider gives them.
//
// A provider that reads statuses by pages (sms.StatusBatcher) is asked once for all of them,
// since the campaign's first send less cfg.Skew: a 2,000-message Twilio campaign is a few list
// requests instead of 2,000 fetches. Whatever the batch did not return (a message still in the
// provider's queue, a batch that failed part way) is asked one by one through checker, by
// cfg.Workers workers paced as the engine paces sends. A fatal provider error stops it and is
// returned; other lookup errors are counted and leave their delivery as it was.
func Refresh(ctx context.Context, j *journal.Journal, campaign string, checker sms.StatusChecker, cfg RefreshConfig) (RefreshResult, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 1
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.Skew <= 0 {
		cfg.Skew = 2 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	all, err := j.DeliveriesIn(ctx, campaign, journal.Submitted, journal.Sent)
	if err != nil {
		return RefreshResult{}, err
	}
	ds := all[:0:0]
	for _, d := range all {
		if cfg.Route != "" && journal.RouteOf(d.Provider, cfg.CampaignProvider) != cfg.Route {
			continue
		}
		if d.ProviderID != "" {
			ds = append(ds, d)
		}
	}
	r := &refresher{j: j, cfg: cfg, total: len(ds)}
	if cfg.Rate > 0 {
		r.pace = &pacer{lim: rate.NewLimiter(rate.Limit(cfg.Rate), cfg.Burst), turn: make(chan struct{}, 1)}
	}
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	r.stop = stop

	rest := ds
	if b, ok := checker.(sms.StatusBatcher); ok && len(ds) > 0 {
		rest = r.batch(runCtx, b, ds)
	}
	if runCtx.Err() == nil {
		r.singles(runCtx, checker, rest)
	}

	res := r.res
	runErr := context.Cause(runCtx)
	if ctx.Err() != nil {
		runErr = ctx.Err()
	}
	bg := context.WithoutCancel(ctx)
	if err := j.Flush(bg); err != nil && runErr == nil {
		runErr = err
	}
	res.Checked, res.Changed = int(r.checked.Load()), int(r.changed.Load())
	res.Counts, err = j.Counts(bg, campaign)
	if err != nil && runErr == nil {
		runErr = err
	}
	res.InFlight = res.Counts[journal.Submitted] + res.Counts[journal.Sent]
	return res, runErr
}

// refresher is one Refresh's shared state.
type refresher struct {
	j     *journal.Journal
	cfg   RefreshConfig
	pace  *pacer // nil without a rate limit
	stop  context.CancelCauseFunc
	total int

	checked, changed atomic.Int64
	mu               sync.Mutex // res, OnEvent
	res              RefreshResult
}

// batch asks b for every delivery at once and applies what it returns; it returns the deliveries
// left to ask one by one.
func (r *refresher) batch(ctx context.Context, b sms.StatusBatcher, ds []journal.Delivery) []journal.Delivery {
	ids := make([]string, len(ds))
	var since time.Time
	for i, d := range ds {
		ids[i] = d.ProviderID
		at := d.SendingAt
		if at.IsZero() {
			at = d.UpdatedAt
		}
		if !at.IsZero() && (since.IsZero() || at.Before(since)) {
			since = at
		}
	}
	if since.IsZero() {
		since = r.cfg.Now()
	}
	if r.pace != nil && r.pace.wait(ctx, 1) != nil {
		return ds
	}
	got, err := b.StatusBatch(ctx, ids, since.Add(-r.cfg.Skew))
	if err != nil {
		if sms.Classify(err).Fatal {
			r.stop(err)
			return nil
		}
		r.res.BatchErr = fmt.Errorf("status by pages: %w", err)
	}
	var rest []journal.Delivery
	for i := range ds {
		rc, ok := got[ds[i].ProviderID]
		if !ok {
			rest = append(rest, ds[i])
			continue
		}
		r.res.Batched++
		r.checked.Add(1)
		if !r.apply(&ds[i], rc) {
			return nil
		}
	}
	return rest
}

// singles asks checker for each delivery of ds, by cfg.Workers workers, paced.
func (r *refresher) singles(ctx context.Context, checker sms.StatusChecker, ds []journal.Delivery) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(r.cfg.Workers, len(ds)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(len(ds)) {
					return
				}
				d := &ds[i]
				if r.pace != nil && r.pace.wait(ctx, 1) != nil {
					return
				}
				rctx, cancel := context.WithTimeout(ctx, r.cfg.RequestTimeout)
				rc, err := checker.Status(rctx, d.ProviderID)
				cancel()
				r.checked.Add(1)
				if err != nil {
					if sms.Classify(err).Fatal {
						r.stop(err)
						return
					}
					r.mu.Lock()
					r.res.Errors++
					if r.res.FirstErr == nil {
						r.res.FirstErr = fmt.Errorf("status of delivery %d (%s): %w", d.Seq, d.ProviderID, err)
					}
					r.mu.Unlock()
					continue
				}
				if !r.apply(d, rc) {
					return
				}
			}
		})
	}
	wg.Wait()
}

// apply records what the provider now says about d, if it says anything new. It reports false
// when the journal failed, which stops the refresh.
func (r *refresher) apply(d *journal.Delivery, rc sms.Receipt) bool {
	state, ok := StateOf(rc.Status)
	if !ok {
		return true
	}
	carrier := rc.Carrier != "" && rc.Carrier != d.Carrier
	segments := rc.Segments > 0 && rc.Segments != d.Segments
	if state == d.State && rc.ErrorCode == d.ErrorCode && !carrier && !segments {
		return true
	}
	u := journal.Update{State: state, ErrorCode: rc.ErrorCode, Reason: rc.Reason, Segments: rc.Segments, Carrier: rc.Carrier, At: r.cfg.Now()}
	if state == d.State && rc.ErrorCode == d.ErrorCode && rc.Reason == "" {
		u.Reason = d.Reason // only the carrier or the segments are new
	}
	if err := r.j.RecordAsync(d.ID, u); err != nil {
		r.stop(fmt.Errorf("record delivery %d: %w", d.ID, err))
		return false
	}
	r.changed.Add(1)
	if r.cfg.OnEvent != nil {
		d.State, d.ErrorCode, d.Reason, d.UpdatedAt = u.State, u.ErrorCode, u.Reason, u.At
		if u.Carrier != "" {
			d.Carrier = u.Carrier
		}
		if u.Segments > 0 {
			d.Segments = u.Segments
		}
		r.mu.Lock()
		r.cfg.OnEvent(Event{Kind: EventDelivery, Delivery: *d, Total: r.total, Done: int(r.checked.Load())})
		r.mu.Unlock()
	}
	return true
}

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
	Now            func() time.Time
	OnEvent        func(Event) // EventDelivery for each delivery whose state changed; serialised
}

// RefreshResult sums up a refresh.
type RefreshResult struct {
	Checked  int   // deliveries asked about
	Changed  int   // deliveries whose state or error code changed
	Errors   int   // lookups that failed; those deliveries were left as they were
	FirstErr error // the first of them, for the message
	InFlight int   // deliveries still submitted or sent afterwards (a --watch loop stops at 0)
	Counts   map[journal.State]int
}

// Refresh asks the provider for the current status of every delivery of campaign it accepted and
// has not reported final (submitted or sent), concurrently and rate-limited, and records the
// changes: queued, accepted and sending stay submitted; sent; delivered; undelivered and failed
// with the provider's error code and reason. A fatal provider error stops it and is returned;
// other lookup errors are counted and leave their delivery as it was.
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
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ds, err := j.DeliveriesIn(ctx, campaign, journal.Submitted, journal.Sent)
	if err != nil {
		return RefreshResult{}, err
	}
	var limiter *rate.Limiter
	if cfg.Rate > 0 {
		limiter = rate.NewLimiter(rate.Limit(cfg.Rate), cfg.Burst)
	}
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)

	var (
		next, checked, changed atomic.Int64
		mu                     sync.Mutex // res.Errors, res.FirstErr, OnEvent
		res                    RefreshResult
		wg                     sync.WaitGroup
	)
	for range min(cfg.Workers, max(len(ds), 1)) {
		wg.Go(func() {
			for runCtx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(len(ds)) {
					return
				}
				d := &ds[i]
				if d.ProviderID == "" {
					continue
				}
				if limiter != nil && limiter.Wait(runCtx) != nil {
					return
				}
				rctx, cancel := context.WithTimeout(runCtx, cfg.RequestTimeout)
				r, err := checker.Status(rctx, d.ProviderID)
				cancel()
				checked.Add(1)
				if err != nil {
					if se := sms.Classify(err); se.Fatal {
						stop(err)
						return
					}
					mu.Lock()
					res.Errors++
					if res.FirstErr == nil {
						res.FirstErr = fmt.Errorf("status of delivery %d (%s): %w", d.Seq, d.ProviderID, err)
					}
					mu.Unlock()
					continue
				}
				state, ok := StateOf(r.Status)
				if !ok || (state == d.State && r.ErrorCode == d.ErrorCode) {
					continue
				}
				u := journal.Update{State: state, ErrorCode: r.ErrorCode, Reason: r.Reason, Segments: r.Segments, At: cfg.Now()}
				if err := j.RecordAsync(d.ID, u); err != nil {
					stop(fmt.Errorf("record delivery %d: %w", d.ID, err))
					return
				}
				changed.Add(1)
				if cfg.OnEvent != nil {
					d.State, d.ErrorCode, d.Reason, d.UpdatedAt = u.State, u.ErrorCode, u.Reason, u.At
					mu.Lock()
					cfg.OnEvent(Event{Kind: EventDelivery, Delivery: *d, Total: len(ds), Done: int(checked.Load())})
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()

	runErr := context.Cause(runCtx)
	if ctx.Err() != nil {
		runErr = ctx.Err()
	}
	bg := context.WithoutCancel(ctx)
	if err := j.Flush(bg); err != nil && runErr == nil {
		runErr = err
	}
	res.Checked, res.Changed = int(checked.Load()), int(changed.Load())
	res.Counts, err = j.Counts(bg, campaign)
	if err != nil && runErr == nil {
		runErr = err
	}
	res.InFlight = res.Counts[journal.Submitted] + res.Counts[journal.Sent]
	return res, runErr
}

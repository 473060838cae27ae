package campaign

import (
	"context"

	"time"

	"github.com/smscast/smscast/pkg/broadcast"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

// RefreshResult sums up a status refresh.
type RefreshResult = broadcast.RefreshResult

// Refresh asks the providers for the receipts of every message of campaign c they accepted and
// have not reported final, by pages where a provider can (sms.StatusBatcher), and records them.
// checkers holds a provider per route name: after a failover each delivery is asked of the route
// that carried it; routes without a checker are left as they are.
func Refresh(ctx context.Context, j *journal.Journal, c journal.Campaign, checkers map[string]sms.StatusChecker, set Settings, prov Provider, now func() time.Time) (RefreshResult, error) {
	var total RefreshResult
	routes, err := j.ProviderCounts(ctx, c.ID)
	if err != nil {
		return total, err
	}
	names := map[string]bool{c.Provider: true}
	for r := range routes {
		names[journal.RouteOf(r, c.Provider)] = true
	}
	for name := range names {
		checker := checkers[name]
		if checker == nil {
			continue
		}
		res, err := broadcast.Refresh(ctx, j, c.ID, checker, broadcast.RefreshConfig{
			Workers: set.Workers, Rate: set.rate(prov), Now: now, Route: name, CampaignProvider: c.Provider,
		})
		total.Checked += res.Checked
		total.Changed += res.Changed
		total.Errors += res.Errors
		total.Batched += res.Batched
		if total.FirstErr == nil {
			total.FirstErr = res.FirstErr
		}
		if total.BatchErr == nil {
			total.BatchErr = res.BatchErr
		}
		if err != nil {
			return total, err
		}
	}
	counts, err := j.Counts(ctx, c.ID)
	if err != nil {
		return total, err
	}
	total.Counts = counts
	total.InFlight = counts[journal.Submitted] + counts[journal.Sent]
	return total, nil
}

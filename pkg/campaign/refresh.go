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

// Refresh asks the provider for the receipts of every message of campaign c it accepted and has
// not reported final, by pages where the provider can (sms.StatusBatcher), and records them.
func Refresh(ctx context.Context, j *journal.Journal, c journal.Campaign, checker sms.StatusChecker, set Settings, prov Provider, now func() time.Time) (RefreshResult, error) {
	return broadcast.Refresh(ctx, j, c.ID, checker, broadcast.RefreshConfig{
		Workers: set.Workers, Rate: set.rate(prov), Now: now,
	})
}

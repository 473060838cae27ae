//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package journal

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPurgeIsRefusedWhileACampaignIsBeingSent(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name     string
		finished bool
	}{{"an unfinished campaign", false}, {"a finished campaign about to be purged", true}} {
		t.Run(tt.name, func(t *testing.T) {
			j, path := openTemp(t)
			done, running := plan(2), plan(2)
			mustCreate(t, j, "done", done)
			finish(t, j, done, t0)
			mustCreate(t, j, "running", running)
			if tt.finished {
				finish(t, j, running, t0)
			}
			startLockChild(t, path, "running")
			_, err := j.Purge(ctx, PurgeOptions{Before: t0.Add(time.Hour)})
			var le *LockedError
			if !errors.As(err, &le) || le.Campaign != "running" {
				t.Fatalf("err = %v, want running's lock named", err)
			}
			if ds, _ := j.Deliveries(ctx, "done"); ds[0].To == "" {
				t.Error("a refused purge removed data")
			}
		})
	}
}

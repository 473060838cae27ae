package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/smscast/smscast/pkg/broadcast"
)

// progress shows a run's progress on stderr: a bar on a terminal, otherwise a plain line every few
// seconds so that cron logs show the run is alive.
type progress struct {
	d        *Deps
	w        io.Writer
	bar      *progressbar.ProgressBar
	last     time.Time
	interval time.Duration
	done     int
	total    int
	failed   int
	real     bool
}

func newProgress(d *Deps, w io.Writer, real bool) *progress {
	return &progress{d: d, w: d.Stderr, interval: 5 * time.Second, real: real}
}

// event is the engine's OnEvent callback; the engine serialises calls.
func (p *progress) event(e broadcast.Event) {
	switch e.Kind {
	case broadcast.EventStart:
		p.total = e.Total
		p.last = p.d.Now()
		if p.d.StderrTTY && e.Total > 0 {
			desc := "sending"
			if !p.real {
				desc = "sending (simulated)"
			}
			p.bar = progressbar.NewOptions(e.Total,
				progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription(desc),
				progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
		}
	case broadcast.EventDelivery:
		p.done = e.Done
		if e.Err != nil {
			p.failed++
		}
		if p.bar != nil {
			_ = p.bar.Set(e.Done)
			return
		}
		if now := p.d.Now(); now.Sub(p.last) >= p.interval {
			p.last = now
			fmt.Fprintf(p.w, "%s sent %d of %d (%d failed)\n", now.Format("15:04:05"), p.done, p.total, p.failed)
		}
	case broadcast.EventPause, broadcast.EventRetry:
		if e.Kind == broadcast.EventRetry && p.bar != nil {
			return
		}
		if p.bar != nil {
			_ = p.bar.Clear()
		}
		if e.Message != "" {
			fmt.Fprintf(p.w, "%s %s\n", p.d.Now().Format("15:04:05"), e.Message)
		}
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

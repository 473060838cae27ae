package cli

import (
	"context"
	"io"
	"time"

	"github.com/smscast/smscast/pkg/i18n"
	"github.com/smscast/smscast/pkg/journal"
)

// printStopped names every campaign whose last send stopped mid-send (deliveries left sending:
// a crash, a kill, a power cut) and that no live process is sending now, with what to do. A
// journal that cannot say is not worth failing history or status over: nothing is printed.
func printStopped(ctx context.Context, w io.Writer, j *journal.Journal, loc *time.Location) {
	printStoppedIn(ctx, i18n.For(i18n.EN), w, j, loc)
}

// printStoppedIn is printStopped in p's language.
func printStoppedIn(ctx context.Context, p *i18n.Printer, w io.Writer, j *journal.Journal, loc *time.Location) {
	us, err := j.Unfinished(ctx)
	if err != nil {
		return
	}
	for _, u := range us {
		if u.Sending == 0 {
			continue
		}
		if held, err := j.Held(ctx, u.Campaign); err != nil || held != nil {
			continue // being sent right now, or unknown: not a stopped run
		}
		p.Fprintf(w, "The last send of %s stopped at %s without finishing (%d pending, %d being sent when it stopped): run the same send command again to resume it; nothing accepted is sent twice.\n",
			u.Campaign, u.LastAt.In(loc).Format("01-02 15:04"), u.Pending, u.Sending)
	}
}

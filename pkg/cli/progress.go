package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
	"github.com/schollz/progressbar/v3"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/i18n"
)

// printer shows a run's progress to a person or a program. The engine serialises calls to event;
// finish comes once the run is over, end once its result is known (only with --events is it
// printed). Each way of showing is a small type of its own; newPrinter composes them.
type printer interface {
	event(e campaign.Event)
	finish()
	end(r sendResult)
}

// newPrinter is how a send shows its progress: with --events NDJSON on stdout, and on stderr a bar
// when it is a terminal, otherwise a line every few seconds so that cron logs show the run is
// alive. Pauses and failovers are said in words on stderr either way. Every time is shown in loc,
// the configured timezone, and every sentence in p's language (English when nil).
func newPrinter(d *Deps, real, events bool, loc *time.Location, p *i18n.Printer) printer {
	var ps printers
	if events {
		ps = append(ps, newNDJSONPrinter(d.Stdout, d.Now, loc))
	}
	if d.StderrTTY {
		ps = append(ps, &barPrinter{w: d.Stderr, now: d.Now, loc: loc, p: p, real: real})
	} else {
		ps = append(ps, &linePrinter{w: d.Stderr, now: d.Now, loc: loc, p: p, interval: progressInterval})
	}
	return ps
}

// progressInterval is how often a run without a terminal says how far it is.
const progressInterval = 5 * time.Second

// printers shows a run through each of its printers in turn.
type printers []printer

func (ps printers) event(e campaign.Event) {
	for _, p := range ps {
		p.event(e)
	}
}

func (ps printers) finish() {
	for _, p := range ps {
		p.finish()
	}
}

func (ps printers) end(r sendResult) {
	for _, p := range ps {
		p.end(r)
	}
}

// ndjson is one --events line.
type ndjson struct {
	Event   string      `json:"event"`
	Time    string      `json:"time"`
	Done    int         `json:"done,omitempty"`
	Total   int         `json:"total,omitempty"`
	Rows    []int       `json:"rows,omitempty"`
	To      string      `json:"to,omitempty"` // masked
	State   string      `json:"state,omitempty"`
	Reason  string      `json:"reason,omitempty"`
	Message string      `json:"message,omitempty"`
	Result  *sendResult `json:"result,omitempty"`
}

// ndjsonPrinter writes --events: a JSON object a line, with a progress line every interval.
type ndjsonPrinter struct {
	enc      *json.Encoder
	now      func() time.Time
	loc      *time.Location
	interval time.Duration
	last     time.Time // when progress was last reported
	done     int
	total    int
}

func newNDJSONPrinter(w io.Writer, now func() time.Time, loc *time.Location) *ndjsonPrinter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &ndjsonPrinter{enc: enc, now: now, loc: loc, interval: progressInterval}
}

func (n *ndjsonPrinter) emit(e ndjson) {
	e.Time = n.now().In(n.loc).Format(time.RFC3339)
	_ = n.enc.Encode(e)
}

func (n *ndjsonPrinter) event(e campaign.Event) {
	switch e.Kind {
	case campaign.EventStart:
		n.total, n.last = e.Total, n.now()
		n.emit(ndjson{Event: "start", Total: e.Total})
	case campaign.EventDelivery:
		n.done = e.Done
		var rows []int
		for _, pt := range e.Delivery.Patients {
			rows = append(rows, pt.Row)
		}
		n.emit(ndjson{Event: "delivery", Done: e.Done, Total: n.total, Rows: rows, To: maskPhone(e.Delivery.To),
			State: string(e.Delivery.State), Reason: e.Delivery.Reason})
		if now := n.now(); now.Sub(n.last) >= n.interval {
			n.last = now
			n.emit(ndjson{Event: "progress", Done: n.done, Total: n.total})
		}
	case campaign.EventPause:
		n.emit(ndjson{Event: "pause", Message: e.Message})
	case campaign.EventFailover:
		n.emit(ndjson{Event: "failover", Message: e.Message})
	}
}

func (n *ndjsonPrinter) finish() {}

func (n *ndjsonPrinter) end(r sendResult) {
	n.emit(ndjson{Event: "end", Done: n.done, Total: n.total, Result: &r})
}

// barPrinter draws a progress bar on a terminal, cleared for a pause or a failover to be said and
// when the run is over.
type barPrinter struct {
	w    io.Writer
	now  func() time.Time
	loc  *time.Location
	p    *i18n.Printer
	real bool // a real provider: the bar does not say "simulated"
	bar  *progressbar.ProgressBar
}

func (b *barPrinter) event(e campaign.Event) {
	switch e.Kind {
	case campaign.EventStart:
		if e.Total == 0 {
			return
		}
		desc := b.p.Text("sending")
		if !b.real {
			desc = b.p.Text("sending (simulated)")
		}
		b.bar = progressbar.NewOptions(e.Total,
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	case campaign.EventDelivery:
		if b.bar != nil {
			_ = b.bar.Set(e.Done)
		}
	case campaign.EventPause, campaign.EventFailover:
		if b.bar != nil {
			_ = b.bar.Clear()
		}
		noticeLine(b.w, b.now().In(b.loc), b.p, e)
	}
}

func (b *barPrinter) finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
	}
}

func (b *barPrinter) end(sendResult) {}

// linePrinter writes a line every interval, for logs (cron, a pipe): "09:30:05 sent 40 of 120
// (1 failed)".
type linePrinter struct {
	w        io.Writer
	now      func() time.Time
	loc      *time.Location
	p        *i18n.Printer
	interval time.Duration
	last     time.Time // when a line was last written
	done     int
	total    int
	failed   int
}

func (l *linePrinter) event(e campaign.Event) {
	switch e.Kind {
	case campaign.EventStart:
		l.total, l.last = e.Total, l.now()
	case campaign.EventDelivery:
		l.done = e.Done
		if e.Err != nil {
			l.failed++
		}
		if now := l.now().In(l.loc); now.Sub(l.last) >= l.interval {
			l.last = now
			l.p.Fprintf(l.w, "%s sent %d of %d (%d failed)\n", now.Format("15:04:05"), l.done, l.total, l.failed)
		}
	case campaign.EventPause, campaign.EventFailover:
		noticeLine(l.w, l.now().In(l.loc), l.p, e)
	}
}

func (l *linePrinter) finish() {}

func (l *linePrinter) end(sendResult) {}

// noticeLine says a pause or a failover in words, at time now, whatever else is shown: the
// manager must know why the send waits and when the route changed.
func noticeLine(w io.Writer, now time.Time, p *i18n.Printer, e campaign.Event) {
	var text string
	switch e.Kind {
	case campaign.EventPause:
		if e.Message == "" {
			return
		}
		text = localizeText(p, e.Message)
	case campaign.EventFailover:
		text = failoverText(p, e)
	default:
		return
	}
	fmt.Fprintf(w, "%s %s\n", now.Format("15:04:05"), text)
}

// maskPhone hides the middle of a number for logs: +819012345678 becomes +81 90-****-5678.
func maskPhone(e164 string) string {
	if e164 == "" {
		return ""
	}
	formatted := e164
	if n, err := phonenumbers.Parse(e164, ""); err == nil {
		formatted = phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
	}
	// Keep the country code, the first group after it and the last four digits.
	cc, rest, ok := strings.Cut(formatted, " ")
	if !ok {
		cc, rest = "", formatted
	}
	first, tail, ok := strings.Cut(rest, "-")
	if !ok {
		first, tail = "", rest
	}
	digits := 0
	for _, r := range tail {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	var b strings.Builder
	seen := 0
	for _, r := range tail {
		if r >= '0' && r <= '9' {
			seen++
			if seen <= digits-4 {
				b.WriteByte('*')
				continue
			}
		}
		b.WriteRune(r)
	}
	out := b.String()
	if first != "" {
		out = first + "-" + out
	}
	if cc != "" {
		out = cc + " " + out
	}
	return out
}

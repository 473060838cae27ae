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

// progress shows a run's progress: a bar on stderr when it is a terminal, otherwise a plain line
// every few seconds so that cron logs show the run is alive, and with --events NDJSON on stdout.
type progress struct {
	d        *Deps
	w        io.Writer // stderr
	events   *json.Encoder
	bar      *progressbar.ProgressBar
	last     time.Time
	interval time.Duration
	done     int
	total    int
	failed   int
	real     bool
	loc      *time.Location // the configured timezone, for every time shown
	p        *i18n.Printer  // the language of the lines; English when nil
}

func newProgress(d *Deps, real, events bool, loc *time.Location) *progress {
	p := &progress{d: d, w: d.Stderr, interval: 5 * time.Second, real: real, loc: loc}
	if events {
		p.events = json.NewEncoder(d.Stdout)
		p.events.SetEscapeHTML(false)
	}
	return p
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

func (p *progress) emit(e ndjson) {
	if p.events == nil {
		return
	}
	e.Time = p.d.Now().In(p.loc).Format(time.RFC3339)
	_ = p.events.Encode(e)
}

// event is the engine's OnEvent callback; the engine serialises calls.
func (p *progress) event(e campaign.Event) {
	switch e.Kind {
	case campaign.EventStart:
		p.total = e.Total
		p.last = p.d.Now()
		p.emit(ndjson{Event: "start", Total: e.Total})
		if p.d.StderrTTY && e.Total > 0 {
			desc := p.p.Text("sending")
			if !p.real {
				desc = p.p.Text("sending (simulated)")
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
	case campaign.EventDelivery:
		p.done = e.Done
		if e.Err != nil {
			p.failed++
		}
		var rows []int
		for _, pt := range e.Delivery.Patients {
			rows = append(rows, pt.Row)
		}
		p.emit(ndjson{Event: "delivery", Done: e.Done, Total: p.total, Rows: rows, To: maskPhone(e.Delivery.To),
			State: string(e.Delivery.State), Reason: e.Delivery.Reason})
		if p.bar != nil {
			_ = p.bar.Set(e.Done)
			return
		}
		if now := p.d.Now().In(p.loc); now.Sub(p.last) >= p.interval {
			p.last = now
			p.emit(ndjson{Event: "progress", Done: p.done, Total: p.total})
			p.p.Fprintf(p.w, "%s sent %d of %d (%d failed)\n", now.Format("15:04:05"), p.done, p.total, p.failed)
		}
	case campaign.EventPause:
		if p.bar != nil {
			_ = p.bar.Clear()
		}
		p.emit(ndjson{Event: "pause", Message: e.Message})
		if e.Message != "" {
			fmt.Fprintf(p.w, "%s %s\n", p.d.Now().In(p.loc).Format("15:04:05"), localizeText(p.p, e.Message))
		}
	case campaign.EventFailover:
		// Said once, plainly, whatever else is shown: the manager must know the route changed.
		if p.bar != nil {
			_ = p.bar.Clear()
		}
		p.emit(ndjson{Event: "failover", Message: e.Message})
		fmt.Fprintf(p.w, "%s %s\n", p.d.Now().In(p.loc).Format("15:04:05"), failoverText(p.p, e))
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

func (p *progress) end(r sendResult) {
	p.emit(ndjson{Event: "end", Done: p.done, Total: p.total, Result: &r})
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

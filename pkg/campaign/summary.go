package campaign

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/message"
	"github.com/smscast/smscast/pkg/roster"
)

// Summary is what a front end shows before sending: data, formatted by each front end.
type Summary struct {
	List        string
	Rows        int
	Encoding    string
	PhoneColumn string
	Messages    int // messages the list holds for this send
	Patients    int // patients they reach (more when patients share a number)
	NotSent     []ClassCount
	First       Example // the message as the first recipient sees it
	Replaced    []string
	Lengths     *Lengths // set when the messages differ in length
	Warnings    []string // part limits, characters that force UCS-2
	Costs       []Cost
	Provider    string
	Real        bool
	Rate        float64 // messages per second; 0 = no limit
	Workers     int
	Segments    int
	Estimate    time.Duration
	Test        bool
	QuietHours  bool   // quiet hours are configured
	Timing      string // which quiet-hours rule applies
	Resolution  *Resolution
	ToSend      int             // messages this run will send
	Shared      []roster.Shared // numbers on more rows than max_share: a data problem
}

// ClassCount is how many rows are not sent for one reason.
type ClassCount struct {
	Class roster.Class
	Rows  int
}

// Example is one message with its counts.
type Example struct {
	Row  int
	Name string
	Body string
	Info message.Info
}

// Lengths are the typical and the longest message when they differ.
type Lengths struct {
	Typical, Longest message.Info
}

// Cost is the estimate in one currency.
type Cost struct {
	Total           float64
	Currency        string
	Segments        int
	Unpriced        int
	UnpricedRegions []string
}

// Summary describes the plan for the pre-send summary.
func (p *Plan) Summary() Summary {
	s := Summary{List: p.List.Path, Rows: p.rows, Encoding: p.List.Encoding, PhoneColumn: p.List.PhoneColumn,
		Provider: p.In.Provider.Name, Real: p.In.Provider.Real, Rate: p.In.Settings.rate(p.In.Provider),
		Workers: p.In.Settings.Workers, Test: p.In.Test, QuietHours: !p.In.Settings.QuietHours.IsZero(),
		Timing: p.Timing.Summary, Resolution: p.Resolution, ToSend: p.ToSend(), Shared: p.List.Shared}
	var bodies []string
	var bill []message.Billable
	for i, d := range p.Deliveries {
		if d.State == journal.Pending {
			s.Messages++
			s.Patients += p.Reach(i)
			s.Segments += d.Segments
			bodies = append(bodies, d.Body)
			bill = append(bill, message.Billable{Region: regionOf(d.To), Segments: d.Segments})
		}
	}
	for _, c := range sortedClasses(p.skipped) {
		s.NotSent = append(s.NotSent, ClassCount{Class: c, Rows: p.skipped[c]})
	}
	s.First = Example{Row: p.firstRow.Row, Name: p.firstRow.Name, Body: p.firstBody, Info: message.Count(p.firstBody)}
	for k := range p.replaced {
		s.Replaced = append(s.Replaced, fmt.Sprintf("%q→%q", k[0], k[1]))
	}
	sort.Strings(s.Replaced)
	sum := message.SummarizeLimit(bodies, p.In.Settings.MaxParts)
	if sum.Longest.Body != sum.Typical.Body {
		s.Lengths = &Lengths{Typical: sum.Typical.Info, Longest: sum.Longest.Info}
	}
	s.Warnings = sum.Warnings
	if len(p.In.Settings.Prices) > 0 {
		prices := message.Prices{}
		for k, v := range p.In.Settings.Prices {
			prices[k] = message.Price{PerSegment: v, Currency: p.In.Settings.Currency}
		}
		cost := prices.Estimate(bill)
		for cur, total := range cost.Totals {
			s.Costs = append(s.Costs, Cost{Total: total, Currency: cur, Segments: cost.Segments,
				Unpriced: cost.Unpriced, UnpricedRegions: cost.UnpricedRegions})
		}
		sort.Slice(s.Costs, func(i, k int) bool { return s.Costs[i].Currency < s.Costs[k].Currency })
	}
	s.Estimate = estimate(s.ToSend, s.Rate, p.In.Provider.Latency, s.Workers)
	return s
}

// estimate is how long sending n messages takes at rate messages per second with workers
// requests in flight, each taking latency: whichever bounds it.
func estimate(n int, rate float64, latency time.Duration, workers int) time.Duration {
	var est time.Duration
	if rate > 0 {
		est = time.Duration(float64(n) / rate * float64(time.Second))
	}
	if latency > 0 && workers > 0 {
		est = max(est, time.Duration(n)*latency/time.Duration(workers))
	}
	return est
}

// DryRun is what `send --dry-run --json` prints: every message with its counts.
type DryRun struct {
	DryRun     bool             `json:"dry_run"`
	Provider   string           `json:"provider"`
	List       string           `json:"list"`
	Rows       int              `json:"rows"`
	Planned    int              `json:"planned"`
	Skipped    int              `json:"skipped"`
	Segments   int              `json:"segments"`
	Deliveries []DryRunDelivery `json:"deliveries"`
	NotSent    []DryRunSkipped  `json:"not_sent"`
}

// DryRunDelivery is one message of a dry run.
type DryRunDelivery struct {
	Row        int    `json:"row"`
	Rows       []int  `json:"rows"`
	Name       string `json:"name"`
	To         string `json:"to"`
	Body       string `json:"body"`
	Encoding   string `json:"encoding"`
	Segments   int    `json:"segments"`
	Characters int    `json:"characters"`
}

// DryRunSkipped is one row a dry run would not text.
type DryRunSkipped struct {
	Row    int    `json:"row"`
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Reason string `json:"reason"`
}

// DryRun lists every message of the plan.
func (p *Plan) DryRun() DryRun {
	r := p.DryRunHead()
	r.Deliveries, r.NotSent = []DryRunDelivery{}, []DryRunSkipped{}
	_ = p.EachDryRun(func(dd *DryRunDelivery) error {
		dd.Rows = slices.Clone(dd.Rows)
		r.Deliveries = append(r.Deliveries, *dd)
		return nil
	}, func(ds *DryRunSkipped) error {
		r.NotSent = append(r.NotSent, *ds)
		return nil
	})
	return r
}

// DryRunHead is DryRun without its Deliveries and NotSent (both nil): the counts, for a front
// end that writes the messages one by one with EachDryRun rather than hold them all (a million
// rows of one number are one message with a million rows).
func (p *Plan) DryRunHead() DryRun {
	r := DryRun{DryRun: true, Provider: p.In.Provider.Name, List: p.List.Path, Rows: p.rows}
	for _, d := range p.Deliveries {
		if d.State == journal.Skipped {
			r.Skipped++
			continue
		}
		r.Planned++
		r.Segments += message.Count(d.Body).Segments
	}
	return r
}

// EachDryRun calls deliver for every message of DryRun and skip for every row it does not
// text, in plan order, and stops at the first error they return; a nil one is not called. What
// they are given is only theirs during the call: dd.Rows is reused.
func (p *Plan) EachDryRun(deliver func(dd *DryRunDelivery) error, skip func(ds *DryRunSkipped) error) error {
	rows := []int{}
	for i, d := range p.Deliveries {
		if (d.State == journal.Skipped && skip == nil) || (d.State != journal.Skipped && deliver == nil) {
			continue
		}
		if d.State == journal.Skipped {
			pt := d.Patients[0]
			if err := skip(&DryRunSkipped{Row: pt.Row, Name: pt.Name, Phone: pt.Phone, Reason: d.Reason}); err != nil {
				return err
			}
			continue
		}
		info := message.Count(d.Body)
		rows = p.rowsOf(rows[:0], i)
		dd := DryRunDelivery{Row: d.Patients[0].Row, Name: d.Patients[0].Name, To: d.To, Body: d.Body,
			Encoding: info.Encoding, Segments: info.Segments, Characters: info.Characters, Rows: rows}
		if err := deliver(&dd); err != nil {
			return err
		}
	}
	return nil
}

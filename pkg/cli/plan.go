package cli

import (
	"context"
	"fmt"
	"github.com/nyaruka/phonenumbers"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/message"
	"github.com/smscast/smscast/pkg/roster"
)

// plan is a campaign before it is written to the journal: one delivery per message to send, one
// skipped delivery per row that cannot receive SMS.
type plan struct {
	deliveries []journal.Delivery
	firstRow   roster.Row // the first recipient, whose message the summary shows
	firstBody  string
	skipped    map[roster.Class]int
	// replaced holds the look-alike characters smart encoding replaced in any message.
	replaced map[[2]string]bool
}

func (p *plan) sendable() int {
	n := 0
	for _, d := range p.deliveries {
		if d.State == journal.Pending {
			n++
		}
	}
	return n
}

// langColumns are the headers a per-patient language may come from.
var langColumns = []string{"lang", "言語", "language"}

// buildPlan renders the message for every row that can receive it and lays out the deliveries.
// Patients who share a number and would get the identical text get one message together; when
// their texts differ (personalised), each gets their own.
func buildPlan(cfg *Config, o *sendOptions, tmpl *message.Template, list *roster.List, vars map[string]string, now time.Time) (*plan, error) {
	// now is in the configured timezone: "today" in a message is the clinic's today.
	env := message.Env{Lang: cfg.Lang, Vars: map[string]string{}, Now: now, Smart: o.SmartEncoding}
	if cfg.Clinic != "" {
		env.Vars["Clinic"] = cfg.Clinic
	}
	if cfg.ClinicPhone != "" {
		env.Vars["ClinicPhone"] = cfg.ClinicPhone
	}
	if cfg.ClinicEN != "" {
		env.LangVars = map[string]map[string]string{"en": {"Clinic": cfg.ClinicEN}}
	}
	for k, v := range vars {
		env.Vars[k] = v
	}

	var inputs []message.Input
	var rows []roster.Row
	for _, r := range list.Rows {
		if r.Class != roster.Sendable && r.Class != roster.Duplicate {
			continue
		}
		fields := make(map[string]string, len(r.Fields)+2)
		for k, v := range r.Fields {
			fields[k] = v
		}
		fields["Name"] = r.Name
		fields["Phone"] = r.E164
		in := message.Input{Row: r.Row, Fields: fields}
		for _, c := range langColumns {
			if v := strings.TrimSpace(r.Fields[c]); v != "" {
				in.Lang = v
				break
			}
		}
		inputs = append(inputs, in)
		rows = append(rows, r)
	}
	rendered, err := tmpl.RenderEach(inputs, env)
	if err != nil {
		return nil, err
	}
	body := make(map[int]string, len(rows))
	replaced := map[[2]string]bool{}
	for i, r := range rows {
		for _, rep := range rendered[i].Replacements {
			replaced[[2]string{rep.From, rep.To}] = true
		}
		b := rendered[i].Body
		if o.Test && !strings.Contains(b, strings.TrimSpace(testMarker(rendered[i].Lang))) {
			b = testMarker(rendered[i].Lang) + b
		}
		body[r.Row] = b
	}

	p := &plan{skipped: map[roster.Class]int{}, replaced: replaced}
	shared := map[string]int{} // number + text → index of its delivery
	for _, r := range list.Rows {
		patient := journal.Patient{Row: r.Row, Name: r.Name, Phone: r.Phone, Column: r.PhoneColumn}
		b, ok := body[r.Row]
		if !ok {
			p.skipped[r.Class]++
			p.deliveries = append(p.deliveries, journal.Delivery{
				Patients: []journal.Patient{patient}, To: r.E164,
				State: journal.Skipped, Reason: r.Reason,
			})
			continue
		}
		key := r.E164 + "\x00" + b
		if i, ok := shared[key]; ok {
			p.deliveries[i].Patients = append(p.deliveries[i].Patients, patient)
			continue
		}
		if p.firstBody == "" {
			p.firstRow, p.firstBody = r, b
		}
		shared[key] = len(p.deliveries)
		p.deliveries = append(p.deliveries, journal.Delivery{
			Patients: []journal.Patient{patient}, To: r.E164, Body: b,
			Segments: message.Count(b).Segments, State: journal.Pending,
		})
	}
	for i := range p.deliveries {
		p.deliveries[i].Seq = i
	}
	return p, nil
}

// applyProvider refuses, before anything exists, what the provider would refuse: a message longer
// than it takes is an error naming the rows; a number it cannot text is skipped with its reason
// and goes on the call list.
func (p *plan) applyProvider(name string, spec providerSpec) error {
	var long []int
	longest := 0
	for i := range p.deliveries {
		d := &p.deliveries[i]
		if d.State != journal.Pending {
			continue
		}
		if spec.sendable != nil {
			if ok, reason := spec.sendable(d.To); !ok {
				d.State, d.Reason, d.Body, d.Segments = journal.Skipped, reason, "", 0
				p.skipped[roster.Class("provider")]++
				continue
			}
		}
		if n := message.Count(d.Body).Characters; spec.maxChars > 0 && n > spec.maxChars {
			longest = max(longest, n)
			for _, pt := range d.Patients {
				long = append(long, pt.Row)
			}
		}
	}
	if len(long) > 0 {
		return usageErr("shorten the message or the --var values: nothing was sent",
			"the message is %d characters long for %s, and %s sends at most %d: %s",
			longest, rowsText(long), name, spec.maxChars, "no campaign was created")
	}
	return nil
}

// rowsText names rows as "row 7" or "rows 2, 3, 5 and 12 more".
func rowsText(rows []int) string {
	const show = 10
	parts := make([]string, 0, show)
	for _, r := range rows[:min(len(rows), show)] {
		parts = append(parts, fmt.Sprint(r))
	}
	s := strings.Join(parts, ", ")
	if len(rows) > show {
		s += fmt.Sprintf(" and %d more", len(rows)-show)
	}
	if len(rows) == 1 {
		return "row " + s
	}
	return "rows " + s
}

// dryRunDelivery is one element of the dry run's JSON deliveries array.
type dryRunDelivery struct {
	Row        int    `json:"row"`
	Rows       []int  `json:"rows"`
	Name       string `json:"name"`
	To         string `json:"to"`
	Body       string `json:"body"`
	Encoding   string `json:"encoding"`
	Segments   int    `json:"segments"`
	Characters int    `json:"characters"`
}

type dryRunSkipped struct {
	Row    int    `json:"row"`
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Reason string `json:"reason"`
}

type dryRunResult struct {
	DryRun     bool             `json:"dry_run"`
	Provider   string           `json:"provider"`
	List       string           `json:"list"`
	Rows       int              `json:"rows"`
	Planned    int              `json:"planned"`
	Skipped    int              `json:"skipped"`
	Segments   int              `json:"segments"`
	Deliveries []dryRunDelivery `json:"deliveries"`
	NotSent    []dryRunSkipped  `json:"not_sent"`
}

func (p *plan) dryRun(cfg *Config, list *roster.List) dryRunResult {
	r := dryRunResult{DryRun: true, Provider: cfg.Provider, List: list.Path, Rows: len(list.Rows),
		Deliveries: []dryRunDelivery{}, NotSent: []dryRunSkipped{}}
	for _, d := range p.deliveries {
		if d.State == journal.Skipped {
			pt := d.Patients[0]
			r.NotSent = append(r.NotSent, dryRunSkipped{Row: pt.Row, Name: pt.Name, Phone: pt.Phone, Reason: d.Reason})
			r.Skipped++
			continue
		}
		info := message.Count(d.Body)
		dd := dryRunDelivery{Row: d.Patients[0].Row, Name: d.Patients[0].Name, To: d.To, Body: d.Body,
			Encoding: info.Encoding, Segments: info.Segments, Characters: info.Characters}
		for _, pt := range d.Patients {
			dd.Rows = append(dd.Rows, pt.Row)
		}
		r.Deliveries = append(r.Deliveries, dd)
		r.Planned++
		r.Segments += info.Segments
	}
	return r
}

// printSummary shows what is about to happen, before anything is sent.
func printSummary(w io.Writer, cfg *Config, spec providerSpec, o *sendOptions, list *roster.List, p *plan) {
	if !spec.real {
		fmt.Fprintln(w, "SIMULATOR: no real SMS will be sent (provider sim).")
	}
	fmt.Fprintf(w, "List:       %s — %d rows, %s, phone column %q\n", list.Path, len(list.Rows), list.Encoding, list.PhoneColumn)
	n := p.sendable()
	patients := 0
	segments := 0
	for _, d := range p.deliveries {
		if d.State == journal.Pending {
			patients += len(d.Patients)
			segments += d.Segments
		}
	}
	fmt.Fprintf(w, "Recipients: %d messages to %d patients", n, patients)
	if patients > n {
		fmt.Fprintf(w, " (%d share a number with another patient and get one message together)", patients-n)
	}
	fmt.Fprintln(w)
	if len(p.skipped) > 0 {
		total := 0
		var parts []string
		for _, c := range sortedClasses(p.skipped) {
			total += p.skipped[c]
			parts = append(parts, fmt.Sprintf("%d %s", p.skipped[c], classWords(c)))
		}
		fmt.Fprintf(w, "Not sent:   %d rows (%s): they go on the call list\n", total, strings.Join(parts, ", "))
	}
	info := message.Count(p.firstBody)
	fmt.Fprintf(w, "Message to row %d (%s): %s, %d characters, %d segment%s\n",
		p.firstRow.Row, p.firstRow.Name, info.Encoding, info.Characters, info.Segments, plural(info.Segments))
	for _, line := range strings.Split(p.firstBody, "\n") {
		fmt.Fprintf(w, "  │ %s\n", line)
	}
	if len(p.replaced) > 0 {
		var reps []string
		for k := range p.replaced {
			reps = append(reps, fmt.Sprintf("%q→%q", k[0], k[1]))
		}
		sort.Strings(reps)
		fmt.Fprintf(w, "Smart encoding replaced: %s\n", strings.Join(reps, ", "))
	}
	var bodies []string
	var bill []message.Billable
	for _, d := range p.deliveries {
		if d.State == journal.Pending {
			bodies = append(bodies, d.Body)
			bill = append(bill, message.Billable{Region: regionOf(d.To), Segments: d.Segments})
		}
	}
	sum := message.SummarizeLimit(bodies, cfg.MaxParts)
	if sum.Longest.Body != sum.Typical.Body {
		fmt.Fprintf(w, "Lengths:    typical %s %d characters, %d segment%s; longest %s %d characters, %d segment%s\n",
			sum.Typical.Info.Encoding, sum.Typical.Info.Characters, sum.Typical.Info.Segments, plural(sum.Typical.Info.Segments),
			sum.Longest.Info.Encoding, sum.Longest.Info.Characters, sum.Longest.Info.Segments, plural(sum.Longest.Info.Segments))
	}
	for _, warn := range sum.Warnings {
		fmt.Fprintf(w, "WARNING:    %s\n", warn)
	}
	if len(cfg.Prices) > 0 {
		prices := message.Prices{}
		for k, v := range cfg.Prices {
			prices[k] = message.Price{PerSegment: v, Currency: cfg.Currency}
		}
		cost := prices.Estimate(bill)
		for cur, total := range cost.Totals {
			fmt.Fprintf(w, "Cost:       about %.2f %s for %d segments", total, cur, cost.Segments)
			if cost.Unpriced > 0 {
				fmt.Fprintf(w, " (%d messages to %s have no price)", cost.Unpriced, strings.Join(cost.UnpricedRegions, ", "))
			}
			fmt.Fprintln(w)
		}
	}
	rate := cfg.Rate
	if !cfg.rateSet {
		rate = spec.defaultRate
	}
	rateText := "no rate limit"
	est := time.Duration(0)
	if rate > 0 {
		rateText = fmt.Sprintf("%g messages/s", rate)
		est = time.Duration(float64(n) / rate * float64(time.Second))
	}
	real := "real SMS"
	if !spec.real {
		real = "simulated, no real SMS"
	}
	fmt.Fprintf(w, "Provider:   %s (%s), %s, %d workers, %d segments in all; estimated time %s\n",
		cfg.Provider, real, rateText, cfg.Workers, segments, humanDuration(est))
}

// regionOf is the ISO region of an E.164 number, for pricing.
func regionOf(e164 string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	return phonenumbers.GetRegionCodeForNumber(n)
}

func sortedClasses(m map[roster.Class]int) []roster.Class {
	cs := make([]roster.Class, 0, len(m))
	for c := range m {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, k int) bool { return cs[i] < cs[k] })
	return cs
}

func classWords(c roster.Class) string {
	switch c {
	case roster.Empty:
		return "no number"
	case roster.OptedOut:
		return "opted out"
	case roster.TollFree:
		return "toll-free"
	case roster.VoIP:
		return "IP phone (050)"
	case "provider":
		return "not sendable through this provider"
	}
	return string(c)
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func printResult(w io.Writer, r sendResult, real bool) {
	sim := ""
	if !real {
		sim = " (simulated: no real SMS was sent)"
	}
	fmt.Fprintf(w, "Campaign %s: %d sent this run, %d accepted, %d failed, %d unknown, %d pending, %d not sendable%s\n",
		r.Campaign, r.SentThisRun, r.Accepted, r.Failed, r.Unknown, r.Pending, r.Skipped, sim)
	fmt.Fprintf(w, "Report:     %s\nCall list:  %s\n", r.Report, r.CallList)
}

// loadOptOuts gathers the numbers that must not be texted: the config's opt-out file and the
// numbers providers reported as opted out.
func loadOptOuts(ctx context.Context, cfg *Config, j *journal.Journal) (map[string]bool, error) {
	out := map[string]bool{}
	if j != nil {
		m, err := j.OptedOut(ctx)
		if err != nil {
			return nil, failErr(err, "")
		}
		out = m
	}
	if cfg.OptoutFile != "" {
		nums, err := roster.LoadOptOut(cfg.OptoutFile, cfg.Region)
		if err != nil {
			return nil, asUsage(err, "fix optout_file in the config")
		}
		for _, n := range nums {
			out[n] = true
		}
	}
	return out, nil
}

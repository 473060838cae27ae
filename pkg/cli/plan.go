package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/i18n"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/roster"
	"github.com/smscast/smscast/pkg/schedule"
)

// settings are the config's values a send depends on, for the campaign layer.
func (c *Config) settings(qh schedule.QuietHours) campaign.Settings {
	window := c.RepeatWindow
	if window == 0 {
		window = -1 // repeat_window: 0 turns the check off
	}
	return campaign.Settings{
		Clinic:       campaign.Clinic{Name: c.Clinic, NameEN: c.ClinicEN, Phone: c.ClinicPhone, OutageAdvice: c.OutageAdvice},
		Lang:         c.Lang,
		Region:       c.Region,
		OptoutFile:   c.OptoutFile,
		TestGroup:    c.TestGroup,
		MaxParts:     c.MaxParts,
		Prices:       c.Prices,
		Currency:     c.Currency,
		RepeatWindow: window,
		Location:     c.loc,
		QuietHours:   qh,
		Workers:      c.Workers,
		Rate:         c.Rate,
		RateSet:      c.rateSet,
	}
}

// providerInfo is what the campaign layer needs to know of the configured provider.
func (c *Config) providerInfo(spec providerSpec) campaign.Provider {
	p := campaign.Provider{Name: c.Provider, Real: spec.real, DefaultRate: spec.defaultRate,
		MaxChars: spec.maxChars, Sendable: spec.sendable}
	if c.Provider == "sim" {
		p.Latency = c.simConfig().Latency
	}
	p.Replies = func() (bool, string) { return c.repliesPossible() }
	return p
}

// repliesPossible says whether the configured sender can receive the patients' replies.
func (c *Config) repliesPossible() (bool, string) {
	switch c.Provider {
	case "sim", "smsgate":
		return true, "" // the simulator plays replies; the phone's SIM receives them
	case "twilio":
		if strings.HasPrefix(strings.TrimSpace(c.twilioConfig().From), "+") {
			return true, ""
		}
		if c.twilioConfig().From == "" {
			return false, "a messaging service without a phone number (twilio.from) cannot receive replies"
		}
		return false, "an alphanumeric sender ID cannot receive replies (英数字の送信元には返信できません): set twilio.from to a phone number"
	}
	return false, "this provider's sender cannot receive replies"
}

// printSummary shows what is about to happen, before anything is sent.
func printSummary(w io.Writer, cfg *Config, s campaign.Summary, loc *time.Location) {
	p := cfg.ui()
	printResolution(w, s.Resolution, loc, cfg)
	if !s.Real {
		p.Fprintln(w, "SIMULATOR: no real SMS will be sent (provider sim).")
	}
	p.Fprintf(w, "List:       %s — %d rows, %s, phone column %q\n", s.List, s.Rows, s.Encoding, s.PhoneColumn)
	p.Fprintf(w, "Recipients: %d messages to %d patients", s.Messages, s.Patients)
	if s.Patients > s.Messages {
		p.Fprintf(w, " (%d share a number with another patient and get one message together)", s.Patients-s.Messages)
	}
	fmt.Fprintln(w)
	if len(s.NotSent) > 0 {
		total := 0
		var parts []string
		for _, c := range s.NotSent {
			total += c.Rows
			parts = append(parts, p.Sprintf("%d %s", c.Rows, p.Text(classWords(c.Class))))
		}
		p.Fprintf(w, "Not sent:   %d rows (%s): they go on the call list\n", total, strings.Join(parts, p.Text(", ")))
	}
	info := s.First.Info
	p.Fprintf(w, "Message to row %d (%s): %s, %d characters, %s\n",
		s.First.Row, s.First.Name, info.Encoding, info.Characters, p.Sprintf("%d segments", info.Segments))
	for _, line := range strings.Split(s.First.Body, "\n") {
		fmt.Fprintf(w, "  │ %s\n", line)
	}
	if len(s.Replaced) > 0 {
		p.Fprintf(w, "Smart encoding replaced: %s\n", strings.Join(s.Replaced, ", "))
	}
	if l := s.Lengths; l != nil {
		p.Fprintf(w, "Lengths:    typical %s %d characters, %s; longest %s %d characters, %s\n",
			l.Typical.Encoding, l.Typical.Characters, p.Sprintf("%d segments", l.Typical.Segments),
			l.Longest.Encoding, l.Longest.Characters, p.Sprintf("%d segments", l.Longest.Segments))
	}
	for _, sh := range s.Shared {
		p.Fprintf(w, "WARNING:    %s is the number of %d rows (%s): one message reaches them all; check the list\n", sh.Phone, sh.Count, sh.Rows)
	}
	for _, warn := range s.Warnings {
		p.Fprintf(w, "WARNING:    %s\n", localizeText(p, warn))
	}
	for _, c := range s.Costs {
		p.Fprintf(w, "Cost:       about %.2f %s for %d segments", c.Total, c.Currency, c.Segments)
		if c.Unpriced > 0 {
			p.Fprintf(w, " (%d messages to %s have no price)", c.Unpriced, strings.Join(c.UnpricedRegions, ", "))
		}
		fmt.Fprintln(w)
	}
	rateText := p.Text("no rate limit")
	if s.Rate > 0 {
		rateText = p.Sprintf("%g messages/s", s.Rate)
	}
	real := p.Text("real SMS")
	if !s.Real {
		real = p.Text("simulated, no real SMS")
	}
	p.Fprintf(w, "Provider:   %s (%s), %s, %d workers, %d segments in all; estimated time %s\n",
		s.Provider, real, rateText, s.Workers, s.Segments, humanDurationIn(p, s.Estimate))
	if s.Test {
		p.Fprintf(w, "TEST:       only the test group receives this message, marked %s / %s\n",
			strings.TrimSpace(campaign.TestMarker("ja")), strings.TrimSpace(campaign.TestMarker("en")))
	}
	if s.QuietHours {
		p.Fprintf(w, "Timing:     %s\n", localizeText(p, s.Timing))
	}
}

// printResolution says first, before the summary, how this send relates to earlier runs.
func printResolution(w io.Writer, res *campaign.Resolution, loc *time.Location, cfg *Config) {
	if res == nil {
		return
	}
	p := cfg.ui()
	if c := res.OlderUnfinished; c != nil && res.Campaign == nil {
		p.Fprintf(w, "NOTE:       campaign %s of the same message (started %s) did not finish; it is older than repeat_window (%s) and is not resumed: to resume it, add --campaign %s\n",
			c.ID, c.CreatedAt.In(loc).Format("01-02 15:04"), cfg.RepeatWindow, c.ID)
	}
	if c := res.Campaign; c != nil {
		started := c.CreatedAt.In(loc).Format("01-02 15:04")
		accepted := res.Counts.Accepted()
		switch {
		case res.Stopped:
			p.Fprintf(w, "The last send of %s stopped at %s without finishing: resuming it (%d already accepted, %d still to send).\n",
				c.ID, res.StoppedAt.In(loc).Format("15:04"), accepted, res.ToSend())
		case res.Counts.Left() > 0:
			p.Fprintf(w, "Resuming %s started %s: %d already accepted, %d still to send.\n", c.ID, started, accepted, res.ToSend())
		case res.AddedPending > 0:
			p.Fprintf(w, "Continuing %s started %s: %d already received it, %d more to send.\n", c.ID, started, accepted, res.AddedPending)
		}
	}
	if res.Repeats > 0 {
		p.Fprintf(w, "Already sent: %d numbers received this message within repeat_window (%s) in %s: not sent again (--again sends it anyway).\n",
			res.Repeats, cfg.RepeatWindow, strings.Join(res.RepeatCampaigns, ", "))
	}
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
	case campaign.ClassProvider:
		return "not sendable through this provider"
	}
	return string(c)
}

func printResult(w io.Writer, p *i18n.Printer, r sendResult, real bool) {
	sim := ""
	if !real {
		sim = p.Text(" (simulated: no real SMS was sent)")
	}
	p.Fprintf(w, "Campaign %s: %d sent this run, %d accepted, %d failed, %d unknown, %d pending, %d not sendable%s\n",
		r.Campaign, r.SentThisRun, r.Accepted, r.Failed, r.Unknown, r.Pending, r.Skipped, sim)
	p.Fprintf(w, "Report:     %s\nCall list:  %s\n", r.Report, r.CallList)
}

// sentForReal reports whether any message of the campaign went out through a provider that
// sends real SMS: a drill on the simulator that failed over to the clinic's phone did text
// patients, and must not say "no real SMS was sent".
func sentForReal(c journal.Campaign, ds []journal.Delivery) bool {
	table := providerTable()
	for _, d := range ds {
		if d.State == journal.Skipped || d.State == journal.Pending {
			continue
		}
		if table[journal.RouteOf(d.Provider, c.Provider)].real {
			return true
		}
	}
	return false
}

// followUpNobody answers a follow-up (--recipients-of) of which no recipient can receive SMS:
// nobody selected (everyone was reached: nothing to do, exit 0), or only rows the first campaign
// could not text either (a landline, no number: they are on its call list, exit 2).
func followUpNobody(p *i18n.Printer, w io.Writer, o *sendOptions, plan *campaign.Plan) error {
	rows := plan.List.Rows
	if len(rows) == 0 {
		p.Fprintf(w, "Nobody of campaign %s is left for this follow-up (--only %s): nothing to send.\n", o.RecipientsOf, cmpOr(o.Only, "all"))
		return nil
	}
	counts := map[roster.Class]int{}
	var order []roster.Class
	for _, r := range rows {
		if counts[r.Class] == 0 {
			order = append(order, r.Class)
		}
		counts[r.Class]++
	}
	var parts []string
	for _, c := range order {
		parts = append(parts, p.Sprintf("%d %s", counts[c], p.Text(classWords(c))))
	}
	return hintf(usageErr("", "campaign %s: none of the %d patients of this follow-up can receive SMS (%s): nothing to send",
		o.RecipientsOf, len(rows), strings.Join(parts, p.Text(", "))),
		"they are on the call list of %s: `smscast report %s` writes it again", o.RecipientsOf, o.RecipientsOf)
}

// cmpOr is s, or def when s is empty.
func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

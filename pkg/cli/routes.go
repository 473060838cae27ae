package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/i18n"
	"github.com/smscast/smscast/pkg/internal/editdist"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/schedule"
	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/smsgate"
)

// checkFailover refuses a failover list that names an unknown provider or the primary itself.
func checkFailover(cfg *Config) error {
	table := providerTable()
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	slices.Sort(names)
	seen := map[string]bool{}
	for _, f := range cfg.Failover {
		switch _, ok := table[f]; {
		case !ok:
			err := usageErr("", "failover: unknown provider %q", f)
			if best := closestName(f, names); best != "" {
				return hintf(err, "did you mean %s? (known: %s)", best, strings.Join(names, ", "))
			}
			return hintf(err, "write failover: [smsgate] with known providers: %s", strings.Join(names, ", "))
		case f == cfg.Provider:
			return usageErr("list only the providers to carry on through, e.g. failover: [smsgate]",
				"failover: %q is the provider itself (provider: %s)", f, cfg.Provider)
		case seen[f]:
			return usageErr("name each provider once", "failover: %q is listed twice", f)
		}
		seen[f] = true
	}
	return nil
}

func closestName(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editdist.Distance(strings.ToLower(name), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// route describes provider name, sending through s, as the engine's route: its rate and, for
// the phone, its SIMs and their daily limit.
func route(cfg *Config, name string, s sms.Sender) (campaign.Route, error) {
	spec, _ := lookupProvider(name)
	r := campaign.Route{Name: name, Sender: s, Rate: spec.defaultRate}
	if cfg.rateSet {
		r.Rate = cfg.Rate
	}
	if p, ok := s.(*smsgate.Provider); ok {
		r.DailyLimit = p.DailyLimit()
		for _, n := range p.SIMNumbers() {
			line, err := p.ForSIM(n)
			if err != nil {
				return r, asUsage(err, "fix smsgate.sim_numbers")
			}
			r.Lines = append(r.Lines, campaign.Line{Name: fmt.Sprintf("sim%d", n), Sender: line})
		}
	}
	return r, nil
}

// fallbacks builds the failover providers. One that cannot be built or does not answer its
// pre-flight check is left out with a warning: the send goes ahead through the primary, and the
// clinic is told its backup is not ready.
func fallbacks(ctx context.Context, d *Deps, cfg *Config, out io.Writer) ([]campaign.Route, func()) {
	p := cfg.ui()
	var routes []campaign.Route
	var senders []sms.Sender
	for _, name := range cfg.Failover {
		spec, err := lookupProvider(name)
		if err != nil {
			continue // checkFailover refused it already
		}
		s, err := spec.build(d, cfg)
		if err == nil {
			err = preflight(ctx, s)
		}
		if err != nil {
			p.Fprintf(out, "WARNING:    failover %s is not ready, the send cannot carry on through it: %v\n", name, localizeErr(p, err))
			if s != nil {
				closeSender(s)
			}
			continue
		}
		r, err := route(cfg, name, s)
		if err != nil {
			p.Fprintf(out, "WARNING:    failover %s: %v\n", name, localizeErr(p, err))
			closeSender(s)
			continue
		}
		routes = append(routes, r)
		senders = append(senders, s)
	}
	return routes, func() {
		for _, s := range senders {
			closeSender(s)
		}
	}
}

// checkers are the status checkers of the campaign's provider and of the failover providers, by
// name, for a status refresh that asks each delivery's own provider.
func checkers(d *Deps, cfg *Config, primary string, primarySender sms.Sender) (map[string]sms.StatusChecker, func()) {
	out := map[string]sms.StatusChecker{}
	if c, ok := primarySender.(sms.StatusChecker); ok {
		out[primary] = c
	}
	var opened []sms.Sender
	for _, name := range cfg.Failover {
		if name == primary {
			continue
		}
		spec, err := lookupProvider(name)
		if err != nil {
			continue
		}
		s, err := spec.build(d, cfg)
		if err != nil {
			continue
		}
		opened = append(opened, s)
		if c, ok := s.(sms.StatusChecker); ok {
			out[name] = c
		}
	}
	return out, func() {
		for _, s := range opened {
			closeSender(s)
		}
	}
}

// failoverText is the one line that says the route changed, in the UI language.
func failoverText(p *i18n.Printer, e campaign.Event) string {
	if p == nil || p.Lang() == i18n.EN {
		return e.Message // the engine's sentence, which says why
	}
	if e.To == "smsgate" {
		return p.Sprintf("the Internet connection is down: the send carries on from the clinic's phone (%s → %s)", e.From, e.To)
	}
	return p.Sprintf("%s cannot send: the send carries on through %s", e.From, e.To)
}

// printBudgets shows, for a phone among the routes, how many messages each SIM may still send
// today (Japanese carriers limit a line to about 200 a day). j may be nil: nothing sent yet.
func printBudgets(ctx context.Context, w io.Writer, d *Deps, cfg *Config, j *journal.Journal) {
	for _, name := range append([]string{cfg.Provider}, cfg.Failover...) {
		if name != "smsgate" {
			continue
		}
		sc := *cfg.smsgateConfig()
		sc.Password = "-" // only the SIMs and limits are read: no request is made
		s, err := smsgate.New(sc)
		if err != nil {
			return
		}
		r, err := route(cfg, name, s)
		if err != nil {
			return
		}
		lines := []campaign.LineBudget{{Line: name, Limit: r.DailyLimit, Left: r.DailyLimit}}
		if len(r.Lines) > 0 {
			lines = lines[:0]
			for _, l := range r.Lines {
				lines = append(lines, campaign.LineBudget{Line: name + "/" + l.Name, Limit: r.DailyLimit, Left: r.DailyLimit})
			}
		}
		if j != nil {
			if got, err := campaign.Budget(ctx, j, r, cfg.settings(schedule.QuietHours{}), d.Now()); err == nil {
				lines = got
			}
		}
		p := cfg.ui()
		for _, l := range lines {
			label := l.Line
			if label == "" {
				label = name
			}
			p.Fprintf(w, "Budget:     %s may send %d more of %d today\n", label, l.Left, l.Limit)
		}
	}
}

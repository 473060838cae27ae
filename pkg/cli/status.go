package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/report"
	"github.com/smscast/smscast/pkg/schedule"
	"github.com/smscast/smscast/pkg/sms"
)

type statusOptions struct {
	g        *globalOptions
	inv      invocation // the command line, captured by RunE
	Campaign string
	Watch    bool
	Interval time.Duration
	Timeout  time.Duration
	JSON     bool
	CallList string
}

func newCmdStatus(d *Deps, g *globalOptions) *cobra.Command {
	o := &statusOptions{g: g}
	cmd := &cobra.Command{
		Use:   "status [<campaign>]",
		Short: "Refresh delivery receipts from the provider and rewrite the report",
		Long: `Status asks the provider for the current status of every message of a campaign (default: the
latest) that it accepted and has not yet reported delivered or failed, records the answers in the
journal, and rewrites the report and the call list. A message not delivered call_after (default
2h) after it was sent goes on the call list. With --watch it repeats until no message is in flight
or the timeout passes.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.inv = invoked(c)
			if len(args) == 1 {
				o.Campaign = args[0]
			}
			return statusRun(c.Context(), d, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Watch, "watch", false, "repeat until no message is in flight, or --timeout")
	f.DurationVar(&o.Interval, "interval", 30*time.Second, "with --watch: time between refreshes")
	f.DurationVar(&o.Timeout, "timeout", 30*time.Minute, "with --watch: give up after this long")
	f.BoolVar(&o.JSON, "json", false, "print the counts as JSON")
	f.StringVar(&o.CallList, "call-list", "", "also write the call list to this file")
	f.String("journal", "", "journal file (default $XDG_DATA_HOME/smscast/journal.db)")
	f.String("report-dir", "", "directory for the report (default .)")
	f.Float64("rate", 0, "status requests per second (default set per provider)")
	return cmd
}

type statusResult struct {
	Campaign string         `json:"campaign"`
	Checked  int            `json:"checked"`
	Changed  int            `json:"changed"`
	Errors   int            `json:"errors"`
	InFlight int            `json:"in_flight"`
	Counts   map[string]int `json:"counts"`
	Report   string         `json:"report"`
	CallList string         `json:"call_list"`
}

func statusRun(ctx context.Context, d *Deps, o *statusOptions) error {
	cfg, j, c, err := openCampaign(ctx, d, o.inv.flags, o.g, o.Campaign)
	if err != nil {
		return err
	}
	defer j.Close()
	// Receipts come from the provider the campaign was sent with, whatever is configured now.
	spec, sender, err := campaignSender(d, cfg, c)
	if err != nil {
		return err
	}
	defer closeSender(sender)
	checker, ok := sender.(sms.StatusChecker)
	if !ok {
		return usageErr("", "provider %s cannot report delivery status", c.Provider)
	}
	if c.Provider == "sim" && cfg.simConfig().Outbox == "" && len(cfg.Failover) == 0 { // after a failover drill the phone has receipts
		// The simulator keeps receipts only in its outbox file: without one there is nothing
		// to ask, and that is not a failure of anyone's phone.
		cfg.ui().Fprintf(d.Stderr, "The simulator keeps no delivery receipts without sim.outbox: nothing to refresh for %s.\n", c.ID)
		paths, _, err := writeReports(ctx, j, c, cfg.reportDir(c), o.CallList, reportOpts(d, cfg, c, nil, nil))
		if err != nil {
			return err
		}
		cfg.ui().Fprintf(d.Stderr, "Report:     %s\nCall list:  %s\n", paths.CSV, paths.Call)
		return recordAudit(ctx, d, o.g, cfg, o.inv.command, j, journal.AuditStatus, &c, map[string]int{"checked": 0, "changed": 0})
	}
	all, closeAll := checkers(d, cfg, c.Provider, sender)
	defer closeAll()
	all[c.Provider] = checker
	out := d.Stdout
	if o.JSON {
		out = d.Stderr
	}
	p := cfg.ui()
	printStoppedIn(ctx, p, d.Stderr, j, cfg.loc)
	deadline := d.Now().Add(o.Timeout)
	for {
		res, err := campaign.Refresh(ctx, j, c, all, cfg.settings(schedule.QuietHours{}), cfg.providerInfo(spec), d.Now)
		if err != nil {
			return failErr(err, "")
		}
		opt := reportOpts(d, cfg, c, nil, nil)
		opt.NotDeliveredAfter = report.CallAfter(cfg.CallAfter)
		paths, _, err := writeReports(ctx, j, c, cfg.reportDir(c), o.CallList, opt)
		if err != nil {
			return err
		}
		r := statusResult{Campaign: c.ID, Checked: res.Checked, Changed: res.Changed, Errors: res.Errors,
			InFlight: res.InFlight, Counts: map[string]int{}, Report: paths.CSV, CallList: paths.Call}
		for s, n := range res.Counts {
			r.Counts[string(s)] = n
		}
		p.Fprintf(out, "%s %s: %s (%d checked, %d changed)\n", cfg.now(d).Format("15:04:05"), c.ID, countsTextIn(p, r.Counts), r.Checked, r.Changed)
		if byCarrier, err := j.CarrierCounts(ctx, c.ID); err == nil && len(byCarrier) > 0 {
			names := make([]string, 0, len(byCarrier))
			for name := range byCarrier {
				names = append(names, name)
			}
			sort.Strings(names)
			parts := make([]string, len(names))
			for i, name := range names {
				parts[i] = fmt.Sprintf("%s %d", name, byCarrier[name])
			}
			p.Fprintf(out, "Carriers:   %s\n", strings.Join(parts, ", "))
		}
		if res.FirstErr != nil {
			p.Fprintf(out, "  %d lookups failed, e.g. %v\n", res.Errors, localizeErr(p, res.FirstErr))
		}
		done := !o.Watch || res.InFlight == 0 || !d.Now().Before(deadline)
		if done {
			if err := recordAudit(ctx, d, o.g, cfg, o.inv.command, j, journal.AuditStatus, &c, map[string]int{"checked": r.Checked, "changed": r.Changed}); err != nil {
				return err
			}
			if o.JSON {
				if err := writeJSON(d.Stdout, r); err != nil {
					return failErr(err, "")
				}
			}
			p.Fprintf(out, "Report:     %s\nCall list:  %s\n", paths.CSV, paths.Call)
			if r.Counts[string(journal.Failed)]+r.Counts[string(journal.Undelivered)]+r.Counts[string(journal.Unknown)] > 0 {
				return &exitError{code: ExitPartial, err: errorf("some messages were not delivered: phone those patients (see %s)", paths.Call)}
			}
			return nil
		}
		if err := sleepUntil(ctx, d, d.Now().Add(o.Interval)); err != nil {
			return &exitError{code: ExitInterrupted, err: errorf("interrupted")}
		}
	}
}

// campaignSender builds the provider campaign c was sent with, whatever is configured now:
// its receipts and its replies come through it. The caller closes it (closeSender).
func campaignSender(d *Deps, cfg *Config, c journal.Campaign) (providerSpec, sms.Sender, error) {
	spec, err := lookupProvider(c.Provider)
	if err != nil {
		return spec, nil, err
	}
	sender, err := spec.build(d, cfg)
	if err != nil {
		return spec, nil, asUsage(err, "")
	}
	return spec, sender, nil
}

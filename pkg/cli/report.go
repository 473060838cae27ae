package cli

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/report"
	"github.com/smscast/smscast/pkg/roster"
)

type reportOptions struct {
	g        *globalOptions
	inv      invocation // the command line, captured by RunE
	Campaign string
	CallList string
	Format   string
	Out      string
}

func newCmdReport(d *Deps, g *globalOptions) *cobra.Command {
	o := &reportOptions{g: g}
	cmd := &cobra.Command{
		Use:   "report [<campaign>]",
		Short: "Write a campaign's delivery report and call list again from the journal",
		Long: `Report writes <campaign>.csv, <campaign>.json, <campaign>-call.csv and the call list as a page
to print, <campaign>-call.html, into --report-dir again from the journal (default: the latest
campaign). With --out FILE it writes only the --format chosen (csv, json, call for the call list,
or call-html for the page to print) to FILE; --out - prints it.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.inv = invoked(c)
			if len(args) == 1 {
				o.Campaign = args[0]
			}
			return reportRun(c.Context(), d, o)
		},
	}
	f := cmd.Flags()
	f.String("report-dir", "", "directory for the report (default .)")
	f.String("journal", "", "journal file (default $XDG_DATA_HOME/smscast/journal.db)")
	f.StringVar(&o.CallList, "call-list", "", "also write the call list to this file")
	f.StringVar(&o.Format, "format", "csv", "with --out: csv, json, call (the call list) or call-html (the call list to print)")
	f.StringVar(&o.Out, "out", "", "write only --format to this `FILE` (- for standard output)")
	return cmd
}

func reportRun(ctx context.Context, d *Deps, o *reportOptions) error {
	switch o.Format {
	case "csv", "json", "call", "call-html":
	default:
		return usageErr("use --format csv, json, call or call-html", "--format %q: unknown report format", o.Format)
	}
	cfg, j, c, err := openCampaign(ctx, d, o.inv.flags, o.g, o.Campaign)
	if err != nil {
		return err
	}
	defer j.Close()
	if o.Out != "" {
		ds, err := j.Deliveries(ctx, c.ID)
		if err != nil {
			return failErr(err, "")
		}
		if err := report.WriteFormat(d.Stdout, o.Out, o.Format, c, ds, allContacts(reportOpts(d, cfg, c, nil, nil))); err != nil {
			return failErr(err, "")
		}
		return recordAudit(ctx, d, o.g, cfg, o.inv.command, j, journal.AuditReport, &c, map[string]int{"deliveries": len(ds)})
	}
	paths, _, err := writeReports(ctx, j, c, cfg.reportDir(c), o.CallList, reportOpts(d, cfg, c, nil, nil))
	if err != nil {
		return err
	}
	cfg.ui().Fprintf(d.Stdout, "Report:     %s\nCall list:  %s\nTo print:   %s\n", paths.CSV, paths.Call, paths.CallHTML)
	return recordAudit(ctx, d, o.g, cfg, o.inv.command, j, journal.AuditReport, &c, nil)
}

// openCampaign loads the config, opens the existing journal and finds campaign id in it (the latest
// when id is empty). The caller closes the journal.
func openCampaign(ctx context.Context, d *Deps, flags flagsSet, g *globalOptions, id string) (*Config, *journal.Journal, journal.Campaign, error) {
	cfg, err := loadConfig(d, flags, g.configPath)
	if err != nil {
		return nil, nil, journal.Campaign{}, err
	}
	j, err := openExistingJournal(ctx, cfg)
	if err != nil {
		return nil, nil, journal.Campaign{}, err
	}
	var c journal.Campaign
	if id == "" {
		c, err = j.Latest(ctx)
	} else {
		c, err = j.Campaign(ctx, id)
	}
	if err != nil {
		j.Close()
		if errors.Is(err, journal.ErrNotFound) {
			return nil, nil, c, usageErr("run `smscast history` to list the campaigns", "no campaign %q in %s", id, cfg.Journal)
		}
		return nil, nil, c, failErr(err, "")
	}
	return cfg, j, c, nil
}

// reportOpts are the report options for campaign c: the UI language, the configured timezone,
// the call list by urgency with every number and column of the campaign's list: from list when
// given (a follow-up's, held in memory), else read again from c.List (with read, how the send read
// it; nil: the region only) when the reports are written, keeping only the rows the call list
// holds — a million rows on one number need none of them. A list that is gone or changed only
// leaves those columns out.
func reportOpts(d *Deps, cfg *Config, c journal.Campaign, list *roster.List, read *roster.Options) report.Options {
	opt := report.Options{Now: cfg.now(d), Lang: cfg.uiLang, Location: cfg.loc, ByUrgency: true}
	if list != nil {
		opt.Contacts = contactsOf(d, cfg, list)
		return opt
	}
	if c.List == "" || c.Test {
		return opt
	}
	ro := roster.Options{Region: cfg.Region}
	if read != nil {
		ro = *read
	}
	opt.ContactsFor = func(need map[int]bool) *report.Contacts {
		var keep func(int) bool
		if need != nil {
			keep = func(row int) bool { return need[row] }
		}
		l, err := roster.LoadRows(c.List, ro, keep)
		if err != nil {
			return nil
		}
		return contactsOf(d, cfg, l)
	}
	return opt
}

// allContacts is opt with the contacts of every row of the list read now, for the writers that
// take them as they are (the page, the list of the unconfirmed, report --out).
func allContacts(opt report.Options) report.Options {
	if opt.Contacts == nil && opt.ContactsFor != nil {
		opt.Contacts, opt.ContactsFor = opt.ContactsFor(nil), nil
	}
	return opt
}

// contactsOf are the call list's contacts from list, warning of call_list_columns it lacks.
func contactsOf(d *Deps, cfg *Config, list *roster.List) *report.Contacts {
	contacts, missing := report.ContactsFromList(list, cfg.CallListColumns)
	for _, m := range missing {
		cfg.ui().Fprintf(d.Stderr, "WARNING:    call_list_columns: %s\n", localizeText(cfg.ui(), m.String()))
	}
	return contacts
}

// writeReports writes a campaign's report, JSON, call list and call list page into dir, and the
// call list also to callList when given.
// It returns the deliveries it reported on.
func writeReports(ctx context.Context, j *journal.Journal, c journal.Campaign, dir, callList string, opt report.Options) (report.Paths, []journal.Delivery, error) {
	paths, ds, err := campaign.Report(ctx, j, c, dir, callList, opt)
	var re *campaign.ReportError
	switch {
	case errors.As(err, &re) && callList == "":
		return paths, nil, failErr(err, "pass a writable directory with --report-dir; the journal still has every result")
	case err != nil:
		return paths, nil, failErr(err, "")
	}
	return paths, ds, nil
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/i18n"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/report"
	"github.com/smscast/smscast/pkg/sms"
)

type acksOptions struct {
	g        *globalOptions
	inv      invocation // the command line, captured by RunE
	Campaign string
	Watch    bool
	Window   string // a duration, parsed by acksRun so that a bad one gets a hint
	Interval time.Duration
	JSON     bool
}

func newCmdAcks(d *Deps, g *globalOptions, runF func(context.Context, *acksOptions) error) *cobra.Command {
	o := &acksOptions{g: g}
	cmd := &cobra.Command{
		Use:   "acks [<campaign>]",
		Short: "Read the replies to a message that asked for one, and list who has not confirmed",
		Long: `Acks asks the campaign's provider (default: the latest campaign) for the messages patients sent
since the campaign began, stores each reply once in the journal, matched to the patient it answers,
and writes <campaign>-unconfirmed.csv and .html into --report-dir: the call list of everyone who
has not confirmed, most urgent first (not reached, then replies to read, then no reply yet). It
also rewrites <campaign>.csv with the ack, confirmed_at and reply columns.

A reply confirms when it is 1, はい, ok, yes, 了解 (了解しました, 承知しました, わかりました, 確認しました),
full-width or not; anything else is kept for a person to read. A reply from a number no campaign
asked is listed as unmatched, never attributed to a patient.

With --watch it polls every --interval until --window after the campaign was created, or until
everyone has confirmed. Replies are polled, not received by webhook: no public address is needed.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.inv = invoked(c)
			if len(args) == 1 {
				o.Campaign = args[0]
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return acksRun(c.Context(), d, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Watch, "watch", false, "poll again every --interval until the window closes or everyone confirmed")
	f.StringVar(&o.Window, "window", "30m", "with --watch: stop this long after the campaign was created, e.g. 30m or 2h")
	f.DurationVar(&o.Interval, "interval", 15*time.Second, "with --watch: time between polls")
	f.BoolVar(&o.JSON, "json", false, "print the counts and the files written as JSON")
	f.String("journal", "", "journal file (default $XDG_DATA_HOME/smscast/journal.db)")
	f.String("report-dir", "", "directory for the list of the unconfirmed (default .)")
	return cmd
}

// acksResult is what --json prints. Counts are of patients, except unmatched (messages).
type acksResult struct {
	Campaign   string `json:"campaign"`
	Provider   string `json:"provider"`
	WindowEnds string `json:"window_ends"`
	Fetched    int    `json:"fetched"`
	New        int    `json:"new"`
	campaign.AckCounts
	UnconfirmedCSV  string `json:"unconfirmed_csv"`
	UnconfirmedHTML string `json:"unconfirmed_html"`
	Report          string `json:"report"`
}

func acksRun(ctx context.Context, d *Deps, o *acksOptions) error {
	window, err := time.ParseDuration(strings.TrimSpace(o.Window))
	if err != nil || window <= 0 {
		return usageErr("give a duration such as --window 30m or --window 2h", "--window %q is not a duration", o.Window)
	}
	if o.Interval <= 0 {
		return usageErr("e.g. --interval 15s", "--interval %s must be positive", o.Interval)
	}
	cfg, err := loadConfig(d, o.inv.flags, o.g.configPath)
	if err != nil {
		return err
	}
	j, err := openExistingJournal(ctx, cfg)
	if err != nil {
		return err
	}
	defer j.Close()
	c, err := acksCampaign(ctx, j, cfg, o.Campaign)
	if err != nil {
		return err
	}
	if !campaign.Asked(c) {
		return usageErr("acks reads replies only to a message that asked for one (a template with ack: true, or send --ack)",
			"campaign %s did not ask for a reply", c.ID)
	}
	// Replies come through the provider the campaign was sent with, whatever is configured now.
	_, sender, err := campaignSender(d, cfg, c)
	if err != nil {
		return err
	}
	defer closeSender(sender)
	inbox, ok := sender.(sms.Inbox)
	if !ok {
		return usageErr("read the replies on the provider's own site, or send messages that ask for a reply through twilio, smsgate or sim",
			"provider %s cannot read replies", c.Provider)
	}
	out := d.Stdout
	if o.JSON {
		out = d.Stderr
	}
	p := cfg.ui()
	ends := c.CreatedAt.Add(window)
	polls := 0
	for {
		polls++
		res, err := campaign.PollAcks(ctx, j, c.ID, inbox, d.Now(), campaign.AckOptions{Region: cfg.Region})
		if err != nil {
			var ie *campaign.InputError
			if errors.As(err, &ie) {
				return asUsage(ie, ie.Hint)
			}
			return failErr(err, "check the provider's settings and the network, then run the same command again: replies already read are kept")
		}
		r, err := writeAckFiles(d, cfg, c, res)
		if err != nil {
			return err
		}
		r.WindowEnds = ends.In(cfg.loc).Format(time.RFC3339)
		printAcks(out, p, cfg.now(d), res, polls == 1)
		done := !o.Watch || !d.Now().Before(ends) || res.Counts.Replied+res.Counts.Unconfirmed+res.Counts.Unreachable == 0
		if done {
			if err := recordAudit(ctx, d, o.g, cfg, o.inv.command, j, journal.AuditAcks, &c, map[string]int{
				"confirmed": r.Confirmed, "replied": r.Replied, "unconfirmed": r.AckCounts.Unconfirmed,
				"unreachable": r.Unreachable, "unmatched": r.Unmatched, "new": r.New}); err != nil {
				return err
			}
			if o.JSON {
				if err := writeJSON(d.Stdout, r); err != nil {
					return failErr(err, "")
				}
			}
			p.Fprintf(out, "Unconfirmed: %s\nReport:      %s\n", r.UnconfirmedCSV, r.Report)
			return nil
		}
		next := d.Now().Add(o.Interval)
		if next.After(ends) {
			next = ends
		}
		if err := sleepUntil(ctx, d, next); err != nil {
			return &exitError{code: ExitInterrupted, err: errorf("interrupted: replies read so far are in the journal and the list")}
		}
	}
}

// acksCampaign finds the campaign: the latest when id is empty. An unknown id lists the latest
// campaigns, so the user can pick one.
func acksCampaign(ctx context.Context, j *journal.Journal, cfg *Config, id string) (journal.Campaign, error) {
	if id == "" {
		c, err := j.Latest(ctx)
		if errors.Is(err, journal.ErrNotFound) {
			return c, usageErr("send a message that asks for a reply first", "no campaign in %s yet", cfg.Journal)
		}
		if err != nil {
			return c, failErr(err, "")
		}
		return c, nil
	}
	c, err := j.Campaign(ctx, id)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, journal.ErrNotFound) {
		return c, failErr(err, "")
	}
	all, err := j.Campaigns(ctx)
	if err != nil {
		return c, failErr(err, "")
	}
	p := cfg.ui()
	var latest []string
	for _, x := range all[:min(5, len(all))] {
		created := x.CreatedAt.In(cfg.loc).Format("2006-01-02 15:04")
		if campaign.Asked(x) {
			latest = append(latest, p.Sprintf("%s (%s, asked for replies)", x.ID, created))
		} else {
			latest = append(latest, fmt.Sprintf("%s (%s)", x.ID, created))
		}
	}
	if len(latest) == 0 {
		return c, usageErr("run `smscast history` to list the campaigns", "no campaign %q in %s", id, cfg.Journal)
	}
	return c, hintf(usageErr("", "no campaign %q in %s", id, cfg.Journal),
		"the latest campaigns: %s: run `smscast acks <campaign>` with one of them", strings.Join(latest, p.Text("; ")))
}

// writeAckFiles writes the list of the unconfirmed and the report with its ack columns.
func writeAckFiles(d *Deps, cfg *Config, c journal.Campaign, res campaign.AckResult) (acksResult, error) {
	r := acksResult{Campaign: c.ID, Provider: c.Provider, Fetched: res.Fetched, New: res.New, AckCounts: res.Counts}
	ds := make([]journal.Delivery, len(res.States))
	acks := make(map[int64]report.Ack, len(res.States))
	for i, s := range res.States {
		ds[i] = s.Delivery
		acks[s.Delivery.ID] = report.Ack{Status: string(s.Status), ConfirmedAt: s.ConfirmedAt, Reply: s.Reply()}
	}
	opt := allContacts(reportOpts(d, cfg, c, nil, nil))
	paths, err := report.WriteUnconfirmed(cfg.reportDir(c), c, ds, acks, opt)
	if err != nil {
		return r, failErr(err, "pass a writable directory with --report-dir; the journal still has every reply")
	}
	r.Report = filepath.Join(cfg.reportDir(c), c.ID+".csv")
	if err := report.WriteAckReport(r.Report, ds, acks, opt); err != nil {
		return r, failErr(err, "pass a writable directory with --report-dir; the journal still has every reply")
	}
	r.UnconfirmedCSV, r.UnconfirmedHTML = paths.CSV, paths.HTML
	return r, nil
}

// printAcks prints one poll: the counts, and the new replies a person must read.
func printAcks(w io.Writer, p *i18n.Printer, now time.Time, res campaign.AckResult, first bool) {
	n := res.Counts
	p.Fprintf(w, "%s %s: %d confirmed, %d replied otherwise, %d no reply, %d not reached, %d unmatched (%d new)\n",
		now.Format("15:04:05"), res.Campaign.ID, n.Confirmed, n.Replied, n.Unconfirmed, n.Unreachable, n.Unmatched, res.New)
	if !first && res.New == 0 {
		return
	}
	for _, s := range res.States {
		if s.Status != campaign.AckReplied {
			continue
		}
		name := ""
		if len(s.Delivery.Patients) > 0 {
			name = s.Delivery.Patients[0].Name
		}
		p.Fprintf(w, "  reply from %s: %s\n", name, strings.ReplaceAll(s.Reply(), "\n", " / "))
	}
	for _, m := range res.Unmatched {
		p.Fprintf(w, "  unmatched, from %s: %s\n", m.From, m.Text)
	}
}

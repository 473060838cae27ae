package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/journal"
)

type purgeOptions struct {
	g         *globalOptions
	inv       invocation // the command line, captured by RunE
	OlderThan string
	DryRun    bool
	Reports   bool
	JSON      bool
}

func newCmdPurge(d *Deps, g *globalOptions) *cobra.Command {
	o := &purgeOptions{g: g}
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Remove the names, numbers and texts of campaigns older than the retention period",
		Long: `Purge removes from the journal the patients' names, numbers and message texts of the campaigns
that finished more than --older-than ago (default: the config's retention), keeping their counts
(history still shows them) and the audit trail, and rewrites the file so that the data is gone
from the disk too. It lists the reports and call lists of those campaigns in report_dir that are
older than that, and deletes them with --reports.

A purged campaign no longer tells smscast that these numbers received that text: an identical
send within repeat_window would text them again. Purge refuses while a campaign is being sent.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.inv = invoked(c)
			return purgeRun(c.Context(), d, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.OlderThan, "older-than", "", "purge campaigns finished longer ago than this (90d, 12w, 48h; default: retention)")
	f.BoolVar(&o.DryRun, "dry-run", false, "list what would be removed, remove nothing")
	f.BoolVar(&o.Reports, "reports", false, "also delete the old reports and call lists in report_dir")
	f.BoolVar(&o.JSON, "json", false, "print the result as JSON")
	f.String("journal", "", "journal file (default $XDG_DATA_HOME/smscast/journal.db)")
	f.String("report-dir", "", "directory of the reports (default .)")
	return cmd
}

var retentionPattern = regexp.MustCompile(`^(\d+)([dw])$`)

// parseRetention reads a retention period: a number of days (90d) or weeks (12w), or a Go
// duration (2160h, 0s). Empty means keep everything: 0, false.
func parseRetention(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if m := retentionPattern.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 100000 {
			return 0, errorf("%q is too long", s)
		}
		unit := 24 * time.Hour
		if m[2] == "w" {
			unit *= 7
		}
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errorf("%q is not a period such as 90d, 12w or 48h", s)
	}
	if d < 0 {
		return 0, errorf("%q must not be negative", s)
	}
	return d, nil
}

type purgeCampaignJSON struct {
	Campaign   string `json:"campaign"`
	Test       bool   `json:"test"`
	Finished   string `json:"finished"`
	Deliveries int    `json:"deliveries"`
	Left       int    `json:"left,omitempty"`
}

type purgeJSON struct {
	DryRun      bool                `json:"dry_run"`
	Before      string              `json:"before"`
	Purged      []purgeCampaignJSON `json:"purged"`
	Unfinished  []purgeCampaignJSON `json:"unfinished"`
	Reports     []string            `json:"reports"`
	ReportsGone bool                `json:"reports_deleted"`
	SizeBefore  int64               `json:"bytes_before"`
	SizeAfter   int64               `json:"bytes_after"`
}

func purgeRun(ctx context.Context, d *Deps, o *purgeOptions) error {
	cfg, err := loadConfig(d, o.inv.flags, o.g.configPath)
	if err != nil {
		return err
	}
	period := cfg.Retention
	if o.OlderThan != "" {
		period = o.OlderThan
	}
	if period == "" {
		return usageErr("pass --older-than 90d, or set retention: 90d in the config", "purge: no retention period")
	}
	age, err := parseRetention(period)
	if err != nil {
		return usageErr("e.g. --older-than 90d (days), 12w (weeks) or 48h", "--older-than: %v", err)
	}
	j, err := openExistingJournal(ctx, cfg)
	if err != nil {
		return err
	}
	defer j.Close()
	now := d.Now()
	before := now.Add(-age)

	// Whether anything is being sent, and what would go, before any file is touched.
	plan, err := j.Purge(ctx, journal.PurgeOptions{Before: before, DryRun: true})
	if err != nil {
		return purgeErr(err)
	}
	cs, err := j.Campaigns(ctx)
	if err != nil {
		return failErr(err, "")
	}
	reports := oldReports(cfg.ReportDir, cs, before)
	res := plan
	deleted := false
	if !o.DryRun {
		if o.Reports {
			for _, p := range reports {
				if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
					return failErr(errorf("delete report %s: %w", p, err), "")
				}
			}
			deleted = true
		}
		e := auditEntry(d, o.g, cfg, o.inv.command, journal.AuditPurge)
		if deleted {
			e.Counts = map[string]int{"reports": len(reports)}
		}
		if res, err = j.Purge(ctx, journal.PurgeOptions{Before: before, Audit: &e}); err != nil {
			return purgeErr(err)
		}
	}
	if o.JSON {
		r := purgeJSON{DryRun: o.DryRun, Before: before.UTC().Format(time.RFC3339), Purged: []purgeCampaignJSON{},
			Unfinished: []purgeCampaignJSON{}, Reports: reports, ReportsGone: deleted, SizeBefore: res.SizeBefore, SizeAfter: res.SizeAfter}
		if r.Reports == nil {
			r.Reports = []string{}
		}
		for _, c := range res.Purged {
			r.Purged = append(r.Purged, purgeCampaignJSON{c.ID, c.Test, c.Finished.UTC().Format(time.RFC3339), c.Deliveries, 0})
		}
		for _, c := range res.Unfinished {
			r.Unfinished = append(r.Unfinished, purgeCampaignJSON{c.ID, c.Test, c.Finished.UTC().Format(time.RFC3339), c.Deliveries, c.Left})
		}
		return writeJSON(d.Stdout, r)
	}
	printPurge(d.Stdout, cfg, o, res, reports, deleted, now, period)
	return nil
}

func printPurge(w io.Writer, cfg *Config, o *purgeOptions, res journal.PurgeResult, reports []string, deleted bool, now time.Time, period string) {
	p := cfg.ui()
	if len(res.Purged) == 0 {
		p.Fprintf(w, "No campaign finished more than %s ago still holds patient data.\n", period)
	} else {
		if o.DryRun {
			p.Fprintf(w, "Would remove the names, numbers and texts of %d campaigns finished more than %s ago:\n", len(res.Purged), period)
		} else {
			p.Fprintf(w, "Removed the names, numbers and texts of %d campaigns finished more than %s ago; their counts stay in history:\n", len(res.Purged), period)
		}
		recent := 0
		for _, c := range res.Purged {
			kind := ""
			if c.Test {
				kind = p.Text(" (test)")
			}
			p.Fprintf(w, "  %s%s  finished %s  %d deliveries\n", c.ID, kind, c.Finished.In(cfg.loc).Format("2006-01-02 15:04"), c.Deliveries)
			if cfg.RepeatWindow > 0 && now.Sub(c.Finished) < cfg.RepeatWindow {
				recent++
			}
		}
		if recent > 0 {
			p.Fprintf(w, "%d of them finished within repeat_window (%s): smscast no longer knows these numbers received that text, so an identical send would text them again.\n",
				recent, cfg.RepeatWindow)
		}
		if !o.DryRun {
			p.Fprintf(w, "The journal was rewritten: %d bytes before, %d after.\n", res.SizeBefore, res.SizeAfter)
		}
		if res.LogKept {
			p.Fprintln(w, "Another smscast has the journal open: its log may hold the removed data until that program stops; run purge again then.")
		}
	}
	for _, c := range res.Unfinished {
		p.Fprintf(w, "Kept %s: %d deliveries were never sent; send it again to finish it, or it keeps its data.\n", c.ID, c.Left)
	}
	switch {
	case len(reports) == 0:
	case deleted:
		p.Fprintf(w, "Deleted %d report files older than %s:\n", len(reports), period)
	default:
		p.Fprintf(w, "%d report files older than %s hold names and numbers (purge --reports deletes them):\n", len(reports), period)
	}
	for _, p := range reports {
		fmt.Fprintf(w, "  %s\n", p)
	}
}

// oldReports are the report files smscast wrote for cs into dir (and only those: report_dir may
// be a directory of other files too) last changed before before.
func oldReports(dir string, cs []journal.Campaign, before time.Time) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cs {
		// The configured folder, and the one the campaign's reports were written into.
		for _, in := range []string{dir, c.Meta[campaign.MetaReportDir]} {
			if in == "" {
				continue
			}
			for _, suffix := range []string{".csv", ".json", "-call.csv", "-call.html", "-unconfirmed.csv", "-unconfirmed.html"} {
				p := filepath.Join(in, c.ID+suffix)
				if abs, err := filepath.Abs(p); err == nil && seen[abs] {
					continue
				} else if err == nil {
					seen[abs] = true
				}
				if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && fi.ModTime().Before(before) {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

func purgeErr(err error) error {
	var le *journal.LockedError
	if errors.As(err, &le) {
		return failErr(errorf("purge refused: %w", le), "run purge again once it has finished")
	}
	return failErr(err, "")
}

// remindRetention says, once a day, that campaigns finished longer ago than the config's
// retention still hold patient data. send and history call it; it never fails them.
func remindRetention(ctx context.Context, w io.Writer, d *Deps, cfg *Config, j *journal.Journal) {
	age, err := parseRetention(cfg.Retention)
	if err != nil || cfg.Retention == "" {
		return
	}
	now := d.Now()
	old, _, err := j.PastRetention(ctx, now.Add(-age))
	if err != nil || len(old) == 0 {
		return
	}
	if due, err := j.NoticeDue(ctx, "retention", now.In(cfg.loc).Format("2006-01-02")); err != nil || !due {
		return
	}
	cfg.ui().Fprintf(w, "%d campaigns finished more than %s ago (retention) still hold patients' names, numbers and texts, the oldest %s: run `smscast purge` to remove them.\n",
		len(old), cfg.Retention, old[0].ID)
}

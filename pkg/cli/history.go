package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/smscast/smscast/pkg/i18n"
	"github.com/smscast/smscast/pkg/journal"
)

type historyOptions struct {
	g    *globalOptions
	inv  invocation // the command line, captured by RunE
	JSON bool
}

func newCmdHistory(d *Deps, g *globalOptions) *cobra.Command {
	o := &historyOptions{g: g}
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List past campaigns with their counts per state",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.inv = invoked(c)
			return historyRun(c.Context(), d, o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the campaigns as JSON")
	cmd.Flags().String("journal", "", "journal file (default $XDG_DATA_HOME/smscast/journal.db)")
	return cmd
}

type historyEntry struct {
	Campaign string         `json:"campaign"`
	Created  string         `json:"created"`
	Template string         `json:"template"`
	List     string         `json:"list"`
	Provider string         `json:"provider"`
	Test     bool           `json:"test"`
	Counts   map[string]int `json:"counts"`
}

func historyRun(ctx context.Context, d *Deps, o *historyOptions) error {
	cfg, err := loadConfig(d, o.inv.flags, o.g.configPath)
	if err != nil {
		return err
	}
	j, err := openExistingJournal(ctx, cfg)
	if err != nil {
		return err
	}
	defer j.Close()
	cs, err := j.Campaigns(ctx)
	if err != nil {
		return failErr(err, "")
	}
	printStoppedIn(ctx, cfg.ui(), d.Stderr, j, cfg.loc)
	remindRetention(ctx, d.Stderr, d, cfg, j)
	entries := make([]historyEntry, 0, len(cs))
	for _, c := range cs {
		counts, err := j.Counts(ctx, c.ID)
		if err != nil {
			return failErr(err, "")
		}
		e := historyEntry{Campaign: c.ID, Created: c.CreatedAt.In(cfg.loc).Format("2006-01-02 15:04"),
			Template: c.Template, List: c.List, Provider: c.Provider, Test: c.Test, Counts: map[string]int{}}
		for s, n := range counts {
			e.Counts[string(s)] = n
		}
		entries = append(entries, e)
	}
	if err := recordAudit(ctx, d, o.g, cfg, o.inv.command, j, journal.AuditHistory, nil, map[string]int{"campaigns": len(entries)}); err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(d.Stdout, entries)
	}
	p := cfg.ui()
	if len(entries) == 0 {
		p.Fprintln(d.Stdout, "No campaigns yet.")
		return nil
	}
	tw := newTable(d.Stdout)
	p.Fprintln(tw, "CAMPAIGN\tCREATED\tTEMPLATE\tKIND\tPROVIDER\tSTATES")
	for _, e := range entries {
		kind := p.Text("real")
		if e.Provider == "sim" {
			kind = p.Text("drill") // the simulator sent nothing real
		}
		if e.Test {
			kind = p.Text("test")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Campaign, e.Created, e.Template, kind, e.Provider, countsTextIn(p, e.Counts))
	}
	return tw.Flush()
}

// stateOrder is the order states are listed in, from the patient's point of view.
var stateOrder = []journal.State{journal.Delivered, journal.Sent, journal.Submitted, journal.Pending, journal.Sending,
	journal.Unknown, journal.Undelivered, journal.Failed, journal.Skipped}

func countsText(counts map[string]int) string { return countsTextIn(i18n.For(i18n.EN), counts) }

// openExistingJournal opens the journal for commands that only read past campaigns: a missing
// journal is a clear error, not a new empty file.
func openExistingJournal(ctx context.Context, cfg *Config) (*journal.Journal, error) {
	if !fileExists(cfg.Journal) {
		return nil, usageErr("send a campaign first, or pass --journal FILE", "no journal at %s", cfg.Journal)
	}
	j, err := journal.Open(ctx, cfg.Journal)
	if err != nil {
		return nil, failErr(err, "")
	}
	return j, nil
}

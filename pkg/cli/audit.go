package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/smscast/smscast/pkg/i18n"
	"github.com/smscast/smscast/pkg/journal"
)

type auditOptions struct {
	g      *globalOptions
	inv    invocation // the command line, captured by RunE
	Since  string
	JSON   bool
	Verify bool
}

func newCmdAudit(d *Deps, g *globalOptions) *cobra.Command {
	o := &auditOptions{g: g}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show who did what and when; --verify checks the trail was not altered",
		Long: `Audit prints the audit trail: every send, status refresh, report, history, purge and unlock,
with its time, operator, computer, campaign and counts. It never holds a phone number, a name
or a message text.

With --verify it checks every entry's hash, every link to the entry before and the last entry
against <journal>.audit-head, and exits 1 naming the first entry that was altered, removed or
reordered; 0 when the trail is intact.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.inv = invoked(c)
			return auditRun(c.Context(), d, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Since, "since", "", "only entries from this `DATE` on (2006-01-02, in the configured timezone, or RFC 3339)")
	f.BoolVar(&o.JSON, "json", false, "print the entries (or the check) as JSON")
	f.BoolVar(&o.Verify, "verify", false, "check the whole trail and its head file")
	f.String("journal", "", "journal file (default $XDG_DATA_HOME/smscast/journal.db)")
	return cmd
}

type auditJSON struct {
	Seq      int64          `json:"seq"`
	At       string         `json:"at"`    // UTC
	Local    string         `json:"local"` // in the offset it was recorded with
	Offset   int            `json:"tz_offset"`
	Action   string         `json:"action"`
	Test     bool           `json:"test"`
	Operator string         `json:"operator"`
	Host     string         `json:"host"`
	Command  string         `json:"command"`
	Campaign string         `json:"campaign,omitempty"`
	Template string         `json:"template,omitempty"`
	TextHash string         `json:"text_hash,omitempty"`
	Provider string         `json:"provider,omitempty"`
	Counts   map[string]int `json:"counts"`
	Hash     string         `json:"hash"`
}

func toAuditJSON(e journal.AuditEntry) auditJSON {
	return auditJSON{Seq: e.Seq, At: e.At.UTC().Format(time.RFC3339Nano), Local: auditTime(e).Format(time.RFC3339),
		Offset: e.Offset, Action: string(e.Action), Test: e.Test, Operator: e.Operator, Host: e.Host, Command: e.Command,
		Campaign: e.Campaign, Template: e.Template, TextHash: e.TextHash, Provider: e.Provider, Counts: e.Counts, Hash: e.Hash}
}

func auditRun(ctx context.Context, d *Deps, o *auditOptions) error {
	cfg, err := loadConfig(d, o.inv.flags, o.g.configPath)
	if err != nil {
		return err
	}
	var since time.Time
	if o.Since != "" {
		if since, err = parseSince(o.Since, cfg.loc); err != nil {
			return usageErr("e.g. --since 2026-11-01", "--since %q: not a date", o.Since)
		}
	}
	j, err := openExistingJournal(ctx, cfg)
	if err != nil {
		return err
	}
	defer j.Close()
	if o.Verify {
		return auditVerify(ctx, d, o, cfg, j)
	}
	es, err := j.AuditTrail(ctx, since)
	if err != nil {
		return failErr(err, "")
	}
	if o.JSON {
		out := make([]auditJSON, len(es))
		for i, e := range es {
			out[i] = toAuditJSON(e)
		}
		return writeJSON(d.Stdout, out)
	}
	start, err := j.AuditStarted(ctx)
	if err != nil {
		return failErr(err, "")
	}
	p := cfg.ui()
	if start.Before > 0 && (since.IsZero() || since.Before(start.At)) {
		p.Fprintf(d.Stdout, auditStartsAtUpgrade+"\n", start.At.In(cfg.loc).Format("2006-01-02 15:04"), start.Before)
	}
	if len(es) == 0 {
		p.Fprintln(d.Stdout, "No audit entries yet.")
		return nil
	}
	return printAuditIn(p, d.Stdout, es)
}

// auditStartsAtUpgrade: a journal from before the trail has campaigns with no entries.
const auditStartsAtUpgrade = "The audit trail starts at %s, when this journal was upgraded: the %d campaigns before it have no audit entries."

func printAudit(w io.Writer, es []journal.AuditEntry) error {
	return printAuditIn(i18n.For(i18n.EN), w, es)
}

// printAuditIn is printAudit in p's language. The action stays its code (send.created, …): it is
// what --json and scripts read, and what staff search for.
func printAuditIn(p *i18n.Printer, w io.Writer, es []journal.AuditEntry) error {
	tw := newTable(w)
	p.Fprintln(tw, "SEQ\tTIME\tOPERATOR\tHOST\tACTION\tCAMPAIGN\tDETAILS")
	for _, e := range es {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, auditTime(e).Format("2006-01-02 15:04:05 -07:00"),
			e.Operator, e.Host, auditAction(p, e), e.Campaign, auditDetails(p, e))
	}
	return tw.Flush()
}

func auditAction(p *i18n.Printer, e journal.AuditEntry) string {
	if e.Test {
		return p.Sprintf("%s (test)", string(e.Action))
	}
	return string(e.Action)
}

func auditDetails(p *i18n.Printer, e journal.AuditEntry) string {
	var parts []string
	if e.Template != "" {
		parts = append(parts, p.Sprintf("template %s", e.Template))
	}
	if e.TextHash != "" {
		parts = append(parts, p.Sprintf("text %s", e.TextHash[:12]))
	}
	if e.Provider != "" {
		parts = append(parts, p.Sprintf("via %s", e.Provider))
	}
	keys := make([]string, 0, len(e.Counts))
	for k := range e.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, p.Sprintf("%d %s", e.Counts[k], k))
	}
	if len(parts) == 0 {
		return e.Command
	}
	return strings.Join(parts, p.Text(", "))
}

type auditCheckJSON struct {
	Intact     bool       `json:"intact"`
	Entries    int        `json:"entries"`
	Start      string     `json:"start"`
	Before     int        `json:"campaigns_before_start"`
	HeadBehind int        `json:"head_behind"`
	Problem    string     `json:"problem,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	Seq        int64      `json:"seq,omitempty"`
	Entry      *auditJSON `json:"entry,omitempty"`
}

func auditVerify(ctx context.Context, d *Deps, o *auditOptions, cfg *Config, j *journal.Journal) error {
	ch, err := j.VerifyAudit(ctx)
	if err != nil {
		return failErr(err, "")
	}
	if o.JSON {
		r := auditCheckJSON{Intact: ch.Problem == nil, Entries: ch.Entries, Start: ch.Start.At.UTC().Format(time.RFC3339),
			Before: ch.Start.Before, HeadBehind: ch.HeadBehind}
		if p := ch.Problem; p != nil {
			r.Problem, r.Kind, r.Seq = p.Error(), string(p.Kind), p.Seq
			if p.Entry != nil {
				e := toAuditJSON(*p.Entry)
				r.Entry = &e
			}
		}
		if err := writeJSON(d.Stdout, r); err != nil {
			return failErr(err, "")
		}
	} else {
		if ch.Start.Before > 0 {
			cfg.ui().Fprintf(d.Stdout, auditStartsAtUpgrade+"\n", ch.Start.At.In(cfg.loc).Format("2006-01-02 15:04"), ch.Start.Before)
		}
		if p := ch.Problem; p != nil && p.Entry != nil {
			cfg.ui().Fprintln(d.Stdout, "The entry as it is now:")
			printAuditIn(cfg.ui(), d.Stdout, []journal.AuditEntry{*p.Entry})
		}
	}
	if ch.Problem != nil {
		return &exitError{code: ExitError, err: ch.Problem,
			hint: "keep this journal and its .audit-head as they are, as evidence; a backup shows the trail as it was"}
	}
	if o.JSON {
		return nil
	}
	p := cfg.ui()
	switch {
	case ch.Entries == 0:
		p.Fprintln(d.Stdout, "The audit trail is intact: it has no entries yet.")
	case ch.HeadBehind == 0:
		p.Fprintf(d.Stdout, "The audit trail is intact: %d entries, each linked to the one before, the last one matching %s.\n", ch.Entries, j.HeadPath())
	default:
		p.Fprintf(d.Stdout, "The audit trail is intact: %d entries, each linked to the one before.\n", ch.Entries)
		p.Fprintf(d.Stdout, "%s records entry %d of %d: smscast stopped between writing an entry and that file; the next entry brings it up to date.\n",
			j.HeadPath(), ch.Entries-ch.HeadBehind, ch.Entries)
	}
	return nil
}

// parseSince reads a date (midnight in loc) or an RFC 3339 time.
func parseSince(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

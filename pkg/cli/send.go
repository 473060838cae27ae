package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/message"
	"github.com/smscast/smscast/pkg/roster"
	"github.com/smscast/smscast/pkg/schedule"
	"github.com/smscast/smscast/pkg/sms"
)

type sendOptions struct {
	g   *globalOptions
	inv invocation // the command line, captured by RunE

	Template string
	Body     string
	BodyFile string
	To       string
	Vars     []string
	DryRun   bool
	Yes      bool
	JSON     bool
	Campaign string
	listFlags
	ResendUnknown   bool
	SmartEncoding   bool
	CallList        string
	Where           []string
	Rows            string
	Limit           int
	Test            bool
	NoWait          bool
	Events          bool
	Again           bool
	Ack             bool
	FailoverUnknown bool
	RecipientsOf    string
	Only            string
}

func newCmdSend(d *Deps, g *globalOptions, runF func(context.Context, *sendOptions) error) *cobra.Command {
	o := &sendOptions{g: g}
	cmd := &cobra.Command{
		Use:   "send <template> --to <list.csv>",
		Short: "Send a message to every patient on a list",
		Long: `Send renders the named template for every patient on the list and sends it through the
configured provider (the built-in simulator until another is configured).

Before sending it shows a summary: who will receive the message, who will not and why, the
message as the first patient will see it, its encoding and segments. On a terminal it asks for
confirmation; without one it sends only with --yes.

Every delivery is recorded in the journal before it is sent. If the run stops (Ctrl-C, a crash, a
provider outage), run the same command again to resume: nothing already
accepted is sent again.`,
		Example: `  smscast send outage --to patients.csv
  smscast send reschedule --to patients.csv --var old_time=9:00 --var new_time=13:00
  smscast send outage --to patients.csv --dry-run --json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 && o.To == "" && looksLikeList(args[1]) {
				// The list, written without --to: the most common slip.
				return hintf(usageErr("", "unexpected argument %q: the patient list is given with --to", args[1]),
					"did you mean: smscast send %s --to %s", args[0], args[1])
			}
			if len(args) > 1 {
				// Usually a --var written with a space instead of "=", or a value with spaces.
				return usageErr(`write --var KEY=VALUE with "=", and quote a value with spaces: --var when="13:00 (午後)"`,
					"unexpected argument %q: send takes one template name (%q)", args[1], args[0])
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.inv = invoked(c)
			if len(args) == 1 {
				o.Template = args[0]
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return sendRun(c.Context(), d, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.To, "to", "", "patient list (CSV or TSV exported from Excel or the records system)")
	f.StringArrayVar(&o.Vars, "var", nil, "template field `KEY=VALUE` (repeatable)")
	f.StringVar(&o.Body, "body", "", "send this text instead of a named template")
	f.StringVar(&o.BodyFile, "body-file", "", "send the text of this file instead of a named template")
	f.BoolVar(&o.DryRun, "dry-run", false, "do everything but send")
	f.BoolVarP(&o.Yes, "yes", "y", false, "send without asking (required without a terminal)")
	f.BoolVar(&o.JSON, "json", false, "print the result as JSON on stdout")
	f.StringVar(&o.Campaign, "campaign", "", "campaign `ID`: the same ID resumes an interrupted run (default: template and time)")
	o.listFlags.register(f)
	f.BoolVar(&o.ResendUnknown, "resend-unknown", false, "send again deliveries whose outcome is unknown")
	f.StringArrayVar(&o.Where, "where", nil, "send only to rows matching `COLUMN=VALUE` (e.g. 透析曜日=月,水,金 or 採血日=tomorrow; repeatable)")
	f.StringVar(&o.Rows, "rows", "", "send only to these rows, as Excel numbers them (e.g. 3,7,10-12)")
	f.IntVar(&o.Limit, "limit", 0, "send to at most N patients (a small trial)")
	f.BoolVar(&o.Test, "test", false, "send only to the test group (config test_group), marked as a test")
	f.BoolVar(&o.NoWait, "no-wait", false, "in quiet hours, leave the messages pending and exit 0 instead of waiting")
	f.BoolVar(&o.FailoverUnknown, "failover-unknown", false, "after a failover, send through the backup also what the first provider may have sent (marked possibly sent twice)")
	f.BoolVar(&o.Ack, "ack", false, "ask patients to reply 1 to confirm (smscast acks lists who did not)")
	f.StringVar(&o.RecipientsOf, "recipients-of", "", "send to the recipients of an earlier `CAMPAIGN` instead of a list (a follow-up)")
	f.StringVar(&o.Only, "only", "", "with --recipients-of: only those "+strings.Join(campaign.OnlyValues, ", "))
	f.BoolVar(&o.Again, "again", false, "send also to numbers that already received this message within repeat_window (a second reminder)")
	f.BoolVar(&o.Events, "events", false, "print NDJSON events (start, progress, delivery, end) on stdout")
	f.StringVar(&o.CallList, "call-list", "", "also write the list of patients to phone to this file")
	f.BoolVar(&o.SmartEncoding, "smart-encoding", false, "replace look-alike characters (curly quotes, dashes) with plain ones")
	addSendFlags(f)
	return cmd
}

// sendResult is what --json prints after a send.
type sendResult struct {
	Campaign    string `json:"campaign"`
	Provider    string `json:"provider"`
	Simulated   bool   `json:"simulated"`
	Test        bool   `json:"test"`
	Resumed     bool   `json:"resumed"`
	Rows        int    `json:"rows"`
	Planned     int    `json:"planned"`
	Skipped     int    `json:"skipped"`
	SentThisRun int    `json:"sent_this_run"`
	Accepted    int    `json:"accepted"`
	Failed      int    `json:"failed"`
	Unknown     int    `json:"unknown"`
	Pending     int    `json:"pending"`
	Report      string `json:"report"`
	ReportJSON  string `json:"report_json"`
	CallList    string `json:"call_list"`
	Interrupted bool   `json:"interrupted"`
}

func sendRun(ctx context.Context, d *Deps, o *sendOptions) error {
	cfg, err := loadConfig(d, o.inv.flags, o.g.configPath)
	if err != nil {
		return err
	}
	spec, err := lookupProvider(cfg.Provider)
	if err != nil {
		return err
	}
	if err := checkFailover(cfg); err != nil {
		return err
	}
	switch {
	case o.To != "" && o.RecipientsOf != "":
		return usageErr("give one of them", "--to and --recipients-of both choose the recipients: give only one")
	case o.Only != "" && o.RecipientsOf == "":
		return usageErr("e.g. smscast send outage --recipients-of outage-20261202-031123 --only unconfirmed",
			"--only needs --recipients-of: it chooses among an earlier campaign's recipients")
	case o.To == "" && o.RecipientsOf == "" && !o.Test:
		return usageErr("e.g. smscast send outage --to patients.csv", "--to: which patient list? give the list file")
	}
	if o.JSON && o.Events {
		return usageErr("choose one", "--json and --events both print on stdout: give only one")
	}
	if o.inv.flags.changed("limit") && o.Limit < 1 {
		return usageErr("e.g. --limit 5 for a trial to five patients", "--limit %d: give a positive number of patients", o.Limit)
	}
	vars, err := parseVars(o.Vars)
	if err != nil {
		return err
	}
	tmpl, err := resolveTemplate(o, cfg)
	if err != nil {
		return err
	}
	sel, err := campaign.NewSelection(o.Where, o.Rows, o.Limit)
	if err != nil {
		return fromCampaign(err)
	}
	qh, err := schedule.ParseQuietHours(cfg.QuietHours, cfg.loc)
	if err != nil {
		return asUsage(err, "fix quiet_hours in the config, e.g. 21:00-08:00")
	}
	now := cfg.now(d)
	id, err := campaign.RenderID(o.Campaign, tmpl.Name, now)
	if err != nil {
		return fromCampaign(err)
	}
	out := humanOut(d, o)

	// An existing journal holds the campaign this send may resume or grow and remembered
	// opt-outs. A new one is created only once the input is known to be good and the user has
	// confirmed, so bad input leaves nothing behind.
	var j *journal.Journal
	defer func() {
		if j != nil {
			j.Close()
		}
	}()
	if fileExists(cfg.Journal) {
		if j, err = openJournal(ctx, cfg); err != nil {
			return err
		}
	}
	if id != "" && j != nil {
		c, err := j.Campaign(ctx, id)
		switch {
		case err == nil:
			if c.Template != tmpl.Name || c.Test != o.Test {
				return usageErr("choose a new --campaign ID for a different message",
					"campaign %q was created for template %q (test: %t), not %q (test: %t)",
					c.ID, c.Template, c.Test, tmpl.Name, o.Test)
			}
		case !errors.Is(err, journal.ErrNotFound):
			return failErr(err, "")
		}
	}

	reportDir, err := filepath.Abs(cfg.ReportDir)
	if err != nil {
		return failErr(err, "")
	}
	in := campaign.Input{
		ReportDir: reportDir,
		Settings:  cfg.settings(qh),
		Provider:  cfg.providerInfo(spec),
		Template:  tmpl,
		List:      o.To,
		Read:      o.readOptions(cfg),
		Vars:      vars,
		Select:    sel,
		Test:      o.Test,
		Smart:     o.SmartEncoding,
		Again:     o.Again,
		Ack:       o.Ack || tmpl.Ack,
		ID:        id,
		Now:       d.Now(),

		RecipientsOf: o.RecipientsOf,
		Only:         o.Only,
	}
	plan, err := campaign.Prepare(ctx, j, in)
	if err != nil {
		return fromCampaign(err)
	}
	p := cfg.ui()
	if plan.Sendable() == 0 {
		if plan.NoMatch() {
			p.Fprintf(out, "No row of %s matches the selection: nothing to send.\n", o.To)
			for _, w := range sel.Warnings {
				p.Fprintf(out, "WARNING:    %s\n", localizeText(p, w))
			}
			return nil
		}
		if o.RecipientsOf != "" {
			return followUpNobody(p, out, o, plan)
		}
		return hintf(usageErr("", "%s: no row has a number that can receive SMS: nothing to send", o.To),
			"run `smscast check %s` to see every row and why it cannot receive SMS", o.To)
	}

	sum := plan.Summary()
	printSummary(out, cfg, sum, cfg.loc)
	if spec.real {
		p.Fprintf(out, "Privacy:    where patient numbers and texts are processed: %s (smscast help privacy)\n", p.Text(dataLocation(cfg.Provider)))
	}
	if len(cfg.Failover) > 0 {
		p.Fprintf(out, "Failover:   if %s cannot send, the send carries on through %s\n", cfg.Provider, strings.Join(cfg.Failover, ", "))
	}
	printBudgets(ctx, out, d, cfg, j)
	if j != nil {
		remindRetention(ctx, d.Stderr, d, cfg, j)
	}
	for _, w := range sel.Warnings {
		p.Fprintf(out, "WARNING:    %s (left out)\n", localizeText(p, w))
	}
	// The provider's configuration is checked before anything is recorded: a missing credential
	// must not leave a campaign behind. A dry run checks it without the simulator's outbox, which
	// would otherwise be created.
	if o.DryRun {
		s, err := spec.build(d, cfg.withoutOutbox())
		if err != nil {
			return asUsage(err, "")
		}
		closeSender(s)
		if o.JSON {
			return writeDryRunJSON(d.Stdout, plan)
		}
		p.Fprintln(out, "Dry run: nothing was sent.")
		return nil
	}
	if n := plan.ToSend(); n > 0 {
		if err := confirm(ctx, d, o, n); err != nil {
			return err
		}
	}
	sender, err := spec.build(d, cfg)
	if err != nil {
		return asUsage(err, "")
	}
	defer closeSender(sender)
	if err := preflight(ctx, sender); err != nil {
		return err
	}
	backups, closeBackups := fallbacks(ctx, d, cfg, out)
	defer closeBackups()
	primary, err := route(cfg, cfg.Provider, sender)
	if err != nil {
		return err
	}
	if j == nil {
		if j, err = openJournal(ctx, cfg); err != nil {
			return err
		}
	}
	sess, err := campaign.Create(ctx, j, plan)
	if err != nil {
		return failErr(err, "")
	}
	defer sess.Close()
	c := sess.Campaign
	action := journal.AuditSendCreated
	if sess.Resumed {
		action = journal.AuditSendResumed
	}
	if err := recordSend(ctx, d, o, cfg, j, action, c, tmpl, map[string]int{"to_send": plan.ToSend(), "added": sess.Added}); err != nil {
		return err
	}
	switch {
	case !sess.Resumed:
		p.Fprintf(out, "Campaign %s created: %d messages to send.\n", c.ID, sess.Added)
	case sess.Added > 0:
		p.Fprintf(out, "Campaign %s grows: %d more messages to send.\n", c.ID, sess.Added)
	}
	// The call list's contacts: a list read from a file is read again when the reports are
	// written, for the rows on the call list only; a list in memory (a test send, a follow-up)
	// is passed as it is.
	var list *roster.List
	read, fromFile := plan.ListRead()
	if !fromFile {
		list = plan.Loaded()
	}
	return runCampaign(ctx, d, o, cfg, spec, sender, j, c, in, list, &read, sess.Resumed, primary, backups)
}

// looksLikeList tells an argument that names a patient list (a .csv/.tsv/.txt file, or a file
// that exists) from a stray template word.
func looksLikeList(arg string) bool {
	switch strings.ToLower(filepath.Ext(arg)) {
	case ".csv", ".tsv", ".txt", ".xlsx", ".xls":
		return true
	}
	st, err := os.Stat(arg)
	return err == nil && st.Mode().IsRegular()
}

// recordSend records a send's step in the audit trail: the campaign, its template and a hash of
// its text (never the text), the provider and the counts.
func recordSend(ctx context.Context, d *Deps, o *sendOptions, cfg *Config, j *journal.Journal, action journal.AuditAction,
	c journal.Campaign, tmpl *message.Template, counts map[string]int) error {
	e := auditEntry(d, o.g, cfg, o.inv.command, action)
	e.Campaign, e.Template, e.Provider, e.Test, e.Counts = c.ID, c.Template, c.Provider, c.Test, counts
	if t := tmpl.Text(cfg.Lang); t != nil {
		e.TextHash = journal.TextHash(t.Body)
	}
	if err := j.Audit(context.WithoutCancel(ctx), e); err != nil {
		return failErr(err, "")
	}
	return nil
}

// fromCampaign gives an error of the campaign layer its exit code: bad input is a usage error
// (exit 2, nothing sent), anything else an error of the run (exit 1).
func fromCampaign(err error) error {
	var ie *campaign.InputError
	if errors.As(err, &ie) {
		return asUsage(ie, ie.Hint) // the InputError itself: its sentence is worded in the UI language
	}
	return failErr(err, "")
}

// preflightTimeout bounds the provider's pre-flight check.
const preflightTimeout = 20 * time.Second

// preflight asks a provider that can tell whether it answers and takes our credentials, before a
// campaign exists: a wrong key or an unreachable phone must not leave a campaign of pending
// deliveries behind.
func preflight(ctx context.Context, s sms.Sender) error {
	c, ok := s.(sms.Checker)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
	defer cancel()
	if err := c.Check(ctx); err != nil {
		return usageErr("fix the provider's settings (smscast help environment) and run the same command again: nothing was sent",
			"the provider did not accept the pre-flight check: %v", err)
	}
	return nil
}

// openJournal opens (or creates) the journal. A journal that cannot be used is never replaced:
// a new journal would not know who was already texted.
func openJournal(ctx context.Context, cfg *Config) (*journal.Journal, error) {
	j, err := journal.Open(ctx, cfg.Journal)
	if err != nil {
		return nil, failErr(err, "")
	}
	return j, nil
}

// closeSender releases a provider's resources (the simulator's outbox file).
func closeSender(s sms.Sender) {
	if c, ok := s.(io.Closer); ok {
		c.Close()
	}
}

// humanOut is where the human-readable summary goes: stdout, unless stdout carries JSON.
func humanOut(d *Deps, o *sendOptions) io.Writer {
	if o.JSON || o.Events {
		return d.Stderr
	}
	return d.Stdout
}

// runCampaign runs the pending deliveries of c, writes its report and returns the exit error.
func runCampaign(ctx context.Context, d *Deps, o *sendOptions, cfg *Config, spec providerSpec, sender sms.Sender,
	j *journal.Journal, c journal.Campaign, in campaign.Input, list *roster.List, read *roster.Options, resumed bool,
	primary campaign.Route, backups []campaign.Route) error {
	out := humanOut(d, o)
	p := cfg.ui()
	prog := newPrinter(d, spec.real, o.Events, cfg.loc, p)
	res, runErr := campaign.Run(ctx, j, c, sender, in.Settings, in.Provider, campaign.RunOptions{
		ResendUnknown: o.ResendUnknown,
		NoWait:        o.NoWait,
		GraceFloor:    max(cfg.ReconcileGrace, time.Nanosecond), // 0 would mean the default
		Now:           d.Now,
		OnEvent:       prog.event,
		OnQuiet:       func(dec schedule.Decision) { fmt.Fprintf(out, "%s\n", localizeText(p, dec.Summary)) },

		Primary:         primary,
		Fallbacks:       backups,
		FailoverAfter:   cfg.FailoverAfter,
		FailoverUnknown: o.FailoverUnknown,
	})
	prog.finish()
	action := journal.AuditSendFinished
	if res.Interrupted || runErr != nil || res.Quiet != nil {
		action = journal.AuditSendInterrupted
	}
	if err := recordSend(ctx, d, o, cfg, j, action, c, in.Template, map[string]int{"sent_this_run": res.SentThisRun,
		"accepted": res.Accepted, "failed": res.Failed, "unknown": res.Unknown, "pending": res.Pending}); err != nil && runErr == nil {
		return err
	}
	const resume = "run the same command again to resume: %s"
	again := resumeCommand(o, c.ID)
	switch {
	case res.Quiet != nil:
		p.Fprintf(out, "%s\nQuiet hours: %d messages stay pending; the same command sends them after %s.\n",
			localizeText(p, res.Quiet.Summary), res.Todo, res.Quiet.Until.In(cfg.loc).Format("15:04"))
		return nil
	case errors.Is(runErr, campaign.ErrInterrupted):
		return &exitError{code: ExitInterrupted, err: runErr, hint: resume, hintArgs: []any{again}}
	}

	paths, ds, err := writeReports(ctx, j, c, cfg.reportDir(c), o.CallList, reportOpts(d, cfg, c, list, read))
	if err != nil {
		return err
	}
	real := spec.real || sentForReal(c, ds)
	r := sendResult{
		Campaign: c.ID, Provider: c.Provider, Simulated: !real, Test: c.Test, Resumed: resumed,
		SentThisRun: res.SentThisRun, Accepted: res.Accepted, Failed: res.Failed, Unknown: res.Unknown,
		Pending: res.Pending, Report: paths.CSV, ReportJSON: paths.JSON, CallList: paths.Call,
		Interrupted: res.Interrupted,
	}
	for _, dl := range ds {
		r.Rows += len(dl.Patients)
		if dl.State == journal.Skipped {
			r.Skipped += len(dl.Patients)
		} else {
			r.Planned++
		}
	}
	switch {
	case o.JSON:
		if err := writeJSON(d.Stdout, r); err != nil {
			return failErr(err, "")
		}
	case o.Events:
		prog.end(r)
	}
	printResult(out, p, r, real)
	if resumed && res.Todo == 0 {
		// A rerun (a second cron run the same day) has nothing to do: that is success, but the
		// patients an earlier run could not reach are still to be phoned.
		p.Fprintf(out, "Nothing new to send: campaign %s was already complete.\n", c.ID)
		if n := r.Failed + r.Unknown; n > 0 {
			p.Fprintf(out, "%d messages failed or unknown in an earlier run: phone those patients (see %s).\n", n, paths.Call)
		}
		return nil
	}

	var outage *campaign.OutageError
	switch {
	case errors.As(runErr, &outage):
		return hintf(failErr(runErr, ""), "nobody was marked failed; run the same command again to resume: %s", again)
	case runErr != nil:
		return hintf(failErr(runErr, ""), resume, again)
	case res.Interrupted:
		return &exitError{code: ExitInterrupted, err: errorf("interrupted: pending deliveries remain"), hint: resume, hintArgs: []any{again}}
	case res.Pending > 0:
		return hintf(failErr(errorf("%d messages could not be sent yet: the provider kept failing (see the reason column of %s)",
			res.Pending, paths.CSV), ""), resume, again)
	case res.Failed+res.Unknown > 0:
		n := res.Failed + res.Unknown
		return &exitError{code: ExitPartial, err: errorf("%d messages failed or are unknown: phone those patients (see %s)", n, paths.Call)}
	}
	return nil
}

// resumeCommand is the exact command that resumes campaign id: this command's arguments with the
// campaign ID and --yes added.
func resumeCommand(o *sendOptions, id string) string {
	args := []string{"smscast", "send"}
	if o.Template != "" {
		args = append(args, o.Template)
	}
	if o.inv.flags == nil { // not run from a command line (tests, other front ends): the options are all there is
		if o.To != "" {
			args = append(args, "--to", o.To)
		}
		args = append(args, "--campaign", id, "--yes")
		return quoteArgs(runtime.GOOS, args)
	}
	for _, f := range o.inv.flags {
		switch {
		case f.name == "campaign" || f.name == "yes":
		case f.kind == boolFlag && f.value == "true":
			args = append(args, "--"+f.name)
		case f.kind == boolFlag:
			args = append(args, "--"+f.name+"=false")
		case f.kind == listFlag:
			for _, v := range f.list {
				args = append(args, "--"+f.name, v)
			}
		default:
			args = append(args, "--"+f.name, f.value)
		}
	}
	args = append(args, "--campaign", id, "--yes")
	return quoteArgs(runtime.GOOS, args)
}

func parseVars(kvs []string) (map[string]string, error) {
	vars := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, usageErr("write it as --var KEY=VALUE, e.g. --var new_time=13:00",
				"--var %q: expected KEY=VALUE", kv)
		}
		vars[k] = v
	}
	return vars, nil
}

func resolveTemplate(o *sendOptions, cfg *Config) (*message.Template, error) {
	sources := 0
	for _, s := range []string{o.Template, o.Body, o.BodyFile} {
		if s != "" {
			sources++
		}
	}
	switch {
	case sources == 0:
		return nil, usageErr("run `smscast templates list` to see them, e.g. smscast send outage --to patients.csv",
			"which message? name a template or give --body TEXT")
	case sources > 1:
		return nil, usageErr("give one of them", "a template name, --body and --body-file each choose the message: give only one")
	case o.Body != "":
		return asUsageT(message.AdHoc(o.Body))
	case o.BodyFile != "":
		text, err := readBodyFile(o.BodyFile)
		if err != nil {
			return nil, err
		}
		return asUsageT(message.AdHoc(text))
	}
	cat, err := message.LoadCatalog(cfg.TemplatesDir)
	if err != nil {
		return nil, asUsage(err, "fix the template file: nothing was sent")
	}
	return asUsageT(cat.Lookup(o.Template))
}

// maxBodyFile bounds --body-file: an SMS is at most 1,600 characters (6,400 bytes of UTF-8), and a
// template may hold fields; anything much larger is the wrong file.
const maxBodyFile = 64 << 10

// readBodyFile reads --body-file as the text of a message: not a device or pipe that never ends,
// not a binary file, not larger than a message could be.
func readBodyFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", usageErr("check the path", "--body-file: %v", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return "", usageErr("give a text file with the message", "--body-file %s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxBodyFile+1))
	if err != nil {
		return "", usageErr("check the file", "--body-file %s: %v", path, err)
	}
	switch {
	case len(data) > maxBodyFile:
		return "", usageErr("give a text file with the message (an SMS is at most 1,600 characters)",
			"--body-file %s: larger than %d KB: not a message", path, maxBodyFile>>10)
	case bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data):
		return "", usageErr("save the message as a text file in UTF-8 (in Notepad: 名前を付けて保存 → 文字コード UTF-8)",
			"--body-file %s: not UTF-8 text (binary data or another encoding)", path)
	}
	return string(data), nil
}

func asUsageT(t *message.Template, err error) (*message.Template, error) {
	if err != nil {
		return nil, asUsage(err, "")
	}
	return t, nil
}

// confirm asks before sending on a terminal and refuses without one unless --yes was given.
func confirm(ctx context.Context, d *Deps, o *sendOptions, n int) error {
	if o.Yes {
		return nil
	}
	if !d.StdinTTY || !d.StderrTTY {
		return usageErr("add --yes to send without a terminal (cron, scripts): nothing was sent",
			"not a terminal: refusing to send without --yes")
	}
	d.ui().Fprintf(d.Stderr, "Send %d messages now? [y/N] ", n)
	// Ctrl-C at the prompt answers it: the read goes on in the background, and nothing is sent.
	type answer struct {
		line string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(d.Stdin).ReadString('\n')
		got <- answer{line, err}
	}()
	var line string
	select {
	case <-ctx.Done():
		fmt.Fprintln(d.Stderr)
		return &exitError{code: ExitInterrupted, err: errorf("not sent: interrupted at the prompt")}
	case a := <-got:
		if a.err != nil && !errors.Is(a.err, io.EOF) {
			return failErr(a.err, "")
		}
		line = a.line
	}
	if promptYes(line) {
		return nil
	}
	return &exitError{code: ExitUsage, err: errorf("not sent: cancelled at the prompt")}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func humanDuration(dur time.Duration) string {
	if dur < time.Second {
		return "under a second"
	}
	return dur.Round(time.Second).String()
}

// sleepUntil waits until t by d's clock, or until ctx is cancelled.
func sleepUntil(ctx context.Context, d *Deps, t time.Time) error {
	timer := time.NewTimer(t.Sub(d.Now()))
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// addSendFlags are the flags of the settings a send is made with, on send and on serve alike:
// each sets the config key of its name (flagKeys).
func addSendFlags(f *pflag.FlagSet) {
	f.String("provider", "", "SMS provider: sim, twilio, karaden or smsgate (default sim)")
	f.String("region", "", "default country for numbers without a country code (default JP)")
	f.String("lang", "", "message language: ja or en (default ja)")
	f.String("journal", "", "journal file (default $XDG_DATA_HOME/smscast/journal.db)")
	f.String("report-dir", "", "directory for the delivery report (default .)")
	f.String("templates-dir", "", "directory of your own templates")
	f.Int("workers", 0, "concurrent requests to the provider (default 4)")
	f.Float64("rate", 0, "messages per second (default set per provider)")
}

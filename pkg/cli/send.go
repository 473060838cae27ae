package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/smscast/smscast/pkg/broadcast"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/message"
	"github.com/smscast/smscast/pkg/roster"
)

type sendOptions struct {
	g   *globalOptions
	cmd *cobra.Command

	Template      string
	Body          string
	BodyFile      string
	To            string
	Vars          []string
	DryRun        bool
	Yes           bool
	JSON          bool
	Campaign      string
	PhoneColumn   string
	NameColumn    string
	Encoding      string
	ResendUnknown bool
	SmartEncoding bool
	CallList      string
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
provider outage), run the same command with the same --campaign to resume: nothing already
accepted is sent again.`,
		Example: `  smscast send outage --to patients.csv
  smscast send reschedule --to patients.csv --var old_time=9:00 --var new_time=13:00
  smscast send outage --to patients.csv --dry-run --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.cmd = c
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
	f.StringVar(&o.PhoneColumn, "phone-column", "", "header of the phone column (default: found by name)")
	f.StringVar(&o.NameColumn, "name-column", "", "header of the name column (default: found by name)")
	f.StringVar(&o.Encoding, "encoding", "", "list encoding: utf-8 or cp932 (default: detected)")
	f.BoolVar(&o.ResendUnknown, "resend-unknown", false, "send again deliveries whose outcome is unknown")
	f.StringVar(&o.CallList, "call-list", "", "also write the list of patients to phone to this file")
	f.BoolVar(&o.SmartEncoding, "smart-encoding", false, "replace look-alike characters (curly quotes, dashes) with plain ones")
	f.String("provider", "", "SMS provider: sim or twilio (default sim)")
	f.String("region", "", "default country for numbers without a country code (default JP)")
	f.String("lang", "", "message language: ja or en (default ja)")
	f.String("journal", "", "journal file (default $XDG_DATA_HOME/smscast/journal.db)")
	f.String("report-dir", "", "directory for the delivery report (default .)")
	f.String("templates-dir", "", "directory of your own templates")
	f.Int("workers", 0, "concurrent requests to the provider (default 4)")
	f.Float64("rate", 0, "messages per second (default set per provider)")
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
	cfg, err := loadConfig(d, o.cmd, o.g.configPath)
	if err != nil {
		return err
	}
	spec, err := lookupProvider(cfg.Provider)
	if err != nil {
		return err
	}
	if o.To == "" {
		return usageErr("e.g. smscast send outage --to patients.csv", "--to: which patient list? give the list file")
	}
	vars, err := parseVars(o.Vars)
	if err != nil {
		return err
	}
	tmpl, err := resolveTemplate(o, cfg)
	if err != nil {
		return err
	}
	out := d.Stdout
	if o.JSON {
		out = d.Stderr // stdout carries only the JSON result
	}

	var j *journal.Journal
	if !o.DryRun || fileExists(cfg.Journal) {
		j, err = journal.Open(ctx, cfg.Journal)
		if err != nil {
			return failErr(err, "pass another file with --journal, or move the damaged one aside")
		}
		defer j.Close()
	}

	if o.Campaign != "" && j != nil {
		c, err := j.Campaign(ctx, o.Campaign)
		switch {
		case err == nil:
			if c.Template != tmpl.Name || c.List != o.To {
				return usageErr("choose a new --campaign ID for a different message or list",
					"campaign %q was created for template %q and list %s, not %q and %s",
					c.ID, c.Template, c.List, tmpl.Name, o.To)
			}
			if o.DryRun {
				fmt.Fprintf(out, "campaign %s exists: a dry run shows nothing new\n", c.ID)
				return nil
			}
			return runCampaign(ctx, d, o, cfg, spec, j, c, true)
		case !errors.Is(err, journal.ErrNotFound):
			return failErr(err, "")
		}
	}

	optOut, err := loadOptOuts(ctx, cfg, j)
	if err != nil {
		return err
	}
	list, err := roster.Load(o.To, roster.Options{
		PhoneColumn: o.PhoneColumn,
		NameColumn:  o.NameColumn,
		Region:      cfg.Region,
		Encoding:    o.Encoding,
		OptOut:      func(e164 string) bool { return optOut[e164] },
	})
	if err != nil {
		return asUsage(err, "fix the list and run the command again: nothing was sent")
	}
	plan, err := buildPlan(d, cfg, o, tmpl, list, vars)
	if err != nil {
		return asUsage(err, "")
	}
	if plan.sendable() == 0 {
		return usageErr("run `smscast check "+o.To+"` to see every row and why it cannot receive SMS",
			"%s: no row has a number that can receive SMS: nothing to send", o.To)
	}

	printSummary(out, cfg, spec, o, list, plan)
	if o.DryRun {
		if o.JSON {
			return writeJSON(d.Stdout, plan.dryRun(cfg, list))
		}
		fmt.Fprintln(out, "Dry run: nothing was sent.")
		return nil
	}
	if err := confirm(d, o, plan.sendable()); err != nil {
		return err
	}

	c := journal.Campaign{
		ID:        o.Campaign,
		Template:  tmpl.Name,
		List:      o.To,
		Provider:  cfg.Provider,
		CreatedAt: d.Now(),
		Meta:      map[string]string{"lang": cfg.Lang, "class": tmpl.Class},
	}
	if c.ID == "" {
		c.ID = fmt.Sprintf("%s-%s", tmpl.Name, d.Now().Format("20060102-150405"))
	}
	if err := j.CreateCampaign(ctx, c, plan.deliveries); err != nil {
		if errors.Is(err, journal.ErrExists) {
			return usageErr("use another --campaign ID", "campaign %q already exists", c.ID)
		}
		return failErr(err, "")
	}
	fmt.Fprintf(out, "Campaign %s created: %d messages to send.\n", c.ID, plan.sendable())
	return runCampaign(ctx, d, o, cfg, spec, j, c, false)
}

// runCampaign runs the pending deliveries of c, writes its report and returns the exit error.
func runCampaign(ctx context.Context, d *Deps, o *sendOptions, cfg *Config, spec providerSpec,
	j *journal.Journal, c journal.Campaign, resumed bool) error {
	out := d.Stdout
	if o.JSON {
		out = d.Stderr
	}
	release, err := j.Lock(ctx, c.ID)
	if err != nil {
		return failErr(err, "")
	}
	defer release()

	sender, err := spec.build(d, cfg)
	if err != nil {
		return asUsage(err, "")
	}
	rate := cfg.Rate
	if !cfg.rateSet {
		rate = spec.defaultRate
	}
	prog := newProgress(d, out, spec.real)
	res, runErr := broadcast.Run(ctx, j, c.ID, sender, broadcast.Config{
		Workers:       cfg.Workers,
		Rate:          rate,
		ResendUnknown: o.ResendUnknown,
		Now:           d.Now,
		OnEvent:       prog.event,
	})
	prog.finish()

	paths, ds, err := writeReports(ctx, j, c, cfg.ReportDir, o.CallList)
	if err != nil {
		return err
	}
	r := sendResult{
		Campaign: c.ID, Provider: cfg.Provider, Simulated: !spec.real, Test: c.Test, Resumed: resumed,
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
	if o.JSON {
		if err := writeJSON(d.Stdout, r); err != nil {
			return failErr(err, "")
		}
	}
	printResult(out, r, spec.real)

	resume := "run the same command again to resume: " + resumeCommand(o, c.ID)
	var outage *broadcast.OutageError
	switch {
	case errors.As(runErr, &outage):
		return failErr(runErr, "nobody was marked failed; "+resume)
	case runErr != nil:
		return failErr(runErr, resume)
	case res.Interrupted:
		return &exitError{code: ExitInterrupted, err: errors.New("interrupted: pending deliveries remain"), hint: resume}
	case res.Pending > 0:
		return failErr(fmt.Errorf("%d deliveries could not be sent yet", res.Pending), resume)
	case res.Failed+res.Unknown > 0:
		return &exitError{code: ExitPartial, err: fmt.Errorf("%d deliveries failed or are unknown: phone those patients (see %s)", res.Failed+res.Unknown, paths.Call)}
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
	o.cmd.Flags().Visit(func(f *pflag.Flag) {
		switch {
		case f.Name == "campaign" || f.Name == "yes":
		case f.Value.Type() == "bool" && f.Value.String() == "true":
			args = append(args, "--"+f.Name)
		case f.Value.Type() == "bool":
			args = append(args, "--"+f.Name+"=false")
		default:
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				for _, v := range sv.GetSlice() {
					args = append(args, "--"+f.Name, v)
				}
				return
			}
			args = append(args, "--"+f.Name, f.Value.String())
		}
	})
	args = append(args, "--campaign", id, "--yes")
	for i, a := range args {
		args[i] = shellQuote(a)
	}
	return strings.Join(args, " ")
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
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
		data, err := os.ReadFile(o.BodyFile)
		if err != nil {
			return nil, usageErr("check the path", "--body-file: %v", err)
		}
		return asUsageT(message.AdHoc(string(data)))
	}
	cat, err := message.LoadCatalog(cfg.TemplatesDir)
	if err != nil {
		return nil, asUsage(err, "fix the template file: nothing was sent")
	}
	return asUsageT(cat.Lookup(o.Template))
}

func asUsageT(t *message.Template, err error) (*message.Template, error) {
	if err != nil {
		return nil, asUsage(err, "")
	}
	return t, nil
}

// confirm asks before sending on a terminal and refuses without one unless --yes was given.
func confirm(d *Deps, o *sendOptions, n int) error {
	if o.Yes {
		return nil
	}
	if !d.StdinTTY || !d.StderrTTY {
		return usageErr("add --yes to send without a terminal (cron, scripts): nothing was sent",
			"not a terminal: refusing to send without --yes")
	}
	fmt.Fprintf(d.Stderr, "Send %d messages now? [y/N] ", n)
	line, err := bufio.NewReader(d.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return failErr(err, "")
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes", "はい":
		return nil
	}
	return &exitError{code: ExitUsage, err: errors.New("not sent: cancelled at the prompt")}
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

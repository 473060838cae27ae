package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/width"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/filter"
	"github.com/smscast/smscast/pkg/i18n"
	"github.com/smscast/smscast/pkg/message"
	"github.com/smscast/smscast/pkg/roster"
)

// ui is the printer of the language people read (ui_lang, else the locale). Main sets it before
// the commands are built, so that their help is in that language too; Deps built without Main
// (tests of a run function) speak English.
func (d *Deps) ui() *i18n.Printer {
	if d == nil || d.printer == nil {
		return i18n.For(i18n.EN)
	}
	return d.printer
}

// ui is the printer of the configured interface language.
func (c *Config) ui() *i18n.Printer { return i18n.For(c.uiLang) }

// bootLanguage is the interface language before the config is loaded, for --help and for errors
// that come before it: SMSCAST_UI_LANG, else ui_lang of the config file (found as loadConfig finds
// it, with --config read from args), else the locale. A value loadConfig will refuse counts as
// unset here: loadConfig reports it.
func bootLanguage(d *Deps, args []string) string {
	configured, ok := d.LookupEnv("SMSCAST_UI_LANG")
	if !ok {
		configured = configFileUILang(d, args)
	}
	lang, err := uiLanguage(configured, d)
	if err != nil {
		lang, _ = uiLanguage("", d)
	}
	return lang
}

// configFileUILang reads only ui_lang from the config file; any problem with the file is
// loadConfig's to report.
func configFileUILang(d *Deps, args []string) string {
	path := ""
	for i, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			path = v
		} else if a == "--config" && i+1 < len(args) {
			path = args[i+1]
		}
	}
	if path == "" {
		path = d.getenv("SMSCAST_CONFIG")
	}
	if path == "" {
		if dir := configDir(d); dir != "" {
			path = filepath.Join(dir, "smscast", "config.yaml")
		}
	}
	if path == "" {
		return ""
	}
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() || st.Size() > 1<<20 {
		return ""
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if data, err = decodeConfig(path, data); err != nil {
		return ""
	}
	var c struct {
		UILang string `yaml:"ui_lang"`
	}
	if yaml.Unmarshal(data, &c) != nil {
		return ""
	}
	return c.UILang
}

// msgError is an error sentence that keeps its format and arguments, so that it is printed in the
// reader's language; Error() is the English sentence.
type msgError struct {
	err    error // fmt.Errorf(format, args...): the English text, and what %w wraps
	format string
	args   []any
}

// errorf is fmt.Errorf for a sentence a person reads: the format is a key of the catalog.
func errorf(format string, a ...any) error {
	return &msgError{err: fmt.Errorf(format, a...), format: strings.ReplaceAll(format, "%w", "%v"), args: a}
}

func (e *msgError) Error() string { return e.err.Error() }
func (e *msgError) Unwrap() error { return errors.Unwrap(e.err) }

// localizeErr is err as a sentence in p's language. Errors smscast words itself (msgError, the
// list's, the template catalog's) are translated; any other error keeps its English text, inside
// the translated sentence that carries it.
func localizeErr(p *i18n.Printer, err error) string {
	switch e := err.(type) {
	case nil:
		return ""
	case *exitError:
		return localizeErr(p, e.err)
	case *msgError:
		return p.Sprintf(e.format, localizeArgs(p, e.args)...)
	case *campaign.InputError:
		if e.Format != "" {
			return p.Sprintf(strings.ReplaceAll(e.Format, "%w", "%v"), localizeArgs(p, e.Args)...)
		}
		return localizeErr(p, e.Err)
	}
	if p.Lang() == i18n.EN {
		return err.Error()
	}
	switch e := err.(type) {
	case *roster.Error:
		msg, hint := localizeText(p, e.Msg), localizeText(p, e.Hint)
		switch {
		case e.Row > 0 && hint != "":
			return p.Sprintf("%s row %d: %s: %s", e.Path, e.Row, msg, hint)
		case e.Row > 0:
			return p.Sprintf("%s row %d: %s", e.Path, e.Row, msg)
		case hint != "":
			return p.Sprintf("%s: %s: %s", e.Path, msg, hint)
		}
		return p.Sprintf("%s: %s", e.Path, msg)
	case *message.UnknownTemplateError:
		known := strings.Join(e.Known, ", ")
		if s := e.Suggestion(); s != "" {
			return p.Sprintf("unknown template %q: the templates are %s (did you mean %q?)", e.Name, known, s)
		}
		return p.Sprintf("unknown template %q: the templates are %s", e.Name, known)
	case *message.MissingError:
		lines := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			rows := rowsWords(p, f.Rows)
			if e.Every(f) {
				rows = p.Sprintf("every row (%d)", e.Of)
			}
			if e.Template == "" {
				lines[i] = p.Sprintf("the message needs field %q for %s: add --var %s=VALUE or a %s column", f.Field, rows, f.Field, f.Field)
			} else {
				lines[i] = p.Sprintf("template %q needs field %q for %s: add --var %s=VALUE or a %s column", e.Template, f.Field, rows, f.Field, f.Field)
			}
		}
		return strings.Join(lines, "\n")
	case *message.RowError:
		who := p.Text("the message")
		if e.Template != "" {
			who = p.Sprintf("template %q", e.Template)
		}
		rows := rowsWords(p, e.Rows)
		if e.Every() {
			rows = p.Sprintf("every row (%d)", e.Of)
		}
		msg := p.Sprintf("%s, %s: %s", who, rows, localizeErr(p, e.Err))
		if e.Others > 0 {
			msg += p.Sprintf(" (and %d other problems)", e.Others)
		}
		return msg
	case *filter.ExprError:
		return p.Sprintf("--where %q: %s", e.Expr, p.Sprintf(e.Format, localizeArgs(p, e.Args)...))
	case *filter.ColumnError:
		if len(e.Ambiguous) > 0 {
			return p.Sprintf("--where %q: %q could mean any of the columns %s: write one of them exactly as in the header",
				e.Expr, e.Column, strings.Join(e.Ambiguous, ", "))
		}
		return p.Sprintf("--where %q: the list has no column %q: its columns are %s", e.Expr, e.Column, strings.Join(e.Known, ", "))
	case *filter.CellError:
		return p.Sprintf("--where %q: %s %s", e.Expr, e.Column, localizeErr(p, e.Err))
	case interface{ Unwrap() []error }: // errors.Join: every --where that cannot be read
		var lines []string
		for _, x := range e.Unwrap() {
			lines = append(lines, localizeErr(p, x))
		}
		return strings.Join(lines, "\n")
	case *filter.DateError:
		// "cannot read … after the date: write today, …": the reason and the hint apart.
		reason := e.Reason
		if r, ok := strings.CutSuffix(reason, filter.DateHint); ok {
			reason = p.Text(filter.DateHint)
			if r = strings.TrimSuffix(r, ": "); r != "" {
				reason = localizeText(p, r) + ": " + reason
			}
		} else {
			reason = localizeText(p, reason)
		}
		if e.Suggest != "" {
			return p.Sprintf("%q is not a date (did you mean %s?): %s", e.Value, e.Suggest, reason)
		}
		return p.Sprintf("%q is not a date: %s", e.Value, reason)
	case *message.FileError:
		if e.Line > 0 {
			return p.Sprintf("%s line %d: %s", e.Path, e.Line, localizeText(p, e.Msg))
		}
		return p.Sprintf("%s: %s", e.Path, localizeText(p, e.Msg))
	}
	return localizeText(p, err.Error())
}

func localizeArgs(p *i18n.Printer, a []any) []any {
	out := make([]any, len(a))
	for i, v := range a {
		if err, ok := v.(error); ok && err != nil {
			out[i] = localizeErr(p, err)
			continue
		}
		out[i] = v
	}
	return out
}

// textPatterns translate sentences of other packages that carry a value (a column, a path, an
// error of the system): the pattern's groups are the key's arguments, all %s. TestCatalogIsComplete
// checks every key is in the catalog.
var textPatterns = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^cannot read the list: (.*)$`), "cannot read the list: %s"},
	{regexp.MustCompile(`^cannot read the opt-out file: (.*)$`), "cannot read the opt-out file: %s"},
	{regexp.MustCompile(`^no column ("[^"]*"); the headers are (.*)$`), "no column %s; the headers are %s"},
	{regexp.MustCompile(`^(.*): no column ("[^"]*"); the headers are (.*)$`), "%s: no column %s; the headers are %s"},
	{regexp.MustCompile(`^same number as row (\d+)$`), "same number as row %s"},
	{regexp.MustCompile(`^with --recipients-of: only those (.*)$`), "with --recipients-of: only those %s"},
	{regexp.MustCompile(`^journal file \(default (.*)\)$`), "journal file (default %s)"},
	{regexp.MustCompile(`^config file \(default (.*)\)$`), "config file (default %s)"},
	{regexp.MustCompile(`^no phone column; the headers are (.*)$`), "no phone column; the headers are %s"},
	{regexp.MustCompile(`^unknown encoding (.*)$`), "unknown encoding %s"},
	{regexp.MustCompile(`^unknown region (.*)$`), "unknown region %s"},
	{regexp.MustCompile(`^bytes that are not (.*) text$`), "bytes that are not %s text"},
	{regexp.MustCompile(`^unknown language ("[^"]*") in the file name: use ja or en, e\.g\. (.*)$`), "unknown language %s in the file name: use ja or en, e.g. %s"},
	{regexp.MustCompile(`^no header: (.*)$`), "no header: %s"},
	{regexp.MustCompile(`^the header has no closing "---" line: (.*)$`), `the header has no closing "---" line: %s`},
	{regexp.MustCompile(`^unknown command ("[^"]*") for ("[^"]*")$`), "unknown command %s for %s"},
	{regexp.MustCompile(`^unknown flag: (.*)$`), "unknown flag: %s"},
	{regexp.MustCompile(`^unknown shorthand flag: (.*)$`), "unknown shorthand flag: %s"},
	{regexp.MustCompile(`^flag needs an argument: (.*)$`), "flag needs an argument: %s"},
	{regexp.MustCompile(`^invalid argument ("[^"]*") for ("[^"]*") flag: (.*)$`), "invalid argument %s for %s flag: %s"},
	{regexp.MustCompile(`^accepts (\d+) arg\(s\), received (\d+)$`), "accepts %s arg(s), received %s"},
	{regexp.MustCompile(`^accepts at most (\d+) arg\(s\), received (\d+)$`), "accepts at most %s arg(s), received %s"},
	{regexp.MustCompile(`^unknown command ("[^"]*") for ("[^"]*")\n\nDid you mean this\?\n\t(.*)$`), "unknown command %s for %s (did you mean %s?)"},
	{regexp.MustCompile(`^most numbers are not valid in region (\S+) but are numbers of (.*): is the region right\? \(--region (\S+)\)$`),
		"most numbers are not valid in region %s but are numbers of %s: is the region right? (--region %s)"},
	// The reasons of a date that cannot be read (pkg/filter).
	{regexp.MustCompile(`^cannot read (".*") after the date$`), "cannot read %s after the date"},
	{regexp.MustCompile(`^there is no month (\d+)$`), "there is no month %s"},
	// The breaker's pause (pkg/broadcast): the reason is the provider's, in its own words.
	{regexp.MustCompile(`^the provider failed (\d+) times in a row \(last: (.*)\): pausing (\S+) before trying again$`),
		"the provider failed %s times in a row (last: %s): pausing %s before trying again"},
}

// localizeText is a sentence of another package in p's language: the catalog's translation of
// the whole sentence, else of a known pattern, else the sentence as it is.
func localizeText(p *i18n.Printer, s string) string {
	if s == "" || p.Lang() == i18n.EN {
		return s
	}
	if t, ok := p.Lookup(s); ok {
		return t
	}
	for _, tp := range textPatterns {
		if m := tp.re.FindStringSubmatch(strings.TrimRight(s, "\n")); m != nil {
			args := make([]any, len(m)-1)
			for i, g := range m[1:] {
				args[i] = g
			}
			return p.Sprintf(tp.key, args...)
		}
	}
	return s
}

// translateCommands puts the help of every command in p's language: Short, Long, Example, the
// flags' usage, cobra's own help command and flags, and the headings of the usage text. The keys
// are the English texts the commands were built with.
func translateCommands(root *cobra.Command, p *i18n.Printer) {
	if p.Lang() == i18n.EN {
		return
	}
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	root.InitDefaultVersionFlag()
	root.SetUsageTemplate(jaUsageTemplate)
	flag := func(f *pflag.Flag) {
		switch {
		case strings.HasPrefix(f.Usage, "help for "):
			f.Usage = p.Sprintf("help for %s", strings.TrimPrefix(f.Usage, "help for "))
		case strings.HasPrefix(f.Usage, "version for "):
			f.Usage = p.Sprintf("version for %s", strings.TrimPrefix(f.Usage, "version for "))
		default:
			f.Usage = localizeText(p, f.Usage)
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.InitDefaultHelpFlag()
		switch {
		case c.Name() == "help" && c.Parent() == root:
			c.Short = p.Text("Help about any command")
			c.Long = p.Sprintf("Help shows the help of any command: type %s help COMMAND.", root.Name())
		case c.Name() == "completion" && c.Parent() == root:
			c.Short = p.Text("Generate the autocompletion script for the specified shell")
			c.Long = p.Sprintf("Generate the autocompletion script for %s for the specified shell.", root.Name())
		case c.Parent() != nil && c.Parent().Name() == "completion":
			c.Short = p.Sprintf("Generate the autocompletion script for %s", c.Name())
		default:
			c.Short, c.Long, c.Example = p.Text(c.Short), p.Text(c.Long), p.Text(c.Example)
		}
		c.Flags().VisitAll(flag)
		c.PersistentFlags().VisitAll(flag)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// jaUsageTemplate is cobra's usage template with Japanese headings.
const jaUsageTemplate = `使い方:{{if .Runnable}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if gt (len .Aliases) 0}}

別名:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

例:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}{{$cmds := .Commands}}{{if eq (len .Groups) 0}}

コマンド:{{range $cmds}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{else}}{{range $group := .Groups}}

{{.Title}}{{range $cmds}}{{if (and (eq .GroupID $group.ID) (or .IsAvailableCommand (eq .Name "help")))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if not .AllChildCommandsHaveGroup}}

その他のコマンド:{{range $cmds}}{{if (and (eq .GroupID "") (or .IsAvailableCommand (eq .Name "help")))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

オプション:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

共通オプション:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasHelpSubCommands}}

ヘルプの項目:{{range .Commands}}{{if .IsAdditionalHelpTopicCommand}}
  {{rpad .CommandPath .CommandPathPadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableSubCommands}}

各コマンドの説明は "{{.CommandPath}} [command] --help" で表示されます。{{end}}
`

// promptYes reads the answer to a yes/no prompt: y or yes, full-width too (ｙ), or はい; anything
// else (n, いいえ, an empty line) is no.
func promptYes(line string) bool {
	switch strings.ToLower(width.Fold.String(strings.TrimSpace(line))) {
	case "y", "yes", "はい":
		return true
	}
	return false
}

// humanDurationIn is humanDuration in p's language.
func humanDurationIn(p *i18n.Printer, dur time.Duration) string {
	if dur < time.Second {
		return p.Text("under a second")
	}
	return dur.Round(time.Second).String()
}

// countsTextIn is countsText in p's language: "3 delivered, 1 failed".
func countsTextIn(p *i18n.Printer, counts map[string]int) string {
	var parts []string
	for _, s := range stateOrder {
		if n := counts[string(s)]; n > 0 {
			parts = append(parts, p.Sprintf("%d %s", n, p.Text(string(s))))
		}
	}
	return strings.Join(parts, p.Text(", "))
}

// rowsWords is "row 2", "rows 2, 3, 5" or "rows 2, 3, … (45 rows)" in p's language, as
// pkg/message writes it in English (the first 20 rows).
func rowsWords(p *i18n.Printer, rows []int) string {
	if len(rows) == 1 {
		return p.Sprintf("row %d", rows[0])
	}
	shown := make([]string, 0, min(len(rows), 20))
	for _, r := range rows[:min(len(rows), 20)] {
		shown = append(shown, strconv.Itoa(r))
	}
	list := strings.Join(shown, ", ")
	if len(rows) > 20 {
		return p.Sprintf("rows %s, … (%d rows)", list, len(rows))
	}
	return p.Sprintf("rows %s", list)
}

// Package cli is smscast's command line: one file per verb, the config layering and exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smscast/smscast/pkg/i18n"
)

// globalOptions are the flags every command takes.
type globalOptions struct {
	configPath string
	debug      bool
	operator   string // who runs smscast, for the audit trail
}

// Main runs smscast with args and returns the process exit code.
func Main(ctx context.Context, d *Deps, args []string) int {
	d, stdout := withPipeStdout(d)
	d.printer = i18n.For(bootLanguage(d, args))
	g := &globalOptions{}
	root := newRootCmd(d, g)
	translateCommands(root, d.ui())
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if stdout.broken.Load() && brokenPipe(runtime.GOOS, err) {
		// The reader of stdout went away and the command said so: that is how `| head` ends,
		// not a failure. Other errors are still reported.
		return ExitOK
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		// Errors that are not ours come from cobra itself: an unknown command or flag, a missing
		// argument. They are usage errors.
		ee = &exitError{code: ExitUsage, err: err, hint: "run `%s --help` for usage", hintArgs: []any{commandPath(root, args)}}
	}
	if ee.err != nil {
		fmt.Fprintf(d.Stderr, "smscast: %s\n", localizeErr(d.ui(), ee.err))
	}
	if g.debug && ee.code == ExitError {
		// Errors that are not the user's to fix are shown in full, for a bug report.
		for e := ee.err; e != nil; e = errors.Unwrap(e) {
			fmt.Fprintf(d.Stderr, "  debug: %T: %v\n", e, e)
		}
	}
	if ee.hint != "" {
		fmt.Fprintf(d.Stderr, "  %s\n", ee.hintIn(d.ui()))
	}
	return ee.code
}

func commandPath(root *cobra.Command, args []string) string {
	if c, _, err := root.Find(args); err == nil {
		return c.CommandPath()
	}
	return root.Name()
}

func newRootCmd(d *Deps, g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "smscast",
		Short: "Send an urgent SMS to every patient on a clinic's list, exactly once",
		Long: `smscast sends a prepared message to every patient on a clinic's phone list, through a
rate-limited pool to an SMS provider (Twilio, or the built-in simulator for drills), and writes a
delivery report and the list of patients staff still have to phone.

Start with a drill on the simulator:
  smscast send outage --to examples/patients.csv --yes`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       d.Version,
	}
	root.SetIn(d.Stdin)
	root.SetOut(d.Stdout)
	root.SetErr(d.Stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if s := suggestFlags(c, err); len(s) > 0 {
			return hintf(usageErr("", "%v", err), "did you mean %s? `%s --help` lists every flag", strings.Join(s, " or "), c.CommandPath())
		}
		return hintf(usageErr("", "%v", err), "run `%s --help` for usage", c.CommandPath())
	})
	root.PersistentFlags().StringVar(&g.configPath, "config", "", "config file (default $XDG_CONFIG_HOME/smscast/config.yaml)")
	root.PersistentFlags().BoolVar(&g.debug, "debug", false, "show internal error details")
	root.PersistentFlags().StringVar(&g.operator, "operator", "", "who runs smscast, for the audit trail (default: config operator, SMSCAST_OPERATOR, the OS user)")
	root.SetVersionTemplate("smscast {{.Version}}\n")

	root.AddCommand(
		newCmdSend(d, g, nil),
		newCmdCheck(d, g),
		newCmdTemplates(d, g),
		newCmdStatus(d, g),
		newCmdAcks(d, g, nil),
		newCmdHistory(d, g),
		newCmdReport(d, g),
		newCmdServe(d, g, nil),
		newCmdVersion(d),
		newCmdAudit(d, g),
		newCmdPurge(d, g),
		newCmdUnlock(d, g),
		helpTopic("privacy", "What smscast stores, where, for how long, and what the audit trail records", privacyHelpIn(d.ui())),
		helpTopic("exit-codes", "What smscast's exit codes mean", d.ui().Text(exitCodesHelp)),
		helpTopic("environment", "Configuration keys, environment variables and where files live", environmentHelpIn(d.ui(), runtime.GOOS, d.getenv)),
	)
	registerCompletions(d, g, root)
	return root
}

// helpTopic is a command with no action: cobra lists it under "Additional help topics" and
// `smscast help NAME` prints it.
func helpTopic(name, short, long string) *cobra.Command {
	return &cobra.Command{Use: name, Short: short, Long: strings.TrimRight(long, "\n")}
}

func newCmdVersion(d *Deps) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintf(d.Stdout, "smscast %s\n", versionString(d.Version))
			return nil
		},
	}
}

// versionString is the release's version, or for a build from a checkout the commit it was
// built from (Go records it in the binary), so that a report of a problem says which code ran.
func versionString(v string) string {
	if v != "dev" && v != "" {
		return v
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = " (modified)"
			}
		}
	}
	if rev == "" {
		if info.Main.Version != "" && info.Main.Version != "(devel)" {
			return info.Main.Version
		}
		return v
	}
	return fmt.Sprintf("dev %.12s%s", rev, modified)
}

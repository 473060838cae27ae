package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/roster"
	"github.com/smscast/smscast/pkg/schedule"
)

type checkOptions struct {
	g   *globalOptions
	inv invocation // the command line, captured by RunE

	listFlags
	File string
	JSON bool
}

func newCmdCheck(d *Deps, g *globalOptions) *cobra.Command {
	o := &checkOptions{g: g}
	cmd := &cobra.Command{
		Use:   "check <list.csv>",
		Short: "Check a patient list: who can receive SMS, and every problem row",
		Long: `Check reads a patient list exactly as send would and reports the encoding and delimiter it
detected, which columns hold the phone number and the name, how many rows fall in each class
(sendable mobile, landline, invalid, empty, duplicate, opted out) and every problem row with its
row number (the header is row 1, as in Excel), its value and the reason.

It exits 0 when the whole file was read and at least one row can receive SMS.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.inv, o.File = invoked(c), args[0]
			return checkRun(c.Context(), d, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.JSON, "json", false, "print the result as JSON")
	o.listFlags.register(f)
	f.String("region", "", "default country for numbers without a country code (default JP)")
	f.String("journal", "", "journal file, for the numbers providers reported as opted out")
	return cmd
}

func checkRun(ctx context.Context, d *Deps, o *checkOptions) error {
	cfg, err := loadConfig(d, o.inv.flags, o.g.configPath)
	if err != nil {
		return err
	}
	var j *journal.Journal
	if fileExists(cfg.Journal) {
		// Numbers a provider reported as opted out count as opted out here too.
		if j, err = journal.Open(ctx, cfg.Journal); err != nil {
			return failErr(err, "")
		}
		defer j.Close()
	}
	optOut, err := campaign.OptOuts(ctx, cfg.settings(schedule.QuietHours{}), j)
	if err != nil {
		return fromCampaign(err)
	}
	rep, err := roster.Check(o.File, o.options(cfg, optOut))
	if err != nil {
		return asUsage(err, "fix the list and check it again")
	}
	if o.JSON {
		if err := writeJSON(d.Stdout, rep); err != nil {
			return failErr(err, "")
		}
	} else if err := writeCheckText(cfg.ui(), d.Stdout, o.File, rep); err != nil {
		return failErr(err, "")
	}
	if !rep.OK() {
		return &exitError{code: ExitUsage, err: errorf("%s: no row has a number that can receive SMS", o.File),
			hint: "fix the phone column, or name it with --phone-column"}
	}
	return nil
}

package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/journal"
)

type unlockOptions struct {
	g        *globalOptions
	inv      invocation // the command line, captured by RunE
	Campaign string
	Force    bool
}

func newCmdUnlock(d *Deps, g *globalOptions) *cobra.Command {
	o := &unlockOptions{g: g}
	cmd := &cobra.Command{
		Use:   "unlock <campaign>",
		Short: "Clear a campaign's lock left by a smscast that is gone",
		Long: `Unlock clears the lock that keeps two smscast processes from sending one campaign at once. A
lock left by a process of this computer that has died is cleared by itself at the next send;
unlock is for a lock whose holder cannot be asked: a smscast on another computer sharing the
journal. It refuses while the holder is alive on this computer, and for a holder on another
computer asks for --force (check that no smscast runs there any more).`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.inv, o.Campaign = invoked(c), args[0]
			return unlockRun(c.Context(), d, o)
		},
	}
	cmd.Flags().BoolVar(&o.Force, "force", false, "clear a lock held from another computer")
	cmd.Flags().String("journal", "", "journal file (default $XDG_DATA_HOME/smscast/journal.db)")
	return cmd
}

func unlockRun(ctx context.Context, d *Deps, o *unlockOptions) error {
	cfg, j, c, err := openCampaign(ctx, d, o.inv.flags, o.g, o.Campaign)
	if err != nil {
		return err
	}
	defer j.Close()
	// A send holds its campaign's lock and the lock on its message (see campaign.Create).
	keys := []string{c.ID, "campaign:" + campaign.FoldID(c.ID), "message:" + c.Fingerprint}
	for _, k := range keys {
		held, err := j.Held(ctx, k)
		if err != nil {
			return failErr(err, "")
		}
		switch {
		case held == nil:
		case held.Host == "":
			return failErr(held, "wait for it to finish, or stop it (Ctrl-C in its window); a lock of a process that died is cleared by itself")
		case !o.Force:
			return hintf(usageErr("", "campaign %s is locked from another computer (%s)", c.ID, held.Host),
				"if no smscast runs on %s any more, run smscast unlock %s --force", held.Host, c.ID)
		}
	}
	for _, k := range keys {
		if err := j.ForceUnlock(ctx, k); err != nil {
			return failErr(err, "")
		}
	}
	if err := recordAudit(ctx, d, o.g, cfg, o.inv.command, j, journal.AuditUnlock, &c, nil); err != nil {
		return err
	}
	cfg.ui().Fprintf(d.Stdout, "Campaign %s is unlocked: the same send command resumes it.\n", c.ID)
	return nil
}

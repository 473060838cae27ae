package cli

import (
	"context"
	"os"
	"os/user"
	"time"

	"github.com/smscast/smscast/pkg/journal"
)

// auditEntry is an audit entry of action with what every entry holds filled in: when (UTC, and
// the offset of the configured timezone), who (operator), where (host) and which command (its
// path as RunE captured it, "smscast" when empty; never its arguments, which can carry numbers
// or names). The caller adds the campaign, template, text hash, provider and counts, and passes
// it to journal.Audit.
func auditEntry(d *Deps, g *globalOptions, cfg *Config, command string, action journal.AuditAction) journal.AuditEntry {
	at := d.Now()
	_, off := at.In(cfg.loc).Zone()
	if command == "" {
		command = "smscast"
	}
	host, _ := os.Hostname()
	return journal.AuditEntry{At: at.UTC(), Offset: off, Action: action, Operator: operator(d, g, cfg),
		Host: host, Command: command}
}

// operator is who runs smscast: --operator, else the config's operator (file or
// SMSCAST_OPERATOR), else the OS user.
func operator(d *Deps, g *globalOptions, cfg *Config) string {
	if g != nil && g.operator != "" {
		return g.operator
	}
	if cfg.Operator != "" {
		return cfg.Operator
	}
	for _, k := range []string{"USER", "USERNAME", "LOGNAME"} {
		if v := d.getenv(k); v != "" {
			return v
		}
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// recordAudit records action in the audit trail, about c when it is not nil, with counts. An
// action that could not be recorded fails the command: the clinic must be able to tell who did
// what.
func recordAudit(ctx context.Context, d *Deps, g *globalOptions, cfg *Config, command string, j *journal.Journal,
	action journal.AuditAction, c *journal.Campaign, counts map[string]int) error {
	e := auditEntry(d, g, cfg, command, action)
	if c != nil {
		e.Campaign, e.Template, e.Provider, e.Test = c.ID, c.Template, c.Provider, c.Test
	}
	e.Counts = counts
	if err := j.Audit(context.WithoutCancel(ctx), e); err != nil {
		return failErr(err, "")
	}
	return nil
}

// auditTime is an entry's time as the clinic read it then: in the offset it was recorded with.
func auditTime(e journal.AuditEntry) time.Time {
	return e.At.In(time.FixedZone("", e.Offset))
}

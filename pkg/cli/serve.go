package cli

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/report"
	"github.com/smscast/smscast/pkg/schedule"
	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/web"
)

type serveOptions struct {
	g   *globalOptions
	inv invocation // the command line, captured by RunE

	Addr   string
	NoOpen bool
	// open opens url in the default browser; nil: the system's opener.
	open func(url string) error
}

func newCmdServe(d *Deps, g *globalOptions, runF func(context.Context, *serveOptions) error) *cobra.Command {
	o := &serveOptions{g: g}
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:PORT] [--no-open]",
		Short: "Open a local page for staff: choose the list and message, confirm, watch the send",
		Long: `Serve starts a page in the browser of this computer for staff who would rather not use a
terminal: choose the patient list, the message, see the same summary as send, type the number of
messages to confirm, watch the progress, print the call list. It runs the same engine and journal
as send: a campaign sent from the page is in smscast history, and the page and the command line
never send one campaign at once.

The page listens on this computer's loopback address only (patient data never leaves the laptop
this way). The first line printed is its address with a one-time token; the browser opens it
(unless --no-open). Ctrl-C stops the server; a send in progress stops as on Ctrl-C in send, and
the page says how to resume it.`,
		Example: `  smscast serve
  smscast serve --addr 127.0.0.1:8765 --no-open`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.inv = invoked(c)
			if runF != nil {
				return runF(c.Context(), o)
			}
			return serveRun(c.Context(), d, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Addr, "addr", "127.0.0.1:0", "loopback address and port to listen on (port 0: any free port)")
	f.BoolVar(&o.NoOpen, "no-open", false, "do not open the browser; open the printed address yourself")
	addSendFlags(f)
	return cmd
}

// loopbackAddr checks that addr listens on this computer only: a loopback IP or localhost.
func loopbackAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", usageErr("e.g. --addr 127.0.0.1:8765", "--addr %q: %v", addr, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "", usageErr("use 127.0.0.1 (this computer only), e.g. --addr 127.0.0.1:8765",
			"--addr %q: the page serves patient data and listens on this computer's loopback address only", addr)
	}
	return net.JoinHostPort(host, port), nil
}

func serveRun(ctx context.Context, d *Deps, o *serveOptions) error {
	addr, err := loopbackAddr(o.Addr)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(d, o.inv.flags, o.g.configPath)
	if err != nil {
		return err
	}
	spec, err := lookupProvider(cfg.Provider)
	if err != nil {
		return err
	}
	qh, err := schedule.ParseQuietHours(cfg.QuietHours, cfg.loc)
	if err != nil {
		return asUsage(err, "fix quiet_hours in the config, e.g. 21:00-08:00")
	}
	// The provider's configuration is checked now, as a dry run checks it, without the
	// simulator's outbox: a missing credential is told before the page opens.
	s, err := spec.build(d, cfg.withoutOutbox())
	if err != nil {
		return asUsage(err, "")
	}
	closeSender(s)

	srv, err := web.New(web.Config{
		Lang:         pageLang(d, cfg),
		Settings:     cfg.settings(qh),
		Provider:     cfg.providerInfo(spec),
		Build:        func() (sms.Sender, error) { return spec.build(d, cfg) },
		Journal:      cfg.Journal,
		ReportDir:    cfg.ReportDir,
		TemplatesDir: cfg.TemplatesDir,
		GraceFloor:   cfg.ReconcileGrace,
		Now:          d.Now,
		WriteReports: func(ctx context.Context, j *journal.Journal, c journal.Campaign) (report.Paths, error) {
			// The files `smscast report` writes, with its options.
			paths, _, err := writeReports(ctx, j, c, cfg.ReportDir, "", reportOpts(d, cfg, c, nil, nil)) // the page serves files from its own folder only
			return paths, err
		},
		PageOptions: func(c journal.Campaign) report.Options {
			return allContacts(reportOpts(d, cfg, c, nil, nil)) // the page sets Lang to its own language
		},
		Audit: func(ctx context.Context, j *journal.Journal, action journal.AuditAction, c *journal.Campaign, counts map[string]int) error {
			return recordAudit(ctx, d, o.g, cfg, o.inv.command, j, action, c, counts)
		},
		Log: d.Stderr,
	})
	if err != nil {
		return failErr(err, "")
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return usageErr("choose another port, e.g. --addr 127.0.0.1:8766, or 127.0.0.1:0 for any free one", "--addr %s: %v", addr, err)
	}
	url := fmt.Sprintf("http://%s/?token=%s", ln.Addr(), srv.Token())
	// The first line of stdout is the address, for people and for tools that start the page: it
	// is the same in every language.
	fmt.Fprintln(d.Stdout, url)
	p := cfg.ui()
	p.Fprintln(d.Stderr, "smscast serve: open the address above in a browser on this computer (it works once); Ctrl-C stops the server.")
	if !spec.real {
		p.Fprintln(d.Stderr, "SIMULATOR: no real SMS will be sent (provider sim).")
	}
	if !o.NoOpen {
		open := o.open
		if open == nil {
			open = openBrowser
		}
		if err := open(url); err != nil {
			p.Fprintf(d.Stderr, "note: could not open a browser (%v): open the address above yourself.\n", localizeErr(p, err))
		}
	}
	if err := srv.Serve(ctx, ln); err != nil {
		return failErr(err, "")
	}
	p.Fprintln(d.Stderr, "smscast serve: stopped.")
	return nil
}

// pageLang is the page's language: the interface language when something states one (ui_lang,
// SMSCAST_UI_LANG or a locale variable), else Japanese. The terminal falls back to English; the
// page is for the clinic's staff first, and a clinic's Windows laptop sets no locale variable.
func pageLang(d *Deps, cfg *Config) string {
	if strings.TrimSpace(cfg.UILang) != "" {
		return cfg.uiLang
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		switch v := d.getenv(k); {
		case v == "":
		case v == "C" || v == "POSIX" || strings.HasPrefix(v, "C.") || strings.HasPrefix(v, "POSIX."):
			// The C locale is no language (a service, a container): the page's first one.
			return report.LangJA
		default:
			return cfg.uiLang
		}
	}
	return report.LangJA
}

// openBrowser opens url with the system's opener and does not wait for the browser.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	case "darwin":
		cmd = exec.Command("open", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(cmd.Args[:1], " "), err)
	}
	go cmd.Wait() // reap it; its exit status is not ours to report
	return nil
}

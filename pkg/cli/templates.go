package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/message"
	"github.com/smscast/smscast/pkg/schedule"
)

func newCmdTemplates(d *Deps, g *globalOptions) *cobra.Command {
	list := func(c *cobra.Command, _ []string) error { return templatesList(d, g, invoked(c).flags) }
	cmd := &cobra.Command{
		Use:   "templates [list | show <name>]",
		Short: "List the message templates, or show one",
		Long: `Templates are the prepared messages send takes by name. The shipped ones are built into
smscast; a file NAME.LANG.tmpl in your templates directory (templates_dir, default
$XDG_CONFIG_HOME/smscast/templates) replaces the shipped template of that name.`,
		Args: cobra.NoArgs,
		RunE: list,
	}
	cmd.PersistentFlags().String("templates-dir", "", "directory of your own templates")
	cmd.PersistentFlags().String("lang", "", "show only this message language: ja or en (default: every language)")
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the templates: name, languages, class, segments of a sample, description",
		Args:  cobra.NoArgs,
		RunE:  list,
	}, &cobra.Command{
		Use:   "show <name>",
		Short: "Show a template: its text, variables and a sample in each language",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return templatesShow(d, g, invoked(c).flags, args[0])
		},
	})
	return cmd
}

func loadCatalog(d *Deps, g *globalOptions, flags flagsSet) (*message.Catalog, *Config, error) {
	cfg, err := loadConfig(d, flags, g.configPath)
	if err != nil {
		return nil, nil, err
	}
	cat, err := message.LoadCatalog(cfg.TemplatesDir)
	if err != nil {
		return nil, nil, asUsage(err, "fix the template file")
	}
	return cat, cfg, nil
}

// sampleEnv renders samples with the same fields a send renders with (campaign.RenderEnv), so
// `templates show` reports the encoding and segments that are sent.
func sampleEnv(d *Deps, cfg *Config) message.Env {
	c := cfg.settings(schedule.QuietHours{}).Clinic
	return campaign.RenderEnv(c, cfg.Lang, cfg.now(d), false)
}

func templatesList(d *Deps, g *globalOptions, flags flagsSet) error {
	cat, cfg, err := loadCatalog(d, g, flags)
	if err != nil {
		return err
	}
	env := sampleEnv(d, cfg)
	tw := newTable(d.Stdout)
	cfg.ui().Fprintln(tw, "NAME\tLANGUAGES\tCLASS\tSEGMENTS\tDESCRIPTION")
	for _, t := range cat.Templates() {
		var segs []string
		for _, lang := range t.Langs {
			body, err := t.Sample(lang, env)
			if err != nil {
				segs = append(segs, lang+":?")
				continue
			}
			segs = append(segs, fmt.Sprintf("%s:%d", lang, message.Count(body).Segments))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, strings.Join(t.Langs, ","), t.Class,
			strings.Join(segs, " "), t.Description)
	}
	return tw.Flush()
}

func templatesShow(d *Deps, g *globalOptions, flags flagsSet, name string) error {
	cat, cfg, err := loadCatalog(d, g, flags)
	if err != nil {
		return err
	}
	t, err := cat.Lookup(name)
	if err != nil {
		return asUsage(err, "")
	}
	env := sampleEnv(d, cfg)
	w := d.Stdout
	p := cfg.ui()
	p.Fprintf(w, "%s — %s (class %s)\n", t.Name, t.Description, t.Class)
	if len(t.Vars) > 0 {
		p.Fprintln(w, "\nVariables (give them with --var NAME=VALUE or as list columns):")
		for _, v := range t.Vars {
			extra := ""
			if v.Default != "" {
				extra = p.Sprintf(" (default %s)", v.Default)
			}
			fmt.Fprintf(w, "  %-12s %s%s\n", v.Name, v.Description, extra)
		}
	}
	langs := t.Langs
	if flags.changed("lang") {
		langs = []string{cfg.Lang}
	}
	for _, lang := range langs {
		text := t.Text(lang)
		fmt.Fprintf(w, "\n[%s] %s\n", lang, text.Path)
		for _, line := range strings.Split(strings.TrimRight(text.Body, "\n"), "\n") {
			fmt.Fprintf(w, "  │ %s\n", line)
		}
		body, err := t.Sample(lang, env)
		if err != nil {
			p.Fprintf(w, "  sample: %v\n", localizeErr(p, err))
			continue
		}
		info := message.Count(body)
		p.Fprintf(w, "  sample (%s, %d characters, %s):\n", info.Encoding, info.Characters, p.Sprintf("%d segments", info.Segments))
		for _, line := range strings.Split(body, "\n") {
			fmt.Fprintf(w, "  │ %s\n", line)
		}
	}
	return nil
}

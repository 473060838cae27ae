package cli

import (
	"context"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/message"
)

// registerCompletions teaches the shell completion (`smscast completion bash|zsh|fish|powershell`)
// smscast's own words: template names, campaign IDs from the journal, message languages,
// providers, the follow-up groups and list files. A completion never writes anything: no journal
// is created, nothing is audited.
func registerCompletions(d *Deps, g *globalOptions, root *cobra.Command) {
	templates := func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return templateNames(d, g, c), cobra.ShellCompDirectiveNoFileComp
	}
	campaigns := func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return campaignIDs(d, g, c), cobra.ShellCompDirectiveNoFileComp
	}
	campaignFlag := func(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		return campaignIDs(d, g, c), cobra.ShellCompDirectiveNoFileComp
	}
	fixed := func(words ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return words, cobra.ShellCompDirectiveNoFileComp
		}
	}
	lists := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"csv", "tsv", "txt"}, cobra.ShellCompDirectiveFilterFileExt
	}
	names := providerNames()

	for _, c := range root.Commands() {
		switch c.Name() {
		case "send":
			c.ValidArgsFunction = templates
			completeFlag(c, "to", lists)
			completeFlag(c, "lang", fixed("ja\t日本語", "en\tEnglish"))
			completeFlag(c, "provider", fixed(names...))
			completeFlag(c, "recipients-of", campaignFlag)
			completeFlag(c, "only", fixed("reached", "confirmed", "unconfirmed", "unreached"))
			completeFlag(c, "encoding", fixed("utf-8", "cp932"))
		case "templates":
			completeFlag(c, "lang", fixed("ja\t日本語", "en\tEnglish"))
			for _, sub := range c.Commands() {
				if sub.Name() == "show" {
					sub.ValidArgsFunction = templates
				}
			}
		case "status", "report", "acks", "unlock":
			c.ValidArgsFunction = campaigns
		case "check":
			c.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return []string{"csv", "tsv", "txt"}, cobra.ShellCompDirectiveFilterFileExt
			}
		}
	}
}

// completeFlag registers a completion for c's flag name, when c has it.
func completeFlag(c *cobra.Command, name string, f func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)) {
	if c.Flags().Lookup(name) != nil {
		_ = c.RegisterFlagCompletionFunc(name, f)
	}
}

// templateNames are the catalog's templates, each with its description for the shells that
// show one.
func templateNames(d *Deps, g *globalOptions, c *cobra.Command) []string {
	cfg, err := loadConfig(d, invoked(c).flags, g.configPath)
	if err != nil {
		return nil
	}
	cat, err := message.LoadCatalog(cfg.TemplatesDir)
	if err != nil {
		return nil
	}
	var out []string
	for _, t := range cat.Templates() {
		out = append(out, completionItem(t.Name, t.Description))
	}
	return out
}

// campaignIDs are the journal's campaigns, newest first, with their template and date; none
// when there is no journal yet (a completion does not create one).
func campaignIDs(d *Deps, g *globalOptions, c *cobra.Command) []string {
	cfg, err := loadConfig(d, invoked(c).flags, g.configPath)
	if err != nil || !fileExists(cfg.Journal) {
		return nil
	}
	j, err := journal.Open(context.Background(), cfg.Journal)
	if err != nil {
		return nil
	}
	defer j.Close()
	cs, err := j.Campaigns(context.Background())
	if err != nil {
		return nil
	}
	sort.SliceStable(cs, func(i, k int) bool { return cs[i].CreatedAt.After(cs[k].CreatedAt) })
	out := make([]string, 0, len(cs))
	for _, x := range cs {
		out = append(out, completionItem(x.ID, x.Template+" "+x.CreatedAt.In(cfg.loc).Format("2006-01-02 15:04")))
	}
	return out
}

// completionItem is "value\tdescription", the description on one line.
func completionItem(value, desc string) string {
	desc = strings.Join(strings.Fields(desc), " ")
	if desc == "" {
		return value
	}
	return value + "\t" + desc
}

// providerNames are the provider table's names, sorted.
func providerNames() []string {
	var names []string
	for n := range providerTable() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

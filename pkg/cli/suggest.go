package cli

import (
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/smscast/smscast/pkg/internal/editdist"
)

var (
	unknownFlag      = regexp.MustCompile(`^unknown flag: --(\S+)$`)
	unknownShorthand = regexp.MustCompile(`^unknown shorthand flag: '(.)' in -\S+$`)
)

// flagAliases are the names people reach for instead of smscast's (a list is given with --to).
var flagAliases = map[string]string{
	"list": "to", "file": "to", "csv": "to", "input": "to", "patients": "to", "roster": "to",
	"message": "body", "text": "body", "msg": "body",
	"simulate": "dry-run", "preview": "dry-run", "noop": "dry-run",
	"force": "yes", "confirm": "yes", "y": "yes",
	"id": "campaign", "name": "campaign",
	"language": "lang", "locale": "lang",
	"dir": "report-dir", "out-dir": "report-dir", "reports": "report-dir",
}

// suggestFlags names the flags of c a mistyped one most likely meant ("--dry-run" for --dryrun,
// "--to" for --list or -t), for the hint under "unknown flag"; nil when nothing is close.
func suggestFlags(c *cobra.Command, err error) []string {
	var names []string
	seen := map[string]bool{}
	collect := func(f *pflag.Flag) {
		if !f.Hidden && !seen[f.Name] {
			seen[f.Name] = true
			names = append(names, f.Name)
		}
	}
	c.Flags().VisitAll(collect)
	c.InheritedFlags().VisitAll(collect)
	sort.Strings(names)
	msg := err.Error()
	if m := unknownShorthand.FindStringSubmatch(msg); m != nil {
		var out []string
		for _, n := range names { // -t: the long flags that start with t, shortest first
			if strings.HasPrefix(n, m[1]) && n != "help" {
				out = append(out, "--"+n)
			}
		}
		sort.SliceStable(out, func(i, k int) bool { return len(out[i]) < len(out[k]) })
		return out[:min(len(out), 3)]
	}
	m := unknownFlag.FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	typed, _, _ := strings.Cut(strings.ToLower(m[1]), "=")
	squash := func(s string) string { return strings.NewReplacer("-", "", "_", "").Replace(s) }
	if a, ok := flagAliases[squash(typed)]; ok && seen[a] {
		return []string{"--" + a}
	}
	best, bestD := "", 3
	for _, n := range names {
		if squash(n) == squash(typed) {
			return []string{"--" + n} // --dryrun, --report_dir
		}
		if d := editdist.Distance(typed, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		for _, n := range names { // --camp for --campaign
			if len(typed) >= 3 && strings.HasPrefix(n, typed) {
				return []string{"--" + n}
			}
		}
		return nil
	}
	return []string{"--" + best}
}

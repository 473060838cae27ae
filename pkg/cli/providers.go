package cli

import (
	"sort"
	"strings"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/karaden"
	"github.com/smscast/smscast/pkg/sms/sim"
	"github.com/smscast/smscast/pkg/sms/smsgate"
	"github.com/smscast/smscast/pkg/sms/twilio"
)

// providers is the one table of the providers smscast knows, in the order `smscast help
// environment` lists their variables. Each declares its own config section, environment
// variables, help lines and constructor; adding a provider means adding a line here, and
// nothing registers itself.
func providers() []sms.Declaration {
	return []sms.Declaration{
		sim.Declare(),
		twilio.Declare(),
		karaden.Declare(),
		smsgate.Declare(),
	}
}

// providerSpec is one provider, as the commands use it.
type providerSpec struct {
	real        bool    // sends real SMS (the simulator does not)
	defaultRate float64 // messages per second when neither --rate nor rate: is set; 0 = no limit
	maxChars    int     // the longest message the provider takes, in characters; 0 = no limit
	// sendable, when set, refuses numbers the provider cannot text (Karaden: Japanese mobiles
	// only) before anything is sent; they go on the call list with its reason.
	sendable func(e164 string) (ok bool, reason string)
	build    func(d *Deps, cfg *Config) (sms.Sender, error)
}

// providerTable maps each provider's name to its spec.
func providerTable() map[string]providerSpec {
	table := map[string]providerSpec{}
	for _, p := range providers() {
		table[p.Name] = specOf(p)
	}
	return table
}

// specOf is the spec of a declared provider. Its constructor gets the provider's own section of
// the config and sees only the environment variables the provider declared.
func specOf(p sms.Declaration) providerSpec {
	return providerSpec{
		real: p.Real, defaultRate: p.DefaultRate, maxChars: p.MaxChars, sendable: p.Sendable,
		build: func(d *Deps, cfg *Config) (sms.Sender, error) {
			getenv := func(name string) string {
				for _, v := range p.Env {
					if v.Name == name {
						return d.getenv(name)
					}
				}
				return ""
			}
			return p.Build(cfg.section(p.Name), getenv, d.Now)
		},
	}
}

// secretNames are the environment variables every provider declares secret, in table order.
func secretNames() []string {
	var names []string
	for _, p := range providers() {
		names = append(names, p.Secrets()...)
	}
	return names
}

// secretKeys are the config keys a person might write a declared secret under, in a provider's
// section or at the top: KARADEN_API_KEY as api_key or karaden_api_key.
func secretKeys() map[string]bool {
	keys := map[string]bool{}
	for _, p := range providers() {
		for _, name := range p.Secrets() {
			k := strings.ToLower(name)
			keys[k] = true
			keys[strings.TrimPrefix(k, strings.ToLower(p.Name)+"_")] = true
		}
	}
	return keys
}

func lookupProvider(name string) (providerSpec, error) {
	table := providerTable()
	p, ok := table[name]
	if !ok {
		names := make([]string, 0, len(table))
		for n := range table {
			names = append(names, n)
		}
		sort.Strings(names)
		if best := closestName(name, names); best != "" {
			return providerSpec{}, hintf(usageErr("", "unknown provider %q (known: %s)", name, strings.Join(names, ", ")),
				"did you mean %s? set provider (config file, SMSCAST_PROVIDER or --provider) to it", best)
		}
		return providerSpec{}, usageErr("set provider (config file, SMSCAST_PROVIDER or --provider) to "+strings.Join(names, ", "),
			"unknown provider %q (known: %s)", name, strings.Join(names, ", "))
	}
	return p, nil
}

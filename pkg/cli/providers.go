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

// providerSpec is one entry of the provider table.
type providerSpec struct {
	real        bool    // sends real SMS (the simulator does not)
	defaultRate float64 // messages per second when neither --rate nor rate: is set; 0 = no limit
	maxChars    int     // the longest message the provider takes, in characters; 0 = no limit
	// sendable, when set, refuses numbers the provider cannot text (Karaden: Japanese mobiles
	// only) before anything is sent; they go on the call list with its reason.
	sendable func(e164 string) (ok bool, reason string)
	build    func(d *Deps, cfg *Config) (sms.Sender, error)
}

// twilioMaxChars is Twilio's limit on a message body (error 21617 beyond it).
const twilioMaxChars = 1600

// providerTable is the one place that maps a provider name to its constructor. Adding a provider
// means adding a line here; nothing registers itself.
func providerTable() map[string]providerSpec {
	return map[string]providerSpec{
		"sim":     {real: false, defaultRate: 0, maxChars: twilioMaxChars, build: newSim},
		"twilio":  {real: true, defaultRate: twilio.DefaultRate, maxChars: twilioMaxChars, build: newTwilio},
		"karaden": {real: true, defaultRate: karaden.DefaultRate, maxChars: karaden.MaxChars, sendable: karaden.Sendable, build: newKaraden},
		"smsgate": {real: true, defaultRate: smsgate.DefaultRate, maxChars: twilioMaxChars, build: newSmsgate},
	}
}

func newKaraden(d *Deps, cfg *Config) (sms.Sender, error) {
	kc := cfg.Karaden
	kc.APIKey = d.getenv(karaden.EnvAPIKey)
	return karaden.New(kc)
}

func newSmsgate(d *Deps, cfg *Config) (sms.Sender, error) {
	sc := cfg.Smsgate
	sc.Password = d.getenv(smsgate.PasswordEnv)
	return smsgate.New(sc)
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

func newSim(d *Deps, cfg *Config) (sms.Sender, error) {
	return sim.New(sim.Config{
		Seed:        cfg.Sim.Seed,
		Latency:     cfg.Sim.Latency,
		Permanent:   cfg.Sim.Permanent,
		Transient:   cfg.Sim.Transient,
		Ambiguous:   cfg.Sim.Ambiguous,
		Undelivered: cfg.Sim.Undelivered,
		Outbox:      cfg.Sim.Outbox,
		Replies:     cfg.Sim.Replies,
		DownAfter:   cfg.Sim.DownAfter,
		Now:         d.Now,
	})
}

func newTwilio(d *Deps, cfg *Config) (sms.Sender, error) {
	sid := d.getenv("TWILIO_ACCOUNT_SID")
	if sid == "" {
		sid = cfg.Twilio.AccountSID
	}
	p, err := twilio.New(twilio.Config{
		AccountSID:          sid,
		AuthToken:           d.getenv("TWILIO_AUTH_TOKEN"),
		APIKey:              d.getenv("TWILIO_API_KEY"),
		APISecret:           d.getenv("TWILIO_API_SECRET"),
		From:                cfg.Twilio.From,
		MessagingServiceSID: cfg.Twilio.MessagingServiceSID,
		StatusCallback:      cfg.Twilio.StatusCallback,
		ValidityPeriod:      cfg.Twilio.ValidityPeriod,
		BaseURL:             cfg.Twilio.BaseURL,
		Timeout:             cfg.Twilio.Timeout,
	})
	if err != nil {
		return nil, err // twilio.New's errors already start with "twilio:"
	}
	return p, nil
}

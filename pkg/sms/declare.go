package sms

import (
	"fmt"
	"time"
)

// Declaration is everything a front end needs to know of a provider to configure, document and
// build it, declared by the provider's own package (its Declare function) so that adding a
// provider changes nothing but the one table of names in the CLI.
type Declaration struct {
	// Name is the provider's name in provider: and failover:, and the name of its section of
	// the config file ("twilio:").
	Name string

	// Config points to the zero value of the provider's config struct. Its yaml and mapstructure
	// tags name the keys of the section; a field tagged "-" is never read from the file, the
	// environment's SMSCAST_* variables or a flag. The front end decodes into a fresh value of
	// the same type for every run, never into this one.
	Config any

	// Env are the variables the provider reads from the environment itself: credentials, which
	// must never sit in a config file, a shell history or a flag. Build sees only these.
	Env []Variable

	// Help is one line per key of the section, named within it ("from", "replies.rate"), in
	// English; the Japanese lines are in the CLI's catalog. A test checks every key has one.
	Help map[string]string

	Real        bool    // sends real SMS (the simulator does not)
	DefaultRate float64 // messages per second when no rate is configured; 0 = no limit
	MaxChars    int     // the longest message the provider takes, in characters; 0 = no limit

	// Sendable, when set, refuses numbers the provider cannot text (Karaden: Japanese mobiles
	// only) before anything is sent; they go on the call list with its reason.
	Sendable func(e164 string) (ok bool, reason string)

	// Build makes the sender from config (a pointer of Config's type, decoded), the declared
	// environment variables (any other name reads as "") and the run's clock (which a provider
	// whose dates come from its server may ignore).
	Build func(config any, getenv func(string) string, now func() time.Time) (Sender, error)
}

// Variable is one environment variable a provider reads.
type Variable struct {
	Name string // TWILIO_AUTH_TOKEN
	Help string // one line for `smscast help environment`, in English
	// Secret marks a value that must never be printed or written anywhere (a token, a
	// password): the CLI's canary tests search every output and file for each one.
	Secret bool
}

// Secrets are the names of the declared variables that hold secrets.
func (d Declaration) Secrets() []string {
	var out []string
	for _, v := range d.Env {
		if v.Secret {
			out = append(out, v.Name)
		}
	}
	return out
}

// ConfigAs is Build's config as the provider's own type: a copy of *config, which must be a *T.
// Anything else is a front end's bug, reported as an error rather than a panic.
func ConfigAs[T any](config any) (T, error) {
	p, ok := config.(*T)
	if !ok || p == nil {
		var zero T
		return zero, fmt.Errorf("sms: the config given is a %T, not a %T", config, p)
	}
	return *p, nil
}

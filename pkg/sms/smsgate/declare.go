package smsgate

import (
	"time"

	"github.com/smscast/smscast/pkg/sms"
)

// MaxChars is the longest message smscast gives the phone, in characters: Twilio's limit, as the
// phone sends a long text as a concatenated SMS of many parts.
const MaxChars = 1600

// Declare is what smscast needs to know of this provider: its config, its environment and
// its constructor.
func Declare() sms.Declaration {
	return sms.Declaration{
		Name:   "smsgate",
		Config: &Config{},
		Env:    []sms.Variable{{Name: PasswordEnv, Help: "the Android phone's local server password (provider smsgate)", Secret: true}},
		Help: map[string]string{
			"base_url":    "the Android phone's local server, e.g. http://192.168.1.20:8080 (http:// only on the LAN)",
			"username":    "the local server's user name, as the SMS Gateway app shows it",
			"sim_numbers": "SIM slots to send from in turn, e.g. [1, 2] (default: the phone's default SIM)",
			"daily_limit": "messages per SIM per day (default 200: Japanese carriers limit a line to about 200 SMS a day)",
			"timeout":     "timeout of one request to the phone, e.g. 10s",
		},
		Real:        true,
		DefaultRate: DefaultRate,
		MaxChars:    MaxChars,
		Build:       build,
	}
}

// build reads the password from the environment. The run's clock is not used: Retry-After dates
// are the phone's, read against the real clock.
func build(config any, getenv func(string) string, _ func() time.Time) (sms.Sender, error) {
	cfg, err := sms.ConfigAs[Config](config)
	if err != nil {
		return nil, err
	}
	cfg.Password = getenv(PasswordEnv)
	p, err := New(cfg)
	if err != nil {
		return nil, err // a nil Sender, not a nil *Provider in one
	}
	return p, nil
}

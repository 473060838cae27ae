package twilio

import (
	"time"

	"github.com/smscast/smscast/pkg/sms"
)

// MaxChars is Twilio's limit on a message body (error 21617 beyond it).
const MaxChars = 1600

// The environment variables the credentials come from. They are never config keys or flags.
const (
	EnvAccountSID = "TWILIO_ACCOUNT_SID"
	EnvAuthToken  = "TWILIO_AUTH_TOKEN"
	EnvAPIKey     = "TWILIO_API_KEY"
	EnvAPISecret  = "TWILIO_API_SECRET"
)

// Declare is what smscast needs to know of this provider: its config, its environment and
// its constructor.
func Declare() sms.Declaration {
	return sms.Declaration{
		Name:   "twilio",
		Config: &Config{},
		Env: []sms.Variable{
			{Name: EnvAccountSID, Help: "Twilio account SID"},
			{Name: EnvAuthToken, Help: "Twilio auth token", Secret: true},
			{Name: EnvAPIKey, Help: "Twilio API key SID (with TWILIO_API_SECRET, instead of the auth token)"},
			{Name: EnvAPISecret, Help: "Twilio API key secret", Secret: true},
		},
		Help: map[string]string{
			"account_sid":           "Twilio account SID (or TWILIO_ACCOUNT_SID)",
			"from":                  "Twilio sender: an E.164 number or an alphanumeric sender ID",
			"messaging_service_sid": "Twilio messaging service SID (instead of from)",
			"status_callback":       "URL Twilio calls with delivery receipts",
			"validity_period":       "seconds Twilio may queue a message before giving up",
			"base_url":              "Twilio API base URL, for tests and proxies (http:// only for loopback)",
			"timeout":               "timeout of one Twilio request, e.g. 15s",
		},
		Real:        true,
		DefaultRate: DefaultRate,
		MaxChars:    MaxChars,
		Build:       build,
	}
}

// build reads the credentials from the environment; the account SID may also be in the file.
// The run's clock is not used: Retry-After dates are Twilio's, read against the real clock.
func build(config any, getenv func(string) string, _ func() time.Time) (sms.Sender, error) {
	cfg, err := sms.ConfigAs[Config](config)
	if err != nil {
		return nil, err
	}
	if sid := getenv(EnvAccountSID); sid != "" {
		cfg.AccountSID = sid
	}
	cfg.AuthToken, cfg.APIKey, cfg.APISecret = getenv(EnvAuthToken), getenv(EnvAPIKey), getenv(EnvAPISecret)
	p, err := New(cfg)
	if err != nil {
		return nil, err // a nil Sender, not a nil *Provider in one
	}
	return p, nil
}

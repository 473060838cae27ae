package karaden

import (
	"time"

	"github.com/smscast/smscast/pkg/sms"
)

// Declare is what smscast needs to know of this provider: its config, its environment and
// its constructor.
func Declare() sms.Declaration {
	return sms.Declaration{
		Name:   "karaden",
		Config: &Config{},
		Env:    []sms.Variable{{Name: EnvAPIKey, Help: "空電プッシュ API key (provider karaden)", Secret: true}},
		Help: map[string]string{
			"tenant_id":  "空電プッシュ tenant ID (テナントID, a UUID from the console)",
			"service_id": "空電プッシュ service ID (サービス設定ID, a number from the console)",
			"base_url":   "空電プッシュ API base URL (default https://prg.karaden.jp/api; http:// only for loopback)",
			"timeout":    "timeout of one 空電プッシュ request, e.g. 15s",
		},
		Real:        true,
		DefaultRate: DefaultRate,
		MaxChars:    MaxChars,
		Sendable:    Sendable,
		Build:       build,
	}
}

// build reads the API key from the environment. The run's clock is not used: Retry-After dates
// are Karaden's, read against the real clock.
func build(config any, getenv func(string) string, _ func() time.Time) (sms.Sender, error) {
	cfg, err := sms.ConfigAs[Config](config)
	if err != nil {
		return nil, err
	}
	cfg.APIKey = getenv(EnvAPIKey)
	p, err := New(cfg)
	if err != nil {
		return nil, err // a nil Sender, not a nil *Provider in one
	}
	return p, nil
}

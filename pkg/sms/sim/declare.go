package sim

import (
	"time"

	"github.com/smscast/smscast/pkg/sms"
)

// MaxChars is the longest message the simulator takes: Twilio's limit, so that a drill refuses
// what a real send would.
const MaxChars = 1600

// Declare is what smscast needs to know of the simulator: its config and its constructor. It
// reads no environment: it has no credentials.
func Declare() sms.Declaration {
	return sms.Declaration{
		Name:   "sim",
		Config: &Config{},
		Help: map[string]string{
			"seed":          "simulator: random seed",
			"latency":       "simulator: time per message, e.g. 50ms",
			"outbox":        "simulator: append every accepted message to this file as a JSON line",
			"permanent":     "simulator: number patterns that fail permanently, e.g. ['+8190*0000']",
			"transient":     "simulator: number patterns that fail transiently",
			"ambiguous":     "simulator: number patterns whose outcome is ambiguous (accepted, then a timeout)",
			"undelivered":   "simulator: number patterns reported undelivered by status",
			"down_after":    "simulator: play an outage after this many messages, to rehearse failover (0: never)",
			"replies.rate":  "simulator: share of accepted messages answered, for drills of acks, e.g. 0.7 (default 0: no replies)",
			"replies.after": "simulator: time from acceptance to the reply, e.g. 2m",
			"replies.texts": "simulator: the replies drawn one per message, e.g. [\"1\", \"はい\", \"了解しました\"] (default [\"1\"])",
		},
		Real:     false,
		MaxChars: MaxChars,
		Build:    build,
	}
}

// build stamps the simulator's records with the run's clock.
func build(config any, _ func(string) string, now func() time.Time) (sms.Sender, error) {
	cfg, err := sms.ConfigAs[Config](config)
	if err != nil {
		return nil, err
	}
	cfg.Now = now
	s, err := New(cfg)
	if err != nil {
		return nil, err // a nil Sender, not a nil *Sender in one
	}
	return s, nil
}

package karaden_test

import (
	"testing"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/karaden"
	"github.com/smscast/smscast/pkg/sms/karaden/karadentest"
	"github.com/smscast/smscast/pkg/sms/smstest"
)

func newFake(t testing.TB, opts ...karadentest.Option) *karadentest.Server {
	s := karadentest.NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

func config(s *karadentest.Server) karaden.Config {
	return karaden.Config{TenantID: s.TenantID, ServiceID: s.ServiceID, APIKey: s.APIKey, BaseURL: s.BaseURL()}
}

func newProvider(t testing.TB, cfg karaden.Config) *karaden.Provider {
	t.Helper()
	p, err := karaden.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformance(t *testing.T) {
	for _, ambiguous := range []karadentest.Fault{karadentest.FaultAcceptThenDrop, karadentest.FaultAcceptThen500, karadentest.FaultAcceptThenHTML504} {
		t.Run("ambiguous by "+string(ambiguous), func(t *testing.T) {
			var cur *karadentest.Server
			smstest.Run(t, smstest.Harness{
				New: func(t *testing.T, n smstest.Numbers) sms.Sender {
					cur = newFake(t,
						karadentest.WithFaults(karadentest.Faults{
							Reject: []karadentest.Rule{{To: n.Permanent, Field: "to"}},
							For: []karadentest.NumberFault{
								{To: n.Transient, Fault: karadentest.FaultTooMany},
								{To: n.Ambiguous, Fault: ambiguous},
							},
						}),
						karadentest.WithOutcomes(karadentest.Outcome{To: n.Undelivered, SentResult: "unconnected"}),
					)
					return newProvider(t, config(cur))
				},
				Accepted: func(t *testing.T, to string) int { return cur.Count(to) },
			})
		})
	}
}

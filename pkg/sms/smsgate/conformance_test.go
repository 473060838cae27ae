package smsgate_test

import (
	"testing"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/smsgate"
	"github.com/smscast/smscast/pkg/sms/smsgate/smsgatetest"
	"github.com/smscast/smscast/pkg/sms/smstest"
)

func TestConformance(t *testing.T) {
	var cur *smsgatetest.Server
	smstest.Run(t, smstest.Harness{
		New: func(t *testing.T, n smstest.Numbers) sms.Sender {
			cur = smsgatetest.NewServer(smsgatetest.WithFaults(smsgatetest.Faults{
				Invalid:        []string{n.Permanent},
				Unavailable:    []string{n.Transient},
				AcceptThenDrop: []string{n.Ambiguous},
				Undelivered:    []string{n.Undelivered},
			}))
			t.Cleanup(cur.Close)
			return newProvider(t, cur, nil)
		},
		Accepted: func(t *testing.T, to string) int { return cur.Count(to) },
	})
}

// newProvider returns a provider for the fake; edit adjusts the config first.
func newProvider(t *testing.T, s *smsgatetest.Server, edit func(*smsgate.Config)) *smsgate.Provider {
	t.Helper()
	cfg := smsgate.Config{BaseURL: s.URL, Username: s.Username, Password: s.Password, HTTPClient: s.Client()}
	if edit != nil {
		edit(&cfg)
	}
	p, err := smsgate.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

package sim_test

import (
	"path/filepath"
	"testing"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/sim"
	"github.com/smscast/smscast/pkg/sms/smstest"
)

func TestConformance(t *testing.T) {
	for _, outbox := range []bool{false, true} {
		t.Run(map[bool]string{false: "in memory", true: "with an outbox"}[outbox], func(t *testing.T) {
			var cur *sim.Sender
			var path string
			smstest.Run(t, smstest.Harness{
				New: func(t *testing.T, n smstest.Numbers) sms.Sender {
					cfg := sim.Config{
						Permanent: []string{n.Permanent}, Transient: []string{n.Transient},
						Ambiguous: []string{n.Ambiguous}, Undelivered: []string{n.Undelivered},
					}
					if outbox {
						path = filepath.Join(t.TempDir(), "outbox.jsonl")
						cfg.Outbox = path
					}
					s, err := sim.New(cfg)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { s.Close() })
					cur = s
					return s
				},
				Accepted: func(t *testing.T, to string) int {
					recs := cur.Accepted()
					if outbox {
						var err error
						if recs, err = sim.ReadOutbox(path); err != nil {
							t.Fatal(err)
						}
					}
					n := 0
					for _, r := range recs {
						if r.To == to {
							n++
						}
					}
					return n
				},
			})
		})
	}
}

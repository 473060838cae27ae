package broadcast

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

// nullSender accepts everything at once: what remains is the engine's and the journal's cost.
type nullSender struct {
	mu sync.Mutex
	n  int
	at []time.Time // when each Send happened, if recording
}

func (s *nullSender) Send(ctx context.Context, m sms.Message) (sms.Receipt, error) {
	s.mu.Lock()
	s.n++
	id := s.n
	if s.at != nil {
		s.at = append(s.at, time.Now())
	}
	s.mu.Unlock()
	return sms.Receipt{ID: "SM" + strconv.Itoa(id), Status: sms.StatusQueued, Segments: 1}, nil
}

// BenchmarkEngine measures messages per second through the engine with the journal on (a file in
// a temp dir, fsync on every group commit), a zero-latency provider and no rate limit. Each
// iteration runs a fresh 20,000-delivery campaign; the plan's creation is not timed.
//
// "events" runs with an OnEvent callback, as the CLI does: the run then also reads every patient
// list and builds an event per delivery.
func BenchmarkEngine(b *testing.B) {
	const n = 20_000
	for _, bc := range []struct {
		workers int
		events  bool
	}{{4, false}, {16, false}, {32, false}, {64, false}, {32, true}, {64, true}} {
		name := fmt.Sprintf("workers=%d", bc.workers)
		if bc.events {
			name += "/events"
		}
		b.Run(name, func(b *testing.B) {
			cfg := Config{Workers: bc.workers}
			if bc.events {
				cfg.OnEvent = func(Event) {}
			}
			var elapsed, cpu time.Duration
			var msgs int
			for b.Loop() {
				b.StopTimer()
				j, _ := newCampaign(b, n)
				s := &nullSender{}
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				res, err := Run(context.Background(), j, "c", s, cfg)
				elapsed += time.Since(start)
				cpu += cpuTime() - cpu0
				b.StopTimer()
				if err != nil || res.SentThisRun != n {
					b.Fatalf("%+v, %v", res, err)
				}
				msgs += n
				j.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(msgs)/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(msgs), "cpu-µs/msg")
		})
	}
}

// TestRateWindows checks the token bucket over a short run: no one-second window carries more than
// rate + burst sends, and the run takes (n-burst)/rate, never less (by 5 %); on a busy machine
// (the suite runs packages in parallel on 2 cores) it may take longer, up to 50 %.
func TestRateWindows(t *testing.T) {
	rateWindows(t, 50, 1, 80, 0.05, 0.5)
}

// TestRatePrecision is the full figure from the spine issue: --rate 20 sends 400 messages in
// 20 s ± 2 %. It takes 20 s, so it runs only with SMSCAST_SLOW=1.
func TestRatePrecision(t *testing.T) {
	if os.Getenv("SMSCAST_SLOW") == "" {
		t.Skip("takes 20 s: set SMSCAST_SLOW=1")
	}
	rateWindows(t, 20, 1, 400, 0.02, 0.02)
}

func rateWindows(t *testing.T, rate float64, burst, n int, under, over float64) {
	j, _ := newCampaign(t, n)
	s := &nullSender{at: []time.Time{}}
	start := time.Now()
	res, err := Run(context.Background(), j, "c", s, Config{Workers: 4, Rate: rate, Burst: burst})
	took := time.Since(start)
	if err != nil || res.SentThisRun != n {
		t.Fatalf("%+v, %v", res, err)
	}
	at := s.at
	sort.Slice(at, func(a, b int) bool { return at[a].Before(at[b]) })
	span := at[len(at)-1].Sub(at[0])
	want := time.Duration(float64(n-burst) / rate * float64(time.Second))
	t.Logf("%d messages at --rate %g: first to last send %v (ideal %v, %+.2f%%), whole run %v",
		n, rate, span, want, 100*(span.Seconds()-want.Seconds())/want.Seconds(), took)
	if d := span.Seconds() - want.Seconds(); d > over*want.Seconds() || -d > under*want.Seconds() {
		t.Errorf("span %v, want %v (-%.0f%%, +%.0f%%)", span, want, under*100, over*100)
	}
	// Every window [at[i], at[i]+1s) over the sends.
	most, hi := 0, 0
	for lo := range at {
		for hi < len(at) && at[hi].Sub(at[lo]) < time.Second {
			hi++
		}
		most = max(most, hi-lo)
	}
	t.Logf("busiest one-second window: %d sends (limit %g + %d)", most, rate, burst)
	if float64(most) > rate+float64(burst) {
		t.Errorf("a one-second window carried %d sends, more than %g + %d", most, rate, burst)
	}
}

var _ = journal.Pending

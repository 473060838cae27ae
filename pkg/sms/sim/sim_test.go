package sim_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/internal/private"
	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/sim"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		name, pattern, number string
		want                  bool
	}{
		{"a glob matches the whole number", "+8190*0000", "+819012340000", true},
		{"a glob does not match a different prefix", "+8190*0000", "+818012340000", false},
		{"a glob with ? matches one digit", "+81901234000?", "+819012340007", true},
		{"a suffix matches the end of the number", "0000", "+819012340000", true},
		{"a suffix does not match elsewhere", "0000", "+819000001234", false},
		{"a whole number matches itself", "+819012340000", "+819012340000", true},
		{"a character class matches", "+8190123400[0-4]0", "+819012340030", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sim.Match(tt.pattern, tt.number); got != tt.want {
				t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.number, got, tt.want)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  sim.Config
	}{
		{"a broken glob", sim.Config{Permanent: []string{"+81["}}},
		{"an empty pattern", sim.Config{Transient: []string{""}}},
		{"a transient rate above one", sim.Config{TransientRate: 1.5}},
		{"a negative latency", sim.Config{Latency: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := sim.New(tt.cfg); err == nil {
				t.Fatal("New succeeded, want an error")
			}
		})
	}
}

func TestOutcomesByPattern(t *testing.T) {
	s, err := sim.New(sim.Config{
		Permanent: []string{"1111"}, Transient: []string{"2222"}, Ambiguous: []string{"3333"}, Undelivered: []string{"4444"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		to                   string
		wantErr              bool
		permanent, ambiguous bool
		accepted             bool
		wantStatus           sms.Status
	}{
		{"+819000001111", true, true, false, false, ""},
		{"+819000002222", true, false, false, false, ""},
		{"+819000003333", true, false, true, true, sms.StatusDelivered},
		{"+819000004444", false, false, false, true, sms.StatusUndelivered},
		{"+819000005555", false, false, false, true, sms.StatusDelivered},
	}
	for _, tt := range tests {
		t.Run(tt.to, func(t *testing.T) {
			m := sms.Message{To: tt.to, Body: "停電のため本日の透析は中止です"}
			r, err := s.Send(ctx, m)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Send error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				e := sms.Classify(err)
				if e.Permanent != tt.permanent || e.Ambiguous != tt.ambiguous || e.Fatal {
					t.Errorf("class = %+v, want permanent %v ambiguous %v", e, tt.permanent, tt.ambiguous)
				}
			} else if !strings.HasPrefix(r.ID, "SM") || len(r.ID) != 34 || r.Status != sms.StatusQueued || r.Segments != 1 {
				t.Errorf("receipt = %+v", r)
			}
			fr, found, err := s.Find(ctx, m, time.Now().Add(-time.Minute))
			if err != nil || found != tt.accepted {
				t.Fatalf("Find = %v, %v, want found %v", found, err, tt.accepted)
			}
			if !found {
				return
			}
			st, err := s.Status(ctx, fr.ID)
			if err != nil || st.Status != tt.wantStatus {
				t.Errorf("Status = %+v, %v, want %s", st, err, tt.wantStatus)
			}
			if st.Status == sms.StatusUndelivered && (st.ErrorCode == "" || st.Reason == "") {
				t.Errorf("undelivered without code and reason: %+v", st)
			}
		})
	}
}

func TestDeterministicForASeed(t *testing.T) {
	run := func(seed int64) (ids []string, fails int) {
		s, err := sim.New(sim.Config{Seed: seed, TransientRate: 0.3})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 200 {
			to := "+8190" + strings.Repeat("0", 4) + string(rune('0'+i%10)) + "000" + string(rune('0'+i/10%10))
			r, err := s.Send(context.Background(), sms.Message{To: to, Body: "x"})
			if err != nil {
				fails++
				continue
			}
			ids = append(ids, r.ID)
		}
		return ids, fails
	}
	a, fa := run(7)
	b, fb := run(7)
	c, _ := run(8)
	if fa != fb || strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("two runs with seed 7 differ: %d vs %d failures", fa, fb)
	}
	if fa < 30 || fa > 90 {
		t.Errorf("transient failures = %d of 200, want about 60", fa)
	}
	if a[0] == c[0] {
		t.Errorf("seeds 7 and 8 gave the same first id %s", a[0])
	}
}

func TestTransientRateLetsARetrySucceed(t *testing.T) {
	s, _ := sim.New(sim.Config{Seed: 1, TransientRate: 0.5})
	m := sms.Message{To: "+819011112222", Body: "x"}
	for range 50 {
		if _, err := s.Send(context.Background(), m); err == nil {
			return
		}
	}
	t.Fatal("50 attempts at a 50% transient rate all failed")
}

func TestLatencyHonoursContext(t *testing.T) {
	s, _ := sim.New(sim.Config{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Send(ctx, sms.Message{To: "+819011112222", Body: "x"})
	if time.Since(start) > 5*time.Second {
		t.Fatal("Send ignored the context")
	}
	e := sms.Classify(err)
	if e == nil || e.Permanent || e.Ambiguous || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v (%+v), want a transient error wrapping the deadline", err, e)
	}
	if len(s.Accepted()) != 0 {
		t.Fatal("a cancelled send was accepted")
	}
}

func TestOutboxIsPrivateAndLineOriented(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "drill")
	out := filepath.Join(dir, "outbox.jsonl")
	s, err := sim.New(sim.Config{Outbox: out, Ambiguous: []string{"3333"}, Permanent: []string{"1111"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, to := range []string{"+819000000001", "+819000003333", "+819000001111"} {
		s.Send(context.Background(), sms.Message{To: to, Body: "本日の透析は中止です\n明日ご連絡します"})
	}
	for _, p := range []string{out, dir} {
		if err := private.Check(p); err != nil {
			t.Error(err)
		}
	}
	recs, err := sim.ReadOutbox(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].To != "+819000000001" || recs[1].To != "+819000003333" {
		t.Fatalf("outbox = %+v, want the accepted and the ambiguous message", recs)
	}
	raw, _ := os.ReadFile(out)
	if n := strings.Count(string(raw), "\n"); n != 2 {
		t.Errorf("outbox has %d lines, want 2 (newlines in bodies must be escaped)", n)
	}
	for _, key := range []string{`"id":`, `"to":`, `"body":`, `"time":`} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("outbox line lacks %s", key)
		}
	}
}

// Two simulators on one outbox stand for a crashed run and its resume (or two processes at once).
func TestOutboxSharedAcrossProcesses(t *testing.T) {
	out := filepath.Join(t.TempDir(), "outbox.jsonl")
	since := time.Now().Add(-time.Second)
	first, _ := sim.New(sim.Config{Outbox: out, Ambiguous: []string{"3333"}})
	second, _ := sim.New(sim.Config{Outbox: out})
	defer first.Close()
	defer second.Close()

	var wg sync.WaitGroup
	for _, s := range []*sim.Sender{first, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				s.Send(context.Background(), sms.Message{To: "+81900000" + strings.Repeat("1", 4), Body: strings.Repeat("x", i)})
			}
		}()
	}
	wg.Wait()
	recs, err := sim.ReadOutbox(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 400 {
		t.Fatalf("outbox has %d records, want 400", len(recs))
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.ID] {
			t.Fatalf("id %s appears twice across processes", r.ID)
		}
		seen[r.ID] = true
	}

	m := sms.Message{To: "+819000003333", Body: "ambiguous"}
	if _, err := first.Send(context.Background(), m); !sms.Classify(err).Ambiguous {
		t.Fatalf("err = %v, want ambiguous", err)
	}
	first.Close() // the first process dies
	third, _ := sim.New(sim.Config{Outbox: out})
	defer third.Close()
	r, found, err := third.Find(context.Background(), m, since)
	if err != nil || !found {
		t.Fatalf("a new process did not find the earlier ambiguous send: %v, %v", found, err)
	}
	if st, err := third.Status(context.Background(), r.ID); err != nil || st.Status != sms.StatusDelivered {
		t.Errorf("Status from a new process = %+v, %v", st, err)
	}
	if _, found, _ := third.Find(context.Background(), m, time.Now().Add(time.Hour)); found {
		t.Error("Find matched a message older than since")
	}
	if _, found, _ := third.Find(context.Background(), sms.Message{To: m.To, Body: "other"}, since); found {
		t.Error("Find matched a different body")
	}
}

func BenchmarkSend(b *testing.B) {
	for _, outbox := range []bool{false, true} {
		name := "memory"
		cfg := sim.Config{}
		if outbox {
			name = "outbox"
			cfg.Outbox = filepath.Join(b.TempDir(), "outbox.jsonl")
		}
		b.Run(name, func(b *testing.B) {
			s, _ := sim.New(cfg)
			defer s.Close()
			m := sms.Message{To: "+819012345678", Body: "停電のため本日の透析は中止です。自宅で待機してください。"}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.Send(context.Background(), m); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func TestDownAfterPlaysAnOutageOnceThatManyMessagesWereAccepted(t *testing.T) {
	s, err := sim.New(sim.Config{DownAfter: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted, refused := 0, 0
	for i := range 10 {
		wg.Go(func() {
			_, err := s.Send(ctx, sms.Message{To: "+8190123400" + string(rune('0'+i)), Body: "訓練"})
			mu.Lock()
			defer mu.Unlock()
			var se *sms.Error
			switch {
			case err == nil:
				accepted++
			case errors.As(err, &se) && se.Code == sim.CodeOutage && !se.Permanent && !se.Ambiguous && !se.Fatal:
				refused++
			default:
				t.Errorf("send %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if accepted != 3 || refused != 7 {
		t.Errorf("accepted %d, refused %d; want 3 and 7", accepted, refused)
	}
	// Lookups still answer: a drill's failover asks the simulator about what it took.
	rec := s.Accepted()[0]
	if _, found, err := s.Find(ctx, sms.Message{To: rec.To, Body: rec.Body}, time.Time{}); err != nil || !found {
		t.Errorf("find: %v, %v", found, err)
	}
	if _, err := sim.New(sim.Config{DownAfter: -1}); err == nil {
		t.Error("a negative down_after was accepted")
	}
}

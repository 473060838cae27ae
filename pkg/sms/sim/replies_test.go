package sim_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/sim"
)

// drill sends n messages at t0 through a simulator with replies and returns it.
func drill(t *testing.T, cfg sim.Config, n int) *sim.Sender {
	t.Helper()
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for i := range n {
		if _, err := s.Send(context.Background(), sms.Message{To: fmt.Sprintf("+8190%08d", i), Body: "停電のため本日の透析は中止です。確認されましたら 1 と返信してください"}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestRepliesAreDeterministicForASeedAndComeAfterTheirDelay(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	now := t0
	texts := []string{"1", "はい", "了解しました"}
	cfg := sim.Config{Seed: 7, Replies: sim.Replies{Rate: 0.7, After: 2 * time.Minute, Texts: texts}, Now: func() time.Time { return now }}
	a := drill(t, cfg, 200)

	now = t0.Add(time.Minute)
	early, err := a.Inbound(context.Background(), t0)
	if err != nil || len(early) != 0 {
		t.Fatalf("before After: %d replies, err %v; want none", len(early), err)
	}
	now = t0.Add(2 * time.Minute)
	got, err := a.Inbound(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 120 || len(got) > 160 {
		t.Errorf("%d replies to 200 messages at rate 0.7", len(got))
	}
	ids := map[string]bool{}
	for _, m := range got {
		if !slices.Contains(texts, m.Text) || !m.At.Equal(t0.Add(2*time.Minute)) || ids[m.ID] || m.ID == "" {
			t.Fatalf("reply %+v", m)
		}
		ids[m.ID] = true
	}

	now = t0
	b := drill(t, cfg, 200)
	now = t0.Add(2 * time.Minute)
	again, _ := b.Inbound(context.Background(), t0)
	if !slices.EqualFunc(got, again, func(x, y sms.Inbound) bool { return x.From == y.From && x.Text == y.Text }) {
		t.Error("the same seed must give the same replies")
	}
	cfg.Seed = 8
	now = t0
	c := drill(t, cfg, 200)
	now = t0.Add(2 * time.Minute)
	other, _ := c.Inbound(context.Background(), t0)
	if slices.EqualFunc(got, other, func(x, y sms.Inbound) bool { return x.From == y.From && x.Text == y.Text }) {
		t.Error("another seed gave the very same replies")
	}
	if late, _ := a.Inbound(context.Background(), t0.Add(3*time.Minute)); len(late) != 0 {
		t.Errorf("%d replies since after they arrived, want none", len(late))
	}
}

func TestRepliesComeFromTheOutboxOfEarlierProcesses(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	outbox := filepath.Join(t.TempDir(), "outbox.jsonl")
	cfg := sim.Config{Seed: 1, Outbox: outbox, Replies: sim.Replies{Rate: 1}, Now: func() time.Time { return t0 }}
	drill(t, cfg, 3).Close()

	later, err := sim.New(cfg) // a later process: `smscast acks` after the send
	if err != nil {
		t.Fatal(err)
	}
	defer later.Close()
	got, err := later.Inbound(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Text != "1" || got[0].From != "+819000000000" {
		t.Fatalf("replies %+v, want 3 of \"1\" (the default text)", got)
	}
}

func TestNewRefusesBadReplies(t *testing.T) {
	for _, r := range []sim.Replies{{Rate: 1.5}, {Rate: -0.1}, {Rate: 0.5, After: -time.Second}, {Rate: 0.5, Texts: []string{""}}} {
		if _, err := sim.New(sim.Config{Replies: r}); err == nil {
			t.Errorf("%+v was accepted", r)
		}
	}
}

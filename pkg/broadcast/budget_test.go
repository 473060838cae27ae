package broadcast

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
)

func tokyo(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	return loc
}

// phone is a route of two SIMs, each its own fake, limited to limit messages a day.
func phone(c *clock, limit int) (Route, *provider, *provider) {
	sim1, sim2 := newProvider(c.Now, nil), newProvider(c.Now, nil)
	return Route{Name: "phone", Sender: sim1, DailyLimit: limit,
		Lines: []Line{{Name: "sim1", Sender: sim1}, {Name: "sim2", Sender: sim2}}}, sim1, sim2
}

func TestADailyLimitIsSpreadOverTheSIMsAndResetsAtMidnightInTheConfiguredZone(t *testing.T) {
	loc := tokyo(t)
	c := newClock()
	// 23:50 in Tokyo, 14:50 UTC: the process's clock is UTC, the clinic's day ends in ten minutes.
	c.t = time.Date(2025, 3, 1, 14, 50, 0, 0, time.UTC)
	ctx := context.Background()
	j, _ := newCampaign(t, 10)
	r, sim1, sim2 := phone(c, 3)
	cfg := testConfig(c)
	cfg.Primary = r
	cfg.Zone = loc
	var ev events
	cfg.OnEvent = ev.add

	res, err := Run(ctx, j, "c", r.Sender, cfg)
	var le *LimitError
	if !errors.As(err, &le) {
		t.Fatalf("err %v, want *LimitError", err)
	}
	midnight := time.Date(2025, 3, 2, 0, 0, 0, 0, loc)
	if le.Route != "phone" || le.Limit != 3 || !le.Resets.Equal(midnight) || len(le.Lines) != 2 {
		t.Errorf("%+v", le)
	}
	if want := "phone sent its daily limit of 3 messages per line (phone/sim1, phone/sim2) on 2025-03-01: stopped, every unsent delivery is still pending; the limit resets at 2025-03-02 00:00 JST"; err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
	if res.Accepted != 6 || res.Pending != 4 || res.Failed+res.Unknown != 0 {
		t.Fatalf("result %+v", res)
	}
	if ev.of(EventEnd)[0].Err != err {
		t.Errorf("the end event does not carry the limit")
	}
	got := map[string]int{}
	for _, d := range byNumber(t, j) {
		got[d.Provider]++
	}
	if got["phone/sim1"] != 3 || got["phone/sim2"] != 3 || sim1.totalSends() != 3 || sim2.totalSends() != 3 {
		t.Errorf("by line %v; sends %d, %d", got, sim1.totalSends(), sim2.totalSends())
	}
	b, err := Budget(ctx, j, r, loc, c.Now())
	if err != nil || len(b) != 2 || b[0].Left != 0 || b[1].Used != 3 || !b[0].Resets.Equal(midnight) {
		t.Fatalf("budget %+v, %v", b, err)
	}

	// 00:01 in Tokyo, still March 1 in UTC: a new day for the SIMs.
	c.t = time.Date(2025, 3, 1, 15, 1, 0, 0, time.UTC)
	if b, _ := Budget(ctx, j, r, loc, c.Now()); b[0].Left != 3 || b[1].Left != 3 {
		t.Fatalf("budget after midnight %+v", b)
	}
	res, err = Run(ctx, j, "c", r.Sender, cfg)
	if err != nil || res.Accepted != 10 {
		t.Fatalf("%+v, %v", res, err)
	}
	if b, _ := Budget(ctx, j, r, loc, c.Now()); b[0].Used != 2 || b[1].Used != 2 {
		t.Errorf("budget after the second run %+v", b)
	}
}

func TestTheDayTurnsDuringARun(t *testing.T) {
	loc := tokyo(t)
	c := newClock()
	c.t = time.Date(2025, 3, 1, 14, 59, 59, 0, time.UTC) // 23:59:59 in Tokyo
	j, _ := newCampaign(t, 8)
	sim := newProvider(c.Now, nil)
	r := Route{Name: "phone", Sender: sim, DailyLimit: 4}
	cfg := testConfig(c)
	cfg.Workers = 1
	cfg.Primary = r
	cfg.Zone = loc
	// Each send takes a second on the fake clock: the first crosses midnight.
	sim.onSend = func(ctx context.Context, _ sms.Message) { c.Sleep(ctx, time.Second) }
	res, err := Run(context.Background(), j, "c", sim, cfg)
	var le *LimitError
	if !errors.As(err, &le) || res.Accepted != 5 {
		t.Fatalf("%+v, %v: want one message on March 1 and four on March 2", res, err)
	}
	if !le.Day.Equal(time.Date(2025, 3, 2, 0, 0, 0, 0, loc)) {
		t.Errorf("limit of %s", le.Day)
	}
}

func TestAMeteredRouteThatReachesItsLimitHandsOverToTheNext(t *testing.T) {
	c := newClock()
	j, _ := newCampaign(t, 10)
	r, _, _ := phone(c, 2)
	cloud := newProvider(c.Now, nil)
	cfg := testConfig(c)
	cfg.Primary = r
	cfg.Fallbacks = []Route{{Name: "cloud", Sender: cloud}}
	var ev events
	cfg.OnEvent = ev.add
	res, err := Run(context.Background(), j, "c", r.Sender, cfg)
	if err != nil || res.Accepted != 10 {
		t.Fatalf("%+v, %v", res, err)
	}
	fo := ev.of(EventFailover)
	var le *LimitError
	if len(fo) != 1 || !errors.As(fo[0].Err, &le) || fo[0].To != "cloud" {
		t.Fatalf("%+v", fo)
	}
	counts, err := j.ProviderCounts(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	if counts["phone/sim1"].Accepted() != 2 || counts["phone/sim2"].Accepted() != 2 || counts["cloud"].Accepted() != 6 {
		t.Errorf("%v", counts)
	}
	if res.Failovers[0].From != "phone" {
		t.Errorf("%+v", res.Failovers)
	}
}

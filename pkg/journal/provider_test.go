package journal

import (
	"context"
	"testing"
	"time"
)

func TestUsageCountsWhatLeftThroughEachRouteOnTheClinicsDay(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	ctx := context.Background()
	j, _ := openTemp(t)
	plan := make([]Delivery, 6)
	for i := range plan {
		plan[i] = Delivery{To: "+8190000000" + string(rune('0'+i)), Body: "テスト", Segments: 1}
	}
	if err := j.CreateCampaign(ctx, Campaign{ID: "c", Template: "t", Provider: "twilio"}, plan); err != nil {
		t.Fatal(err)
	}
	// 23:59 and 00:01 in Tokyo: the same UTC day, two days of the SIM.
	before := time.Date(2025, 3, 1, 14, 59, 0, 0, time.UTC)
	after := time.Date(2025, 3, 1, 15, 1, 0, 0, time.UTC)
	mark := func(i int, at time.Time, route string, u Update) {
		t.Helper()
		if err := j.MarkSendingVia(ctx, plan[i].ID, at, route); err != nil {
			t.Fatal(err)
		}
		if u.State != "" {
			u.At = at
			if err := j.Record(ctx, plan[i].ID, u); err != nil {
				t.Fatal(err)
			}
		}
	}
	mark(0, before, "smsgate/sim1", Update{State: Submitted, ProviderID: "a"})
	mark(1, after, "smsgate/sim1", Update{State: Submitted, ProviderID: "b"})
	mark(2, after, "smsgate/sim2", Update{State: Unknown})                  // may have gone out
	mark(3, after, "smsgate/sim2", Update{State: Pending})                  // did not leave
	mark(4, after, "smsgate/sim2", Update{State: Failed, ErrorCode: "400"}) // refused before sending
	mark(5, after, "twilio", Update{State: Delivered, ProviderID: "SM1"})

	start, end := Day(after, loc)
	if want := time.Date(2025, 3, 2, 0, 0, 0, 0, loc); !start.Equal(want) || !end.Equal(want.AddDate(0, 0, 1)) {
		t.Fatalf("day %s – %s", start, end)
	}
	got, err := j.Usage(ctx, []string{"smsgate/sim1", "smsgate/sim2"}, start, end)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["smsgate/sim1"] != 1 || got["smsgate/sim2"] != 1 {
		t.Errorf("usage on March 2 %v", got)
	}
	s, e := Day(before, loc)
	if got, _ := j.Usage(ctx, []string{"smsgate/sim1"}, s, e); got["smsgate/sim1"] != 1 {
		t.Errorf("usage on March 1 %v", got)
	}

	byProvider, err := j.InFlightByProvider(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if len(byProvider["smsgate"]) != 2 || len(byProvider) != 1 {
		t.Errorf("in flight by provider %v", byProvider)
	}
	d, _ := j.Delivery(ctx, plan[5].ID)
	if d.Provider != "twilio" {
		t.Errorf("provider %q", d.Provider)
	}
	counts, err := j.ProviderCounts(ctx, "c")
	if err != nil || counts["smsgate/sim2"][Unknown] != 1 || counts["twilio"][Delivered] != 1 {
		t.Errorf("%v, %v", counts, err)
	}
}

func TestRouteOf(t *testing.T) {
	for _, tt := range []struct{ route, campaign, want string }{
		{"", "twilio", "twilio"},
		{"smsgate/sim2", "twilio", "smsgate"},
		{"karaden", "twilio", "karaden"},
	} {
		if got := RouteOf(tt.route, tt.campaign); got != tt.want {
			t.Errorf("RouteOf(%q, %q) = %q, want %q", tt.route, tt.campaign, got, tt.want)
		}
	}
}

package journal

import (
	"context"
	"maps"
	"testing"
	"time"
)

func TestCarrierIsRecordedAndKept(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	p := plan(3)
	mustCreate(t, j, "c", p)
	steps := []struct {
		name string
		id   int64
		u    Update
		want string
	}{
		{"a receipt without a carrier leaves it empty", p[0].ID, Update{State: Submitted, ProviderID: "K1"}, ""},
		{"a receipt with a carrier records it", p[0].ID, Update{State: Delivered, Carrier: "docomo"}, "docomo"},
		{"a later update without one keeps it", p[0].ID, Update{State: Delivered, Reason: "late receipt"}, "docomo"},
		{"an asynchronous write records it too", p[1].ID, Update{State: Undelivered, ErrorCode: "E1", Carrier: "au"}, "au"},
	}
	for i, s := range steps {
		s.u.At = t0.Add(time.Duration(i) * time.Second)
		var err error
		if s.name == "an asynchronous write records it too" {
			err = j.RecordAsync(s.id, s.u)
		} else {
			err = j.Record(ctx, s.id, s.u)
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		ds, err := j.Deliveries(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.ID == s.id && d.Carrier != s.want {
				t.Errorf("%s: carrier %q, want %q", s.name, d.Carrier, s.want)
			}
		}
	}
	got, err := j.CarrierCounts(ctx, "c")
	if err != nil || !maps.Equal(got, map[string]int{"docomo": 1, "au": 1}) {
		t.Errorf("CarrierCounts = %v, %v", got, err)
	}
	if _, err := j.CarrierCounts(ctx, "nope"); err == nil {
		t.Error("CarrierCounts of an unknown campaign: no error")
	}
}

package broadcast

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

// carrierSender answers every accepted send with the carrier, as a provider that knows it at once.
type carrierSender struct{ *provider }

func (c carrierSender) Send(ctx context.Context, m sms.Message) (sms.Receipt, error) {
	r, err := c.provider.Send(ctx, m)
	r.Carrier = "docomo"
	return r, err
}

func TestEngineRecordsTheReceiptsCarrier(t *testing.T) {
	clk := newClock()
	j, _ := newCampaign(t, 3)
	if _, err := Run(context.Background(), j, "c", carrierSender{newProvider(clk.Now, nil)}, testConfig(clk)); err != nil {
		t.Fatal(err)
	}
	ds, _ := j.Deliveries(context.Background(), "c")
	for _, d := range ds {
		if d.Carrier != "docomo" || d.State != journal.Submitted {
			t.Errorf("delivery %d: %s, carrier %q", d.Seq, d.State, d.Carrier)
		}
	}
}

// batcher is the in-test provider with status by pages: it answers the IDs in pages (all when
// nil), then fails with err if set.
type batcher struct {
	*provider
	pages map[string]sms.Receipt
	err   error
	calls int
	ids   []string
	since time.Time
}

func (b *batcher) StatusBatch(_ context.Context, ids []string, since time.Time) (map[string]sms.Receipt, error) {
	b.calls++
	b.ids, b.since = ids, since
	out := map[string]sms.Receipt{}
	for _, id := range ids {
		if r, ok := b.pages[id]; ok {
			r.ID = id
			out[id] = r
		}
	}
	return out, b.err
}

func TestRefreshAsksTheBatchFirstThenOneByOne(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name      string
		err       error
		fatal     bool
		batched   int
		checked   int
		wantState []string
	}{
		{"what the batch returns is recorded, the rest is asked one by one", nil, false, 4, 6,
			[]string{"delivered au", "sent softbank", "undelivered au", "submitted", "delivered", "submitted"}},
		{"a batch that fails part way keeps what it read and the rest is asked one by one", errors.New("page 2: 503"), false, 4, 6,
			[]string{"delivered au", "sent softbank", "undelivered au", "submitted", "delivered", "submitted"}},
		{"a fatal batch error stops the refresh", &sms.Error{Fatal: true, Reason: "bad key"}, true, 0, 0,
			[]string{"submitted", "sent", "submitted", "submitted", "submitted", "submitted"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			j, _ := newCampaign(t, 6)
			p := newProvider(clk.Now, nil)
			first := clk.Now()
			if _, err := Run(ctx, j, "c", p, testConfig(clk)); err != nil {
				t.Fatal(err)
			}
			ds, _ := j.Deliveries(ctx, "c")
			if err := j.Record(ctx, ds[1].ID, journal.Update{State: journal.Sent, Reason: "handed to the carrier", At: clk.Now()}); err != nil {
				t.Fatal(err)
			}
			b := &batcher{provider: p, err: tt.err, pages: map[string]sms.Receipt{
				ds[0].ProviderID: {Status: sms.StatusDelivered, Carrier: "au"},
				ds[1].ProviderID: {Status: sms.StatusSent, Carrier: "softbank"}, // only the carrier is new
				ds[2].ProviderID: {Status: sms.StatusUndelivered, ErrorCode: "E7", Reason: "圏外", Carrier: "au"},
				ds[3].ProviderID: {Status: sms.StatusQueued}, // nothing new
			}}
			p.status[ds[4].ProviderID] = sms.Receipt{Status: sms.StatusDelivered}
			p.status[ds[5].ProviderID] = sms.Receipt{Status: sms.StatusQueued}
			res, err := Refresh(ctx, j, "c", b, RefreshConfig{Now: clk.Now, Skew: time.Minute})
			if tt.fatal != (err != nil) || (err != nil && !sms.Classify(err).Fatal) {
				t.Fatalf("Refresh = %+v, %v", res, err)
			}
			if b.calls != 1 || len(b.ids) != 6 || !b.since.Equal(first.Add(-time.Minute)) {
				t.Errorf("StatusBatch called %d times with %d ids since %s; want once, 6, %s", b.calls, len(b.ids), b.since, first.Add(-time.Minute))
			}
			if res.Batched != tt.batched || res.Checked != tt.checked || (tt.err != nil && !tt.fatal) != (res.BatchErr != nil) {
				t.Errorf("result %+v", res)
			}
			ds, _ = j.Deliveries(ctx, "c")
			for i, d := range ds {
				got := string(d.State)
				if d.Carrier != "" {
					got += " " + d.Carrier
				}
				if got != tt.wantState[i] {
					t.Errorf("delivery %d: %q, want %q", i, got, tt.wantState[i])
				}
			}
			if !tt.fatal {
				if ds[1].Reason != "handed to the carrier" {
					t.Errorf("a carrier-only change replaced the reason: %q", ds[1].Reason)
				}
				if ds[2].ErrorCode != "E7" || ds[2].Reason != "圏外" {
					t.Errorf("undelivered recorded as %+v", ds[2])
				}
				if res.Changed != 4 {
					t.Errorf("changed %d, want 4 (three from the batch, one fetched)", res.Changed)
				}
			}
		})
	}
}

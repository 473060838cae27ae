package broadcast_test

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/broadcast"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/karaden"
	"github.com/smscast/smscast/pkg/sms/karaden/karadentest"
	"github.com/smscast/smscast/pkg/sms/twilio"
	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

// sendDirect sends the pending deliveries of campaign "c" in plan positions [from, to) through s
// (8 at a time) and records them submitted as the engine does: a quick way to a campaign of
// many messages in flight at a fake.
func sendDirect(tb testing.TB, j *journal.Journal, s sms.Sender, from, to int) {
	tb.Helper()
	ctx := context.Background()
	ds, err := j.Deliveries(ctx, "c")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				d := ds[i]
				if err := j.MarkSending(ctx, d.ID, time.Now()); err != nil {
					tb.Error(err)
					continue
				}
				r, err := s.Send(ctx, sms.Message{To: d.To, Body: d.Body, Campaign: "c", Ref: "x"})
				if err != nil {
					tb.Errorf("send %d: %v", i, err)
					continue
				}
				if err := j.RecordAsync(d.ID, journal.Update{State: journal.Submitted, ProviderID: r.ID, Segments: r.Segments, At: time.Now()}); err != nil {
					tb.Error(err)
				}
			}
		})
	}
	for i := from; i < min(to, len(ds)); i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := j.Flush(ctx); err != nil {
		tb.Fatal(err)
	}
}

func statesOf(tb testing.TB, j *journal.Journal) map[journal.State]int {
	tb.Helper()
	c, err := j.Counts(context.Background(), "c")
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestRefreshTwilioReadsPages is the contract of issue 13: status of a 2,000-message Twilio
// campaign makes at most 10 requests. The list answers every message Twilio has sent; the few
// it still holds in its queue (no date_sent, so outside the list's filter) are fetched one by one.
func TestRefreshTwilioReadsPages(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 messages")
	}
	const n, held = 2000, 5
	srv := twiliotest.NewServer(twiliotest.WithFaults(twiliotest.Faults{
		Outcomes: []twiliotest.Outcome{{To: "0013", Status: "undelivered", ErrorCode: 30003}},
	}))
	tr := pooledTransport()
	t.Cleanup(func() { tr.CloseIdleConnections(); srv.Close() })
	j := newTwilioCampaign(t, n)
	p := newTwilioProvider(t, srv, tr)
	// The first messages are held in Twilio's queue while sent; the fetch then says queued.
	srv.UpdateFaults(func(f *twiliotest.Faults) { f.Hold = true })
	sendDirect(t, j, p, 0, held)
	srv.UpdateFaults(func(f *twiliotest.Faults) { f.Hold = false })
	sendDirect(t, j, p, held, n)
	if got := len(srv.Messages()); got != n {
		t.Fatalf("%d messages at the fake, want %d", got, n)
	}

	before := srv.Requests()
	res, err := broadcast.Refresh(context.Background(), j, "c", p, broadcast.RefreshConfig{Rate: twilio.DefaultRate})
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests() - before
	t.Logf("status of %d messages: %d requests (%d list pages, %d fetches); %+v", n, reqs,
		srv.RequestsOf(twiliotest.KindList), srv.RequestsOf(twiliotest.KindFetch), res)
	if reqs > 10 {
		t.Errorf("%d requests, want at most 10", reqs)
	}
	if res.Checked != n || res.Batched != n-held || res.Errors != 0 || res.BatchErr != nil {
		t.Errorf("result %+v; want %d checked, %d by pages", res, n, n-held)
	}
	c := statesOf(t, j)
	if c[journal.Delivered] != n-held-1 || c[journal.Undelivered] != 1 || c[journal.Submitted] != held || res.InFlight != held {
		t.Errorf("states %v, in flight %d", c, res.InFlight)
	}
	ds, _ := j.Deliveries(context.Background(), "c")
	if d := ds[13]; d.State != journal.Undelivered || d.ErrorCode != "30003" || d.Reason == "" {
		t.Errorf("undelivered delivery recorded as %+v", d)
	}

	// Released from the queue, the held ones answer the next refresh.
	srv.Release()
	if res, err := broadcast.Refresh(context.Background(), j, "c", p, broadcast.RefreshConfig{}); err != nil || res.InFlight != 0 || res.Checked != held {
		t.Errorf("second refresh: %+v, %v", res, err)
	}
}

// TestRefreshKaradenReadsPages: status of a 2,000-message Karaden campaign makes at most 40
// requests (pages of 100), and records the carrier and the billed segments.
func TestRefreshKaradenReadsPages(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 messages")
	}
	const n = 2000
	srv := karadentest.NewServer(karadentest.WithOutcomes(
		karadentest.Outcome{To: "*1", Carrier: "au"},
		karadentest.Outcome{To: "*7", SentResult: "unconnected", Carrier: "softbank"},
	))
	t.Cleanup(srv.Close)
	p, err := karaden.New(karaden.Config{TenantID: karadentest.DefaultTenantID, ServiceID: karadentest.DefaultServiceID,
		APIKey: karadentest.DefaultAPIKey, BaseURL: srv.BaseURL(), HTTPClient: &http.Client{Transport: pooledTransport()}})
	if err != nil {
		t.Fatal(err)
	}
	j := newTwilioCampaign(t, n)
	sendDirect(t, j, p, 0, n)
	time.Sleep(3 * (karadentest.DefaultTiming.Waiting + karadentest.DefaultTiming.Processing)) // every message final

	before := srv.Requests()
	res, err := broadcast.Refresh(context.Background(), j, "c", p, broadcast.RefreshConfig{Rate: karaden.DefaultRate})
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests() - before
	t.Logf("status of %d messages: %d requests (%d lists, %d fetches); %+v", n, reqs, srv.Lists(), srv.Fetches(), res)
	if reqs > 40 {
		t.Errorf("%d requests, want at most 40", reqs)
	}
	if res.Checked != n || res.Batched != n || res.InFlight != 0 {
		t.Errorf("result %+v", res)
	}
	carriers, err := j.CarrierCounts(context.Background(), "c")
	if err != nil || carriers["au"] != n/10 || carriers["softbank"] != n/10 || carriers["docomo"] != n-2*n/10 {
		t.Errorf("carriers %v, %v", carriers, err)
	}
	ds, _ := j.Deliveries(context.Background(), "c")
	if d := ds[7]; d.State != journal.Undelivered || d.Carrier != "softbank" || d.Segments != 1 {
		t.Errorf("delivery 7 recorded as %+v", d)
	}
}

// singleOnly hides a provider's StatusBatcher: Refresh as it was before it read pages.
type singleOnly struct{ sms.StatusChecker }

// BenchmarkStatus200Twilio20ms is issue 13's cost figure: `status` of a 200-message Twilio
// campaign against the fake with 20 ms latency, at twilio.DefaultRate and 4 workers as the CLI
// runs it, one request per message (one-by-one, as before) and by list pages. Measure with
//
//	go test ./pkg/broadcast -run '^$' -bench Status200Twilio20ms -benchtime 1x -count 5
func BenchmarkStatus200Twilio20ms(b *testing.B) {
	const n = 200
	for _, bb := range []struct {
		name  string
		wrap  func(*twilio.Provider) sms.StatusChecker
		pages bool
	}{
		{"one-by-one", func(p *twilio.Provider) sms.StatusChecker { return singleOnly{p} }, false},
		{"by-pages", func(p *twilio.Provider) sms.StatusChecker { return p }, true},
	} {
		b.Run(bb.name, func(b *testing.B) {
			var total time.Duration
			var reqs []int
			for range b.N {
				b.StopTimer()
				srv := twiliotest.NewServer()
				tr := pooledTransport()
				j := newTwilioCampaign(b, n)
				p := newTwilioProvider(b, srv, tr)
				sendDirect(b, j, p, 0, n)
				srv.SetFaults(twiliotest.Faults{Latency: 20 * time.Millisecond})
				before := srv.Requests()
				b.StartTimer()
				start := time.Now()
				res, err := broadcast.Refresh(context.Background(), j, "c", bb.wrap(p), broadcast.RefreshConfig{Workers: 4, Rate: twilio.DefaultRate})
				total += time.Since(start)
				b.StopTimer()
				if err != nil || res.InFlight != 0 || res.Checked != n {
					b.Fatalf("refresh: %+v, %v", res, err)
				}
				reqs = append(reqs, srv.Requests()-before)
				tr.CloseIdleConnections()
				srv.Close()
				b.StartTimer()
			}
			sort.Ints(reqs)
			b.ReportMetric(total.Seconds()/float64(b.N), "s/status")
			b.ReportMetric(float64(reqs[len(reqs)/2]), "requests")
			if bb.pages && slices.Max(reqs) > 2 {
				b.Errorf("by pages: %v requests", reqs)
			}
		})
	}
}

package karaden_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/karaden"
	"github.com/smscast/smscast/pkg/sms/karaden/karadentest"
)

const body = "【テスト】停電のため本日の透析は中止です。"

func TestNewValidatesConfig(t *testing.T) {
	ok := karaden.Config{TenantID: karadentest.DefaultTenantID, ServiceID: 1, APIKey: "key1"}
	tests := []struct {
		name    string
		change  func(*karaden.Config)
		wantErr []string // nil for success
	}{
		{"a complete config is accepted", func(*karaden.Config) {}, nil},
		{"a missing tenant names the config key", func(c *karaden.Config) { c.TenantID = "" }, []string{"karaden.tenant_id", "config file"}},
		{"a missing service names the config key", func(c *karaden.Config) { c.ServiceID = 0 }, []string{"karaden.service_id", "config file"}},
		{"a missing key names the environment variable", func(c *karaden.Config) { c.APIKey = "" }, []string{"KARADEN_API_KEY", "environment"}},
		{"nothing set names all three at once", func(c *karaden.Config) { *c = karaden.Config{} }, []string{"karaden.tenant_id", "karaden.service_id", "KARADEN_API_KEY"}},
		{"a tenant that is not a UUID is refused", func(c *karaden.Config) { c.TenantID = "clinic" }, []string{"karaden.tenant_id", "UUID"}},
		{"a negative service is refused", func(c *karaden.Config) { c.ServiceID = -1 }, []string{"karaden.service_id"}},
		{"a key with a line break is refused", func(c *karaden.Config) { c.APIKey = "key1\n" }, []string{"KARADEN_API_KEY"}},
		{"a negative timeout is refused", func(c *karaden.Config) { c.Timeout = -time.Second }, []string{"karaden.timeout"}},
		{"an https base URL is accepted", func(c *karaden.Config) { c.BaseURL = "https://karaden-proxy.example.org/api" }, nil},
		{"an http base URL on 127.0.0.1 is accepted", func(c *karaden.Config) { c.BaseURL = "http://127.0.0.1:8080/api" }, nil},
		{"an http base URL on ::1 is accepted", func(c *karaden.Config) { c.BaseURL = "http://[::1]:8080/api" }, nil},
		{"an http base URL on localhost is accepted", func(c *karaden.Config) { c.BaseURL = "http://localhost:8080/api" }, nil},
		{"an http base URL elsewhere is refused", func(c *karaden.Config) { c.BaseURL = "http://prg.karaden.jp/api" }, []string{"karaden.base_url", "loopback"}},
		{"an http base URL on a LAN address is refused", func(c *karaden.Config) { c.BaseURL = "http://192.168.1.10/api" }, []string{"loopback"}},
		{"a base URL without a scheme is refused", func(c *karaden.Config) { c.BaseURL = "prg.karaden.jp/api" }, []string{"karaden.base_url"}},
		{"a base URL with a query is refused", func(c *karaden.Config) { c.BaseURL = "https://prg.karaden.jp/api?x=1" }, []string{"karaden.base_url"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.change(&cfg)
			_, err := karaden.New(cfg)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("New accepted %+v", cfg)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("New error = %q, want it to name %s", err, w)
				}
			}
		})
	}
}

// recorded is one request a test server saw.
type recorded struct {
	method, path string
	header       http.Header
	query, form  url.Values
}

// recorder answers every request with answer and records it.
func recorder(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, func() []recorded) {
	var mu sync.Mutex
	var reqs []recorded
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		reqs = append(reqs, recorded{r.Method, r.URL.Path, r.Header.Clone(), r.URL.Query(), r.PostForm})
		mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(s.Close)
	return s, func() []recorded {
		mu.Lock()
		defer mu.Unlock()
		return append([]recorded(nil), reqs...)
	}
}

func rawConfig(s *httptest.Server) karaden.Config {
	return karaden.Config{TenantID: karadentest.DefaultTenantID, ServiceID: 7, APIKey: "key1", BaseURL: s.URL + "/api"}
}

const oneMessage = `{"id":"82bdf9de-a532-4bf5-86bc-c9a1366e5f4a","object":"message","service_id":7,"billing_address_id":1,
"to":"09000000001","body":"本文","tags":["smscast-c1","smscast-c1-42"],"is_shorten":false,"is_shorten_clicked":false,
"result":"done","status":"done","sent_result":"received","carrier":"au","charged_count_per_sent":2,
"created_at":"2026-11-21T18:30:01+09:00","updated_at":"2026-11-21T18:30:05+09:00"}`

func TestRequestsAreShapedAsTheSpecSays(t *testing.T) {
	s, reqs := recorder(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/messages") && r.Method == http.MethodGet {
			io.WriteString(w, `{"object":"list","has_more":false,"data":[`+oneMessage+`]}`)
			return
		}
		io.WriteString(w, oneMessage)
	})
	p := newProvider(t, rawConfig(s))
	ctx := context.Background()
	since := time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)

	r, err := p.Send(ctx, sms.Message{To: "+819000000001", Body: body, Ref: "42", Campaign: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "82bdf9de-a532-4bf5-86bc-c9a1366e5f4a" || r.Status != sms.StatusDelivered || r.Segments != 2 || r.Carrier != "au" {
		t.Errorf("receipt = %+v", r)
	}
	if _, err := p.Status(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, found, err := p.Find(ctx, sms.Message{To: "+819000000001", Body: body, Ref: "42", Campaign: "c1"}, since); err != nil || !found {
		t.Fatalf("Find = %v, %v", found, err)
	}
	if _, err := p.StatusBatch(ctx, []string{r.ID}, since); err != nil {
		t.Fatal(err)
	}
	if err := p.Check(ctx); err != nil {
		t.Fatal(err)
	}

	got := reqs()
	if len(got) != 5 {
		t.Fatalf("%d requests, want 5", len(got))
	}
	tenant := "/api/" + karadentest.DefaultTenantID
	for _, rq := range got {
		if a := rq.header.Get("Authorization"); a != "Bearer key1" {
			t.Errorf("%s %s: Authorization %q", rq.method, rq.path, a)
		}
		if v := rq.header.Get("Karaden-Version"); v != "2024-03-01" {
			t.Errorf("%s %s: Karaden-Version %q", rq.method, rq.path, v)
		}
	}
	send := got[0]
	if send.method != http.MethodPost || send.path != tenant+"/messages" ||
		!strings.HasPrefix(send.header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		t.Errorf("send = %s %s %s", send.method, send.path, send.header.Get("Content-Type"))
	}
	wantForm := url.Values{"service_id": {"7"}, "to": {"09000000001"}, "body": {body}, "tags[]": {"smscast-c1", "smscast-c1-42"}}
	if fmt.Sprint(send.form) != fmt.Sprint(wantForm) {
		t.Errorf("form = %v, want %v", send.form, wantForm)
	}
	if got[1].method != http.MethodGet || got[1].path != tenant+"/messages/"+r.ID {
		t.Errorf("status = %s %s", got[1].method, got[1].path)
	}
	find := got[2].query
	if got[2].path != tenant+"/messages" || find.Get("tag") != "smscast-c1-42" || find.Get("to") != "09000000001" ||
		find.Get("start_at") != "2026-11-21T18:29:00+09:00" || find.Get("per_page") != "100" || find.Get("page") != "1" || find.Get("service_id") != "7" {
		t.Errorf("find query = %v", find)
	}
	batch := got[3].query
	if batch.Get("start_at") != "2026-11-21T18:29:00+09:00" || batch.Get("per_page") != "100" || batch.Has("tag") || batch.Has("to") {
		t.Errorf("status batch query = %v", batch)
	}
	if check := got[4].query; check.Get("per_page") != "1" {
		t.Errorf("check query = %v", check)
	}
}

func TestNumbersAreSentInTheirDomesticForm(t *testing.T) {
	tests := []struct {
		name, e164, want string
		reason           string // part of the reason when refused
	}{
		{"a +81 90 mobile becomes 090…", "+819000001234", "09000001234", ""},
		{"a +81 80 mobile becomes 080…", "+818000001234", "08000001234", ""},
		{"a +81 70 mobile becomes 070…", "+817000001234", "07000001234", ""},
		{"a US number is not Japanese", "+12025550123", "", "not a Japanese number"},
		{"a Tokyo landline is not a mobile", "+81300001234", "", "not a Japanese mobile number"},
		{"an 050 IP phone is not a mobile", "+815000001234", "", "not a Japanese mobile number"},
		{"a mobile number one digit short is refused", "+81900000123", "", "not a Japanese mobile number"},
		{"a domestic number without +81 is not E.164", "09000001234", "", "international form"},
		{"an empty number is refused", "", "", "international form"},
	}
	s := newFake(t)
	p := newProvider(t, config(s))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reason := karaden.Sendable(tt.e164)
			if ok != (tt.want != "") || !strings.Contains(reason, tt.reason) {
				t.Fatalf("Sendable(%q) = %v, %q", tt.e164, ok, reason)
			}
			if d, _ := karaden.Domestic(tt.e164); d != tt.want {
				t.Errorf("Domestic(%q) = %q, want %q", tt.e164, d, tt.want)
			}
			before := s.Creates()
			_, err := p.Send(context.Background(), sms.Message{To: tt.e164, Body: body})
			if tt.want != "" {
				if err != nil || s.Count(tt.want) != 1 {
					t.Errorf("Send: %v; %d messages to %s", err, s.Count(tt.want), tt.want)
				}
				return
			}
			e := sms.Classify(err)
			if e == nil || !e.Permanent || e.Reason != reason {
				t.Errorf("Send error = %v, want permanent with the reason %q", err, reason)
			}
			if s.Creates() != before {
				t.Error("a number Karaden cannot take was sent to it")
			}
		})
	}
}

func TestTheBodyLimitIs660Characters(t *testing.T) {
	s := newFake(t)
	p := newProvider(t, config(s))
	ctx := context.Background()
	max := strings.Repeat("あ", karaden.MaxChars)
	r, err := p.Send(ctx, sms.Message{To: "+819000000001", Body: max})
	if err != nil {
		t.Fatalf("660 characters: %v", err)
	}
	if r.Segments != 10 { // 660 UCS-2 characters at 67 per part
		t.Errorf("segments = %d, want 10", r.Segments)
	}
	_, err = p.Send(ctx, sms.Message{To: "+819000000002", Body: max + "。"})
	e := sms.Classify(err)
	if e == nil || !e.Permanent || !strings.Contains(e.Reason, "661") || !strings.Contains(e.Reason, "660") {
		t.Fatalf("661 characters: %v, want permanent naming both lengths", err)
	}
	if s.Count("+819000000002") != 0 {
		t.Error("a body over the limit was sent")
	}
	if _, err := p.Send(ctx, sms.Message{To: "+819000000003", Body: ""}); sms.Classify(err) == nil || !sms.Classify(err).Permanent {
		t.Errorf("an empty body: %v, want permanent", err)
	}
}

func TestSegmentsBeforeKaradenCharges(t *testing.T) {
	tests := []struct {
		body string
		want int
	}{
		{"Clinic closed today.", 1},
		{strings.Repeat("a", 160), 1},
		{strings.Repeat("a", 161), 2},
		{strings.Repeat("[", 80), 1}, // extension characters take two septets
		{strings.Repeat("[", 81), 2},
		{strings.Repeat("あ", 70), 1},
		{strings.Repeat("あ", 71), 2},
		{strings.Repeat("あ", 134), 2},
		{strings.Repeat("あ", 135), 3},
	}
	for _, tt := range tests {
		s, _ := recorder(t, func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"id":"82bdf9de-a532-4bf5-86bc-c9a1366e5f4a","object":"message","status":"waiting","result":"processing","sent_result":"none","carrier":"checking","charged_count_per_sent":0}`)
		})
		p := newProvider(t, rawConfig(s))
		r, err := p.Send(context.Background(), sms.Message{To: "+819000000001", Body: tt.body})
		if err != nil || r.Segments != tt.want || r.Status != sms.StatusQueued || r.Carrier != "" {
			t.Errorf("%d characters %q…: %+v, %v; want %d segments, queued, no carrier yet", len([]rune(tt.body)), tt.body[:3], r, err, tt.want)
		}
	}
}

func TestTags(t *testing.T) {
	c, d := karaden.Tags("outage-2026-11-21", "42")
	if c != "smscast-outage-2026-11-21" || d != "smscast-outage-2026-11-21-42" {
		t.Errorf("Tags = %q, %q", c, d)
	}
	if c, d := karaden.Tags("", ""); c != "smscast" || d != "" {
		t.Errorf("Tags without campaign and ref = %q, %q", c, d)
	}
	for _, campaign := range []string{"透析中止-2026-11-21", strings.Repeat("x", 100), "a b", "a/b"} {
		c, d := karaden.Tags(campaign, "9223372036854775807")
		for _, tag := range []string{c, d} {
			if len(tag) > 64 || strings.Trim(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != "" {
				t.Errorf("campaign %q: tag %q is not short ASCII", campaign, tag)
			}
		}
		if c2, _ := karaden.Tags(campaign+"2", "1"); c2 == c {
			t.Errorf("campaigns %q and %q share a tag", campaign, campaign+"2")
		}
	}
	if _, d1 := karaden.Tags("c", "1"); d1 == func() string { _, d := karaden.Tags("c", "2"); return d }() {
		t.Error("two deliveries share a tag")
	}
}

func TestTheFakeRecordsTagsOnEveryMessage(t *testing.T) {
	s := newFake(t)
	p := newProvider(t, config(s))
	if _, err := p.Send(context.Background(), sms.Message{To: "+819000000001", Body: body, Campaign: "drill-1", Ref: "5"}); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 || fmt.Sprint(msgs[0].Tags) != "[smscast-drill-1 smscast-drill-1-5]" || msgs[0].To != "09000000001" {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestFindAfterAcceptThenDrop(t *testing.T) {
	s := newFake(t, karadentest.WithFaults(karadentest.Faults{
		For: []karadentest.NumberFault{{To: "+819000000001", Fault: karadentest.FaultAcceptThenDrop}},
	}))
	p := newProvider(t, config(s))
	ctx := context.Background()
	since := time.Now()
	m := sms.Message{To: "+819000000001", Body: body, Campaign: "outage-1", Ref: "17"}
	_, err := p.Send(ctx, m)
	if e := sms.Classify(err); e == nil || !e.Ambiguous {
		t.Fatalf("Send = %v, want ambiguous", err)
	}
	r, found, err := p.Find(ctx, m, since)
	msgs := s.Messages()
	if err != nil || !found || len(msgs) != 1 || r.ID != msgs[0].ID || msgs[0].Answer != 0 {
		t.Fatalf("Find = %+v, %v, %v; messages %+v", r, found, err, msgs)
	}
	// Another delivery to the same number, the same delivery of another campaign: not this one.
	for _, other := range []sms.Message{
		{To: m.To, Body: body, Campaign: "outage-1", Ref: "18"},
		{To: m.To, Body: body, Campaign: "outage-2", Ref: "17"},
		{To: "+819000000002", Body: body, Campaign: "outage-1", Ref: "17"},
	} {
		if _, found, err := p.Find(ctx, other, since); err != nil || found {
			t.Errorf("Find %+v = %v, %v; want not found", other, found, err)
		}
	}
}

func TestFindDoesNotConfuseACampaignTagWithADeliveryTag(t *testing.T) {
	s := newFake(t)
	p := newProvider(t, config(s))
	ctx := context.Background()
	since := time.Now()
	// Campaign "a-1" tags its messages smscast-a-1: the delivery tag of campaign "a", ref 1.
	if _, err := p.Send(ctx, sms.Message{To: "+819000000001", Body: body, Campaign: "a-1", Ref: "7"}); err != nil {
		t.Fatal(err)
	}
	if _, found, err := p.Find(ctx, sms.Message{To: "+819000000001", Body: body, Campaign: "a", Ref: "1"}, since); err != nil || found {
		t.Errorf("Find of campaign a ref 1 = %v, %v; want not found", found, err)
	}
}

func TestFindAfterLateAcceptance(t *testing.T) {
	s := newFake(t, karadentest.WithFaults(karadentest.Faults{LateAccept: 150 * time.Millisecond}))
	cfg := config(s)
	cfg.Timeout = 100 * time.Millisecond
	p := newProvider(t, cfg)
	ctx := context.Background()
	since := time.Now()
	m := sms.Message{To: "+819000000001", Body: body, Campaign: "late", Ref: "1"}
	_, err := p.Send(ctx, m)
	if e := sms.Classify(err); e == nil || !e.Ambiguous || e.Permanent {
		t.Fatalf("Send = %v, want ambiguous (timed out after the request was written)", err)
	}
	if _, found, err := p.Find(ctx, m, since); err != nil || found {
		t.Fatalf("Find at once = %v, %v: the message should not exist yet", found, err)
	}
	// What the engine does (broadcast's graceFor): wait twice the provider's request timeout,
	// then look.
	if p.RequestTimeout() != cfg.Timeout {
		t.Fatalf("RequestTimeout = %v, want the configured %v", p.RequestTimeout(), cfg.Timeout)
	}
	time.Sleep(2 * p.RequestTimeout())
	s.WaitLate()
	r, found, err := p.Find(ctx, m, since)
	if err != nil || !found || s.Count(m.To) != 1 || r.ID != s.Messages()[0].ID || !s.Messages()[0].Late {
		t.Fatalf("Find after the grace = %+v, %v, %v; %d messages", r, found, err, s.Count(m.To))
	}
}

func TestFindReadsEveryPageAndTakesTheNewest(t *testing.T) {
	s := newFake(t)
	p := newProvider(t, config(s))
	ctx := context.Background()
	since := time.Now()
	// Without a ref a message is matched by campaign tag, number and text: 150 others first.
	for i := range 150 {
		if _, err := p.Send(ctx, sms.Message{To: "+819000000001", Body: fmt.Sprintf("%s %d", body, i), Campaign: "c"}); err != nil {
			t.Fatal(err)
		}
	}
	m := sms.Message{To: "+819000000001", Body: body + " 0", Campaign: "c"} // the oldest: on the second page
	lists := s.Lists()
	r, found, err := p.Find(ctx, m, since)
	if err != nil || !found || r.ID != s.Messages()[0].ID {
		t.Fatalf("Find = %+v, %v, %v", r, found, err)
	}
	if n := s.Lists() - lists; n != 2 {
		t.Errorf("Find took %d requests, want 2 pages", n)
	}
	// A duplicate already happened: Find reports the newest.
	dup, err := p.Send(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if r, found, err := p.Find(ctx, m, since); err != nil || !found || r.ID != dup.ID {
		t.Errorf("Find with a duplicate = %+v, %v, %v; want the newest %s", r, found, err, dup.ID)
	}
}

func TestStatusBatchPagesAHundredAtATime(t *testing.T) {
	s := newFake(t)
	p := newProvider(t, config(s))
	ctx := context.Background()
	since := time.Now()
	const n = 2000
	ids := make([]string, n)
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				r, err := p.Send(ctx, sms.Message{To: fmt.Sprintf("+8190%08d", i), Body: body, Campaign: "big", Ref: fmt.Sprint(i)})
				if err != nil {
					t.Error(err)
				}
				ids[i] = r.ID
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	time.Sleep(karadentest.DefaultTiming.Waiting + karadentest.DefaultTiming.Processing)

	before := s.Requests()
	got, err := p.StatusBatch(ctx, ids, since)
	if err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests() - before
	if len(got) != n || reqs > 40 {
		t.Fatalf("StatusBatch returned %d of %d receipts in %d requests; want all in at most 40", len(got), n, reqs)
	}
	t.Logf("%d receipts in %d requests", len(got), reqs)
	for _, id := range ids[:5] {
		if r := got[id]; r.ID != id || r.Status != sms.StatusDelivered || r.Carrier != "docomo" || r.Segments != 1 {
			t.Errorf("receipt %s = %+v", id, r)
		}
	}

	// A few recent ids: the newest page has them, and paging stops there.
	before = s.Requests()
	got, err = p.StatusBatch(ctx, ids[n-3:], since)
	if err != nil || len(got) != 3 || s.Requests()-before != 1 {
		t.Errorf("3 newest ids: %d receipts, %v, %d requests; want 3 in 1", len(got), err, s.Requests()-before)
	}
	// Ids the list does not have are left out, for the caller to ask one by one; paging stops
	// after as many pages as ids.
	before = s.Requests()
	got, err = p.StatusBatch(ctx, []string{"00000000-0000-4000-8000-000000000000", ids[0]}, since)
	if err != nil || len(got) != 0 || s.Requests()-before != 2 {
		t.Errorf("an unknown id and the oldest: %v, %v, %d requests; want none in 2", got, err, s.Requests()-before)
	}
	if got, err := p.StatusBatch(ctx, nil, since); err != nil || len(got) != 0 {
		t.Errorf("no ids: %v, %v", got, err)
	}
}

func TestStatusFollowsAMessageToItsOutcome(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s := newFake(t, karadentest.WithClock(clock),
		karadentest.WithTiming(karadentest.Timing{Waiting: time.Minute, Processing: time.Minute}),
		karadentest.WithOutcomes(
			karadentest.Outcome{To: "0001", SentResult: "received", Carrier: "softbank"},
			karadentest.Outcome{To: "0002", SentResult: "unconnected", Carrier: "au"},
			karadentest.Outcome{To: "0003", SentResult: "error", Carrier: "rakuten"},
			karadentest.Outcome{To: "0004", SentResult: "unknown"},
			karadentest.Outcome{To: "0005", Status: "error"},
			karadentest.Outcome{To: "0006", Status: "canceled"},
			karadentest.Outcome{To: "0007", Status: "processing_error"},
		))
	p := newProvider(t, config(s))
	ctx := context.Background()
	want := []struct {
		to                  string
		sent, final         sms.Status
		carrier, code, word string
	}{
		{"+819000000001", sms.StatusSent, sms.StatusDelivered, "softbank", "", ""},
		{"+819000000002", sms.StatusSent, sms.StatusUndelivered, "au", "sent_result=unconnected", "圏外・電源オフの可能性"},
		{"+819000000003", sms.StatusSent, sms.StatusFailed, "rakuten", "sent_result=error", "送達エラー"},
		{"+819000000004", sms.StatusSent, sms.StatusFailed, "docomo", "sent_result=unknown", "送達結果不明"},
		{"+819000000005", sms.StatusFailed, sms.StatusFailed, "", "status=error", "送信エラー"},
		{"+819000000006", sms.StatusFailed, sms.StatusFailed, "", "status=canceled", "キャンセル"},
		{"+819000000007", sms.StatusFailed, sms.StatusFailed, "", "status=processing_error", "処理エラー"},
	}
	ids := map[string]string{}
	for _, w := range want {
		r, err := p.Send(ctx, sms.Message{To: w.to, Body: body})
		if err != nil || r.Status != sms.StatusQueued {
			t.Fatalf("Send to %s = %+v, %v; want queued", w.to, r, err)
		}
		ids[w.to] = r.ID
	}
	for _, step := range []struct {
		after time.Duration
		pick  func(sent, final sms.Status) sms.Status
	}{
		{0, func(sms.Status, sms.Status) sms.Status { return sms.StatusQueued }},
		{time.Minute, func(sent, _ sms.Status) sms.Status { return sent }},
		{time.Minute, func(_, final sms.Status) sms.Status { return final }},
	} {
		advance(step.after)
		for _, w := range want {
			r, err := p.Status(ctx, ids[w.to])
			st := step.pick(w.sent, w.final)
			if err != nil || r.Status != st || r.ID != ids[w.to] {
				t.Errorf("%s at +%v: %+v, %v; want %s", w.to, step.after, r, err, st)
				continue
			}
			if st != sms.StatusQueued && r.Carrier != w.carrier {
				t.Errorf("%s: carrier %q, want %q", w.to, r.Carrier, w.carrier)
			}
			if st.Final() && (r.ErrorCode != w.code || !strings.Contains(r.Reason, w.word)) {
				t.Errorf("%s: code %q reason %q; want %q and %q", w.to, r.ErrorCode, r.Reason, w.code, w.word)
			}
		}
	}
}

func TestStatusOfAnUnknownMessage(t *testing.T) {
	s := newFake(t)
	p := newProvider(t, config(s))
	for _, id := range []string{"00000000-0000-4000-8000-000000000000", "SM0123456789abcdef0123456789abcdef", "../../x"} {
		_, err := p.Status(context.Background(), id)
		if e := sms.Classify(err); e == nil || !e.Permanent || e.Fatal {
			t.Errorf("Status(%q) = %v (%+v), want permanent", id, err, e)
		}
	}
}

func TestCheck(t *testing.T) {
	s := newFake(t)
	if err := newProvider(t, config(s)).Check(context.Background()); err != nil || s.Lists() != 1 {
		t.Fatalf("Check = %v with %d lists, want nil with 1", err, s.Lists())
	}
	for _, tt := range []struct {
		name   string
		change func(*karaden.Config)
		hint   string
	}{
		{"a wrong key", func(c *karaden.Config) { c.APIKey = "wrong" }, "KARADEN_API_KEY"},
		{"a wrong tenant", func(c *karaden.Config) { c.TenantID = "00000000-0000-4000-8000-000000000bad" }, "karaden.tenant_id"},
		{"a wrong base path", func(c *karaden.Config) { c.BaseURL = s.URL + "/v2" }, "karaden.tenant_id"},
	} {
		cfg := config(s)
		tt.change(&cfg)
		err := newProvider(t, cfg).Check(context.Background())
		if e := sms.Classify(err); e == nil || !e.Fatal || !strings.Contains(e.Reason, tt.hint) {
			t.Errorf("%s: Check = %v, want fatal naming %s", tt.name, err, tt.hint)
		}
	}
	s.Close()
	if err := newProvider(t, config(s)).Check(context.Background()); err == nil {
		t.Error("Check of a server that is gone succeeded")
	}
}

func TestAnOutageAfterNMessages(t *testing.T) {
	s := newFake(t, karadentest.WithFaults(karadentest.Faults{OutageAfter: 3}))
	p := newProvider(t, config(s))
	ctx := context.Background()
	for i := range 5 {
		_, err := p.Send(ctx, sms.Message{To: fmt.Sprintf("+81900000000%d", i), Body: body})
		e := sms.Classify(err)
		switch {
		case i < 3 && err != nil:
			t.Errorf("send %d before the outage: %v", i, err)
		case i >= 3 && (e == nil || e.Ambiguous || e.Fatal || e.Permanent || !strings.Contains(e.Reason, "503")):
			t.Errorf("send %d in the outage: %v, want a transient error naming the 503 (nothing was stored)", i, err)
		}
	}
	if len(s.Messages()) != 3 {
		t.Errorf("%d messages, want 3", len(s.Messages()))
	}
	if err := p.Check(ctx); sms.Classify(err) == nil || sms.Classify(err).Ambiguous || sms.Classify(err).Fatal {
		t.Errorf("Check in the outage = %v, want transient", err)
	}
	s.SetFaults(karadentest.Faults{})
	if err := p.Check(ctx); err != nil {
		t.Errorf("Check after the outage = %v", err)
	}
}

func TestConcurrentSendsUnderFaultsCreateEachMessageAtMostOnceAndFindReconcilesThem(t *testing.T) {
	s := newFake(t, karadentest.WithSeed(7), karadentest.WithFaults(karadentest.Faults{
		TooManyRequests: 0.1, ServerErrors: 0.05, HTMLUnavailable: 0.05,
		AcceptThen500: 0.05, AcceptThenHTML: 0.05, AcceptThenDrop: 0.05,
	}))
	p := newProvider(t, config(s))
	ctx := context.Background()
	since := time.Now()
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := sms.Message{To: fmt.Sprintf("+8180%08d", i), Body: body, Campaign: "storm", Ref: fmt.Sprint(i)}
			for attempt := 0; attempt < 20; attempt++ {
				_, err := p.Send(ctx, m)
				e := sms.Classify(err)
				if err == nil {
					return
				}
				if e.Permanent || e.Fatal {
					t.Errorf("%s: %v", m.To, err)
					return
				}
				if e.Ambiguous {
					_, found, ferr := p.Find(ctx, m, since)
					if ferr != nil {
						t.Errorf("Find %s: %v", m.To, ferr)
						return
					}
					if found {
						return
					}
				}
			}
			t.Errorf("%s: never accepted", m.To)
		}()
	}
	wg.Wait()
	for i := range n {
		if c := s.Count(fmt.Sprintf("+8180%08d", i)); c != 1 {
			t.Errorf("number %d: %d messages, want exactly 1", i, c)
		}
	}
}

func TestRequestTimeoutFollowsTheConfig(t *testing.T) {
	p := newProvider(t, karaden.Config{TenantID: karadentest.DefaultTenantID, ServiceID: 1, APIKey: "k"})
	if got := p.RequestTimeout(); got != karaden.DefaultTimeout {
		t.Errorf("RequestTimeout = %v", got)
	}
}

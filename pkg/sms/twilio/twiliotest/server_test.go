package twiliotest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

type client struct {
	t    *testing.T
	s    *twiliotest.Server
	user string
	pass string
}

func newClient(t *testing.T, opts ...twiliotest.Option) *client {
	s := twiliotest.NewServer(opts...)
	t.Cleanup(s.Close)
	return &client{t: t, s: s, user: s.AccountSID, pass: s.AuthToken}
}

func (c *client) do(method, path string, form url.Values) (int, http.Header, map[string]any) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.s.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.SetBasicAuth(c.user, c.pass)
	resp, err := c.s.Client().Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		c.t.Fatalf("%s %s: decode: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, out
}

func (c *client) messages() string {
	return "/2010-04-01/Accounts/" + c.s.AccountSID + "/Messages.json"
}

func (c *client) create(to, body string) (int, http.Header, map[string]any) {
	return c.do("POST", c.messages(), url.Values{"To": {to}, "From": {"+15005550006"}, "Body": {body}})
}

type openapi struct {
	MessageSchema struct {
		Properties map[string]struct {
			Type     string `json:"type"`
			Nullable bool   `json:"nullable"`
			Ref      string `json:"$ref"`
		} `json:"properties"`
	} `json:"message_schema"`
	StatusEnum         []string                  `json:"status_enum"`
	CreateExamples     map[string]map[string]any `json:"create_examples"`
	FetchExample       map[string]any            `json:"fetch_example"`
	ListExample        map[string]any            `json:"list_example"`
	ListResponseSchema struct {
		Properties map[string]any `json:"properties"`
	} `json:"list_response_schema"`
}

func loadOpenAPI(t *testing.T) openapi {
	raw, err := os.ReadFile("testdata/messages_openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var o openapi
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func keys(m map[string]any) string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return strings.Join(k, ",")
}

// checkShape compares a message from the fake with Twilio's schema and example, field by field.
func checkShape(t *testing.T, o openapi, got map[string]any, example map[string]any) {
	t.Helper()
	if keys(got) != keys(example) {
		t.Errorf("fields = %s\nwant      %s", keys(got), keys(example))
	}
	for name, p := range o.MessageSchema.Properties {
		v, ok := got[name]
		if !ok {
			continue // reported above when the example has it
		}
		if v == nil {
			if !p.Nullable && p.Ref == "" {
				t.Errorf("%s is null but not nullable", name)
			}
			continue
		}
		want := p.Type
		if p.Ref != "" {
			want = "string"
		}
		var typ string
		switch v.(type) {
		case string:
			typ = "string"
		case float64:
			typ = "integer"
		case map[string]any:
			typ = "object"
		}
		if typ != want {
			t.Errorf("%s is a JSON %s, want %s", name, typ, want)
		}
	}
	for _, d := range []string{"date_created", "date_updated", "date_sent"} {
		if s, ok := got[d].(string); ok {
			if _, err := time.Parse(time.RFC1123Z, s); err != nil {
				t.Errorf("%s = %q is not RFC 1123: %v", d, s, err)
			}
		}
	}
}

func TestCreateFetchAndListHaveTwiliosShape(t *testing.T) {
	o := loadOpenAPI(t)
	c := newClient(t)
	status, _, m := c.create("+819012345678", "停電のため本日の透析は中止です")
	if status != http.StatusCreated {
		t.Fatalf("create status = %d %v", status, m)
	}
	checkShape(t, o, m, o.CreateExamples["createWoService"])
	if m["status"] != "queued" || m["num_segments"] != "1" || m["error_code"] != nil || m["direction"] != "outbound-api" {
		t.Errorf("create answer = %v", m)
	}
	sid := m["sid"].(string)
	if len(sid) != 34 || !strings.HasPrefix(sid, "SM") {
		t.Errorf("sid = %q", sid)
	}

	status, _, f := c.do("GET", "/2010-04-01/Accounts/"+c.s.AccountSID+"/Messages/"+sid+".json", nil)
	if status != http.StatusOK || f["status"] != "delivered" {
		t.Fatalf("fetch = %d %v", status, f)
	}
	checkShape(t, o, f, o.FetchExample)

	status, _, l := c.do("GET", c.messages()+"?To=%2B819012345678", nil)
	if status != http.StatusOK {
		t.Fatalf("list = %d %v", status, l)
	}
	if keys(l) != keys(o.ListExample) {
		t.Errorf("list fields = %s\nwant           %s", keys(l), keys(o.ListExample))
	}
	msgs := l["messages"].([]any)
	if len(msgs) != 1 {
		t.Fatalf("list has %d messages, want 1", len(msgs))
	}
	checkShape(t, o, msgs[0].(map[string]any), o.ListExample["messages"].([]any)[0].(map[string]any))
}

func TestCreateWithMessagingServiceIsAccepted(t *testing.T) {
	o := loadOpenAPI(t)
	c := newClient(t)
	status, _, m := c.do("POST", c.messages(), url.Values{
		"To": {"+819012345678"}, "MessagingServiceSid": {"MG11111111111111111111111111111111"}, "Body": {"x"},
	})
	if status != http.StatusCreated {
		t.Fatalf("status = %d %v", status, m)
	}
	checkShape(t, o, m, o.CreateExamples["createWithMessagingService"])
	if m["status"] != "accepted" || m["from"] != nil || m["messaging_service_sid"] != "MG11111111111111111111111111111111" {
		t.Errorf("answer = %v", m)
	}
}

func TestAuthentication(t *testing.T) {
	tests := []struct {
		name       string
		user, pass string
		want       int
	}{
		{"the account SID and token are accepted", twiliotest.DefaultAccountSID, twiliotest.DefaultAuthToken, 201},
		{"an API key and secret are accepted", "SK00000000000000000000000000000001", "keysecret", 201},
		{"a wrong token is refused with 20003", twiliotest.DefaultAccountSID, "wrong", 401},
		{"no credentials are refused", "", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, twiliotest.WithAPIKey("SK00000000000000000000000000000001", "keysecret"))
			c.user, c.pass = tt.user, tt.pass
			status, _, m := c.create("+819012345678", "x")
			if status != tt.want {
				t.Fatalf("status = %d, want %d (%v)", status, tt.want, m)
			}
			if status == 401 && m["code"] != float64(20003) {
				t.Errorf("code = %v, want 20003", m["code"])
			}
		})
	}
}

func TestRejectionsByPattern(t *testing.T) {
	c := newClient(t, twiliotest.WithFaults(twiliotest.Faults{
		Invalid: []string{"1111"}, Landline: []string{"+813*"}, OptedOut: []string{"3333"},
		Reject: []twiliotest.Rule{{To: "4444", Code: 21408, Message: "Permission to send an SMS has not been enabled"}},
	}))
	tests := []struct {
		to   string
		code float64
	}{
		{"+819000001111", 21211}, {"+81312345678", 21614}, {"+819000003333", 21610}, {"+819000004444", 21408},
		{"0901234", 21211},
	}
	for _, tt := range tests {
		status, _, m := c.create(tt.to, "x")
		if status != 400 || m["code"] != tt.code || m["more_info"] == nil {
			t.Errorf("%s: %d %v, want 400 code %v", tt.to, status, m, tt.code)
		}
	}
	if n := len(c.s.Messages()); n != 0 {
		t.Errorf("%d rejected messages were recorded", n)
	}
}

func TestTooManyRequestsAndServerErrors(t *testing.T) {
	c := newClient(t, twiliotest.WithFaults(twiliotest.Faults{TooManyRequests: 1, RetryAfter: 1500 * time.Millisecond}))
	status, h, m := c.create("+819012345678", "x")
	if status != 429 || m["code"] != float64(20429) || h.Get("Retry-After") != "2" {
		t.Fatalf("429 answer = %d %v Retry-After %q", status, m, h.Get("Retry-After"))
	}
	if h.Get("Twilio-Concurrent-Requests") == "" {
		t.Error("no Twilio-Concurrent-Requests header")
	}
	c.s.SetFaults(twiliotest.Faults{TooManyRequests: 1})
	if _, h, _ := c.create("+819012345678", "x"); h.Get("Retry-After") != "" {
		t.Error("Retry-After sent though none was configured")
	}
	c.s.SetFaults(twiliotest.Faults{ServerErrors: 1, ServerStatus: 503})
	if status, _, _ := c.create("+819012345678", "x"); status != 503 {
		t.Errorf("status = %d, want 503", status)
	}
	c.s.SetFaults(twiliotest.Faults{FailAll: true})
	if status, _, _ := c.do("GET", c.messages(), nil); status != 500 {
		t.Errorf("fail-all list status = %d, want 500", status)
	}
	if n := len(c.s.Messages()); n != 0 {
		t.Errorf("%d messages created by failed requests", n)
	}
}

func TestProbabilitiesAreRoughlyRight(t *testing.T) {
	c := newClient(t, twiliotest.WithSeed(42), twiliotest.WithFaults(twiliotest.Faults{TooManyRequests: 0.2, ServerErrors: 0.1}))
	got := map[int]int{}
	for range 500 {
		status, _, _ := c.create("+819012345678", "x")
		got[status]++
	}
	if got[429] < 70 || got[429] > 130 || got[500] < 30 || got[500] > 75 || got[201] != c.s.Count("+819012345678") {
		t.Errorf("statuses = %v, count = %d", got, c.s.Count("+819012345678"))
	}
}

func TestConcurrencyLimit(t *testing.T) {
	c := newClient(t, twiliotest.WithFaults(twiliotest.Faults{MaxConcurrent: 2, Latency: 50 * time.Millisecond}))
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, _ := c.create("+819012345678", "x")
			mu.Lock()
			got[status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got[201] < 1 || got[201] > 2 || got[429] < 4 {
		t.Errorf("statuses = %v, want at most 2 created and the rest 429", got)
	}
}

func TestAcceptThenDropCreatesTheMessage(t *testing.T) {
	c := newClient(t, twiliotest.WithFaults(twiliotest.Faults{AcceptThenDrop: 1}))
	req, _ := http.NewRequest("POST", c.s.URL+c.messages(), strings.NewReader(url.Values{"To": {"+819012345678"}, "From": {"+15005550006"}, "Body": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.user, c.pass)
	if resp, err := c.s.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer %d, want a dropped connection", resp.StatusCode)
	}
	msgs := c.s.Messages()
	if len(msgs) != 1 || !msgs[0].Dropped || c.s.Count("+819012345678") != 1 {
		t.Fatalf("messages = %+v", msgs)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	now := time.Date(2025, 3, 11, 5, 46, 0, 0, time.UTC)
	clock := now
	var mu sync.Mutex
	c := newClient(t, twiliotest.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }))
	for i := range 7 {
		mu.Lock()
		clock = now.Add(time.Duration(i) * time.Minute)
		mu.Unlock()
		c.create("+819012345678", "body")
		c.create("+819099999999", "other")
	}
	q := url.Values{"To": {"+819012345678"}, "DateSent>": {now.Add(2 * time.Minute).Format(time.RFC3339)}, "PageSize": {"2"}}
	path := c.messages() + "?" + q.Encode()
	var seen []string
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		status, _, l := c.do("GET", path, nil)
		if status != 200 {
			t.Fatalf("list = %d %v", status, l)
		}
		for _, m := range l["messages"].([]any) {
			mm := m.(map[string]any)
			if mm["to"] != "+819012345678" {
				t.Errorf("To filter let %v through", mm["to"])
			}
			seen = append(seen, mm["date_sent"].(string))
		}
		path, _ = l["next_page_uri"].(string)
	}
	if len(seen) != 5 {
		t.Fatalf("saw %d messages, want the 5 sent at or after minute 2", len(seen))
	}
	if seen[0] != now.Add(6*time.Minute).Format(time.RFC1123Z) {
		t.Errorf("first = %s, want the newest", seen[0])
	}
}

func TestOutcomesAndHold(t *testing.T) {
	c := newClient(t, twiliotest.WithFaults(twiliotest.Faults{
		Hold:     true,
		Outcomes: []twiliotest.Outcome{{To: "0003", Status: "undelivered", ErrorCode: 30003}},
	}))
	_, _, m := c.create("+819000000003", "x")
	fetch := func() map[string]any {
		_, _, f := c.do("GET", "/2010-04-01/Accounts/"+c.s.AccountSID+"/Messages/"+m["sid"].(string)+".json", nil)
		return f
	}
	if f := fetch(); f["status"] != "queued" || f["date_sent"] != nil {
		t.Errorf("held message = %v", f)
	}
	if _, _, l := c.do("GET", c.messages()+"?DateSent%3E=2000-01-01", nil); len(l["messages"].([]any)) != 0 {
		t.Error("a held message passed a DateSent filter")
	}
	c.s.Release()
	if f := fetch(); f["status"] != "undelivered" || f["error_code"] != float64(30003) || f["error_message"] == nil {
		t.Errorf("released message = %v", f)
	}
}

func TestAcceptThenFailCreatesTheMessageAndAnswersAnError(t *testing.T) {
	c := newClient(t, twiliotest.WithFaults(twiliotest.Faults{AcceptThen500: 1}))
	status, _, m := c.create("+819012345678", "x")
	if status != 500 || m["code"] != float64(20500) {
		t.Errorf("accept-then-500 answer = %d %v, want 500 with code 20500", status, m)
	}
	c.s.SetFaults(twiliotest.Faults{AcceptThen504For: []string{"5678"}})
	req, _ := http.NewRequest("POST", c.s.URL+c.messages(), strings.NewReader(url.Values{"To": {"+819012345678"}, "From": {"+15005550006"}, "Body": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.user, c.pass)
	resp, err := c.s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 504 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<h1>504 Gateway Time-out</h1>") {
		t.Errorf("accept-then-504 answer = %d %q %q, want an HTML 504", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	msgs := c.s.Messages()
	if len(msgs) != 2 || msgs[0].Fault != "500" || msgs[1].Fault != "504" || c.s.Count("+819012345678") != 2 {
		t.Fatalf("messages = %+v, want both created", msgs)
	}
	if status, _, m := c.do("GET", c.messages()+"?To=%2B819012345678", nil); status != 200 || len(m["messages"].([]any)) != 2 {
		t.Errorf("list = %d %v, want both messages", status, m)
	}
}

func TestLateAcceptanceCreatesAfterTheDelayEvenWhenTheClientLeft(t *testing.T) {
	c := newClient(t, twiliotest.WithFaults(twiliotest.Faults{LateFor: []string{"5678"}, LateBy: 300 * time.Millisecond}))
	req, _ := http.NewRequest("POST", c.s.URL+c.messages(), strings.NewReader(url.Values{"To": {"+819012345678"}, "From": {"+15005550006"}, "Body": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.user, c.pass)
	hc := &http.Client{Timeout: 50 * time.Millisecond}
	start := time.Now()
	if resp, err := hc.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("answered %d before the client's timeout, want a timeout", resp.StatusCode)
	}
	if n := len(c.s.Messages()); n != 0 {
		t.Fatalf("%d messages right after the client's timeout, want none yet", n)
	}
	if status, _, m := c.do("GET", c.messages(), nil); status != 200 || len(m["messages"].([]any)) != 0 {
		t.Errorf("list before the late create = %d %v, want empty", status, m)
	}
	for len(c.s.Messages()) == 0 {
		if time.Since(start) > 5*time.Second {
			t.Fatal("the late create never happened")
		}
		time.Sleep(10 * time.Millisecond)
	}
	msgs := c.s.Messages()
	if took := time.Since(start); took < 300*time.Millisecond || msgs[0].Fault != "late" {
		t.Errorf("message %+v created after %v, want a late one after 300ms", msgs[0], took)
	}
	// Another number is not late.
	if status, _, _ := c.create("+819011112222", "x"); status != 201 {
		t.Errorf("other number: %d, want 201", status)
	}
}

func TestOutageAfterNMessagesUntilItEnds(t *testing.T) {
	c := newClient(t, twiliotest.WithFaults(twiliotest.Faults{OutageAfter: 3}))
	var got []int
	for range 5 {
		status, _, _ := c.create("+819012345678", "x")
		got = append(got, status)
	}
	if want := []int{201, 201, 201, 503, 503}; !slices.Equal(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	if status, _, m := c.do("GET", c.messages(), nil); status != 503 || m["code"] != float64(20503) {
		t.Errorf("list during the outage = %d %v, want 503 code 20503", status, m)
	}
	c.s.EndOutage()
	if status, _, _ := c.create("+819012345678", "x"); status != 201 {
		t.Errorf("after EndOutage: %d, want 201", status)
	}
	if n := c.s.Count("+819012345678"); n != 4 {
		t.Errorf("%d messages, want 4", n)
	}
}

func TestAccountFetchAndRequestKinds(t *testing.T) {
	c := newClient(t)
	account := "/2010-04-01/Accounts/" + c.s.AccountSID + ".json"
	status, _, a := c.do("GET", account, nil)
	if status != 200 || a["sid"] != c.s.AccountSID || a["status"] != "active" {
		t.Fatalf("account = %d %v", status, a)
	}
	c.s.SetAccountStatus("suspended")
	if _, _, a := c.do("GET", account, nil); a["status"] != "suspended" {
		t.Errorf("account status = %v, want suspended", a["status"])
	}
	if status, _, _ := c.do("GET", "/2010-04-01/Accounts/AC00000000000000000000000000000009.json", nil); status != 404 {
		t.Errorf("another account = %d, want 404", status)
	}
	_, _, m := c.create("+819012345678", "body")
	c.do("GET", "/2010-04-01/Accounts/"+c.s.AccountSID+"/Messages/"+m["sid"].(string)+".json", nil)
	c.do("GET", c.messages()+"?PageSize=1000", nil)
	bad := *c
	bad.pass = "wrong"
	if status, _, _ := bad.do("GET", account, nil); status != 401 {
		t.Errorf("account with a wrong token = %d, want 401", status)
	}
	for kind, want := range map[string]int{twiliotest.KindAccount: 2, twiliotest.KindCreate: 1, twiliotest.KindFetch: 1, twiliotest.KindList: 1} {
		if got := c.s.RequestsOf(kind); got != want {
			t.Errorf("RequestsOf(%s) = %d, want %d", kind, got, want)
		}
	}
	if c.s.Requests() != 7 {
		t.Errorf("Requests = %d, want 7 (the 404 and the 401 included)", c.s.Requests())
	}
}

func TestListByFromPagesOfAThousand(t *testing.T) {
	c := newClient(t)
	for i := range 1200 {
		c.create(fmt.Sprintf("+8190%08d", i), "body")
	}
	c.do("POST", c.messages(), url.Values{"To": {"+819012345678"}, "From": {"ClinicB"}, "Body": {"other"}})
	q := url.Values{"From": {"+15005550006"}, "DateSent>": {time.Now().UTC().Truncate(24 * time.Hour).Format(time.RFC3339)}, "PageSize": {"1000"}}
	path, n, pages := c.messages()+"?"+q.Encode(), 0, 0
	for ; path != ""; pages++ {
		status, _, l := c.do("GET", path, nil)
		if status != 200 {
			t.Fatalf("list = %d %v", status, l)
		}
		for _, m := range l["messages"].([]any) {
			if m.(map[string]any)["from"] != "+15005550006" {
				t.Fatalf("From filter let %v through", m)
			}
			n++
		}
		path, _ = l["next_page_uri"].(string)
	}
	if n != 1200 || pages != 2 {
		t.Errorf("%d messages in %d pages, want 1200 in 2", n, pages)
	}
}

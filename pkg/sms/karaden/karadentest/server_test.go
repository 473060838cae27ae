package karadentest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms/karaden/karadentest"
)

type answer struct {
	status int
	body   map[string]any
	raw    string
}

func newServer(t *testing.T, opts ...karadentest.Option) *karadentest.Server {
	s := karadentest.NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// call makes one request; header changes are applied after the good defaults.
func call(t *testing.T, s *karadentest.Server, method, path string, form url.Values, header map[string]string) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.BaseURL()+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.APIKey)
	req.Header.Set("Karaden-Version", karadentest.APIVersion)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(b)}
	json.Unmarshal(b, &a.body)
	return a
}

func tenant(s *karadentest.Server) string { return "/" + s.TenantID }

func send(to, body string, tags ...string) url.Values {
	return url.Values{"service_id": {"1"}, "to": {to}, "body": {body}, "tags[]": tags}
}

func TestRequestsAreCheckedAsKaradenDoes(t *testing.T) {
	s := newServer(t)
	good := send("09000000001", "本文", "t1")
	tests := []struct {
		name       string
		path       string
		form       url.Values
		header     map[string]string
		status     int
		code       string
		fields     []string
		wantStored bool
	}{
		{"a good create is stored", tenant(s) + "/messages", good, nil, 200, "", nil, true},
		{"no bearer token is unauthenticated", tenant(s) + "/messages", good, map[string]string{"Authorization": ""}, 401, "unauthentication", nil, false},
		{"a wrong token is unauthenticated", tenant(s) + "/messages", good, map[string]string{"Authorization": "Bearer nope"}, 401, "unauthentication", nil, false},
		{"basic auth is unauthenticated", tenant(s) + "/messages", good, map[string]string{"Authorization": "Basic " + s.APIKey}, 401, "unauthentication", nil, false},
		{"a wrong version is refused", tenant(s) + "/messages", good, map[string]string{"Karaden-Version": "2023-01-01"}, 400, "invalid_version", nil, false},
		{"a missing version is refused (stricter than Karaden)", tenant(s) + "/messages", good, map[string]string{"Karaden-Version": ""}, 400, "invalid_version", nil, false},
		{"another tenant is refused", "/00000000-0000-4000-8000-000000000bad/messages", good, nil, 400, "invalid_tenant", nil, false},
		{"an E.164 number is refused", tenant(s) + "/messages", send("+819000000001", "本文"), nil, 422, "validation_error", []string{"to"}, false},
		{"ten digits are refused", tenant(s) + "/messages", send("0900000000", "本文"), nil, 422, "validation_error", []string{"to"}, false},
		{"an empty body is refused", tenant(s) + "/messages", send("09000000001", ""), nil, 422, "validation_error", []string{"body"}, false},
		{"661 characters are refused", tenant(s) + "/messages", send("09000000001", strings.Repeat("あ", 661)), nil, 422, "validation_error", []string{"body"}, false},
		{"660 characters are stored", tenant(s) + "/messages", send("09000000002", strings.Repeat("あ", 660)), nil, 200, "", nil, true},
		{"another service is refused", tenant(s) + "/messages", url.Values{"service_id": {"2"}, "to": {"09000000001"}, "body": {"x"}}, nil, 422, "validation_error", []string{"service_id"}, false},
		{"no service is refused", tenant(s) + "/messages", url.Values{"to": {"09000000001"}, "body": {"x"}}, nil, 422, "validation_error", []string{"service_id"}, false},
		{"a tag of 65 characters is refused", tenant(s) + "/messages", send("09000000001", "x", strings.Repeat("t", 65)), nil, 422, "validation_error", []string{"tags.0"}, false},
		{"eleven tags are refused", tenant(s) + "/messages", send("09000000001", "x", strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")...), nil, 422, "validation_error", []string{"tags"}, false},
		{"every bad field is named at once", tenant(s) + "/messages", url.Values{"to": {"1"}}, nil, 422, "validation_error", []string{"body", "service_id", "to"}, false},
		{"an unknown path is not found", "/messages", nil, nil, 404, "model_not_found", nil, false},
		{"an unknown message is not found", tenant(s) + "/messages/00000000-0000-4000-8000-000000000000", nil, nil, 404, "model_not_found", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.Messages())
			method := http.MethodPost
			if tt.form == nil {
				method = http.MethodGet
			}
			a := call(t, s, method, tt.path, tt.form, tt.header)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if tt.code != "" {
				if a.body["object"] != "error" || a.body["code"] != tt.code || a.body["message"] == "" {
					t.Errorf("answer %s, want an error object with code %s", a.raw, tt.code)
				}
				errs, _ := a.body["errors"].(map[string]any)
				var fields []string
				for _, f := range tt.fields {
					if _, ok := errs[f]; !ok {
						t.Errorf("errors %v lack %s", errs, f)
					}
					fields = append(fields, f)
				}
				if len(errs) != len(fields) {
					t.Errorf("errors %v, want only %v", errs, fields)
				}
			}
			if stored := len(s.Messages()) > before; stored != tt.wantStored {
				t.Errorf("stored = %v, want %v", stored, tt.wantStored)
			}
		})
	}
}

func TestMessagesMoveFromWaitingToDone(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newServer(t, karadentest.WithClock(clock),
		karadentest.WithTiming(karadentest.Timing{Waiting: time.Minute, Processing: time.Minute}),
		karadentest.WithOutcomes(karadentest.Outcome{To: "+819000000002", SentResult: "unconnected", Carrier: "au"}))
	a := call(t, s, http.MethodPost, tenant(s)+"/messages", send("09000000002", "本文"), nil)
	id, _ := a.body["id"].(string)
	if a.status != 200 || a.body["status"] != "waiting" || a.body["carrier"] != "checking" || a.body["created_at"] != "2026-11-21T18:00:00+09:00" {
		t.Fatalf("create answered %s", a.raw)
	}
	for _, step := range []struct {
		status, result, sent, carrier string
		charged                       float64
	}{
		{"done", "processing", "none", "au", 1},
		{"done", "done", "unconnected", "au", 1},
	} {
		mu.Lock()
		now = now.Add(time.Minute)
		mu.Unlock()
		got := call(t, s, http.MethodGet, tenant(s)+"/messages/"+id, nil, nil).body
		if got["status"] != step.status || got["result"] != step.result || got["sent_result"] != step.sent ||
			got["carrier"] != step.carrier || got["charged_count_per_sent"] != step.charged {
			t.Errorf("at %v: %v, want %+v", now, got, step)
		}
	}
}

func TestListFiltersAndPages(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Second); return now }
	s := newServer(t, karadentest.WithClock(clock))
	for i := range 250 {
		to := fmt.Sprintf("0900000%04d", i%5)
		call(t, s, http.MethodPost, tenant(s)+"/messages", send(to, "本文", "campaign", fmt.Sprintf("d%d", i)), nil)
	}
	list := func(q string) answer { return call(t, s, http.MethodGet, tenant(s)+"/messages?"+q, nil, nil) }
	count := func(a answer) int { d, _ := a.body["data"].([]any); return len(d) }

	if a := list(""); count(a) != 20 || a.body["has_more"] != true || a.body["object"] != "list" {
		t.Errorf("default page: %d, has_more %v", count(a), a.body["has_more"])
	}
	if a := list("per_page=100&page=3"); count(a) != 50 || a.body["has_more"] != false {
		t.Errorf("third page of 100: %d, has_more %v", count(a), a.body["has_more"])
	}
	if a := list("per_page=101"); a.status != 422 {
		t.Errorf("per_page=101: %d", a.status)
	}
	if a := list("tag=d7"); count(a) != 1 {
		t.Errorf("tag=d7: %d", count(a))
	}
	if a := list("to=09000000001&per_page=100"); count(a) != 50 {
		t.Errorf("to: %d", count(a))
	}
	if a := list("to=09000000001&tag=d6"); count(a) != 1 {
		t.Errorf("to and tag: %d", count(a))
	}
	// Messages were created one second apart from 18:00:01 JST.
	if a := list("per_page=100&start_at=" + url.QueryEscape("2026-11-21T18:03:21+09:00")); count(a) != 50 {
		t.Errorf("start_at: %d, want the 50 newest", count(a))
	}
	if a := list("per_page=100&start_at=" + url.QueryEscape("2026-11-21T18:00:10+09:00") + "&end_at=" + url.QueryEscape("2026-11-21T18:00:19+09:00")); count(a) != 10 {
		t.Errorf("start_at and end_at: %d", count(a))
	}
	if a := list("start_at=yesterday"); a.status != 422 {
		t.Errorf("a bad start_at: %d", a.status)
	}
	first := list("per_page=1").body["data"].([]any)[0].(map[string]any)
	if first["tags"].([]any)[1] != "d249" {
		t.Errorf("newest first: %v", first)
	}
	if a := list("status=done&sent_result=received&per_page=100&page=3"); count(a) != 50 { // the clock moves a second a call: all done
		t.Errorf("status filter: %d", count(a))
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("an outage after N messages answers HTML 503 to everything", func(t *testing.T) {
		s := newServer(t, karadentest.WithFaults(karadentest.Faults{OutageAfter: 2}))
		for i := range 3 {
			call(t, s, http.MethodPost, tenant(s)+"/messages", send(fmt.Sprintf("0900000000%d", i), "x"), nil)
		}
		a := call(t, s, http.MethodGet, tenant(s)+"/messages", nil, nil)
		if len(s.Messages()) != 2 || a.status != 503 || !strings.Contains(a.raw, "<html>") {
			t.Errorf("%d messages; list answered %d %s", len(s.Messages()), a.status, a.raw)
		}
	})
	t.Run("accept-then-drop stores the message and closes the connection", func(t *testing.T) {
		s := newServer(t, karadentest.WithFaults(karadentest.Faults{For: []karadentest.NumberFault{{To: "0001", Fault: karadentest.FaultAcceptThenDrop}}}))
		req, _ := http.NewRequest(http.MethodPost, s.BaseURL()+tenant(s)+"/messages", strings.NewReader(send("09000000001", "x").Encode()))
		req.Header.Set("Authorization", "Bearer "+s.APIKey)
		req.Header.Set("Karaden-Version", karadentest.APIVersion)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if _, err := http.DefaultClient.Do(req); err == nil {
			t.Error("the create was answered")
		}
		if m := s.Messages(); len(m) != 1 || m[0].Answer != 0 || s.Count("+819000000001") != 1 {
			t.Errorf("messages %+v", m)
		}
	})
	t.Run("accept-then-500 and accept-then-HTML-504 store the message", func(t *testing.T) {
		s := newServer(t, karadentest.WithFaults(karadentest.Faults{For: []karadentest.NumberFault{
			{To: "0001", Fault: karadentest.FaultAcceptThen500}, {To: "0002", Fault: karadentest.FaultAcceptThenHTML504}}}))
		a1 := call(t, s, http.MethodPost, tenant(s)+"/messages", send("09000000001", "x"), nil)
		a2 := call(t, s, http.MethodPost, tenant(s)+"/messages", send("09000000002", "x"), nil)
		if a1.status != 500 || a1.body["code"] != "unknown" || a2.status != 504 || !strings.Contains(a2.raw, "<html>") || len(s.Messages()) != 2 {
			t.Errorf("%d %s / %d %s / %d messages", a1.status, a1.raw, a2.status, a2.raw, len(s.Messages()))
		}
	})
	t.Run("a late acceptance stores the message after the client left", func(t *testing.T) {
		s := newServer(t, karadentest.WithFaults(karadentest.Faults{LateAccept: 100 * time.Millisecond}))
		cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(cctx, http.MethodPost, s.BaseURL()+tenant(s)+"/messages", strings.NewReader(send("09000000001", "x").Encode()))
		req.Header.Set("Authorization", "Bearer "+s.APIKey)
		req.Header.Set("Karaden-Version", karadentest.APIVersion)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if _, err := http.DefaultClient.Do(req); err == nil {
			t.Fatal("the client did not time out")
		}
		if len(s.Messages()) != 0 {
			t.Fatal("stored before the delay")
		}
		time.Sleep(50 * time.Millisecond)
		s.WaitLate()
		if m := s.Messages(); len(m) != 1 || !m[0].Late {
			t.Errorf("messages %+v", m)
		}
	})
	t.Run("429 carries Retry-After", func(t *testing.T) {
		s := newServer(t, karadentest.WithFaults(karadentest.Faults{TooManyRequests: 1, RetryAfter: 1500 * time.Millisecond}))
		req, _ := http.NewRequest(http.MethodPost, s.BaseURL()+tenant(s)+"/messages", strings.NewReader(send("09000000001", "x").Encode()))
		req.Header.Set("Authorization", "Bearer "+s.APIKey)
		req.Header.Set("Karaden-Version", karadentest.APIVersion)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || len(s.Messages()) != 0 {
			t.Errorf("%d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
	t.Run("faults hit creates only unless FaultReads", func(t *testing.T) {
		s := newServer(t, karadentest.WithFaults(karadentest.Faults{ServerErrors: 1}))
		if a := call(t, s, http.MethodGet, tenant(s)+"/messages", nil, nil); a.status != 200 {
			t.Errorf("list: %d", a.status)
		}
		s.UpdateFaults(func(f *karadentest.Faults) { f.FaultReads = true })
		if a := call(t, s, http.MethodGet, tenant(s)+"/messages", nil, nil); a.status != 500 {
			t.Errorf("list with FaultReads: %d", a.status)
		}
	})
}

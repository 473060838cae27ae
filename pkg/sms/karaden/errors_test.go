package karaden_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/karaden"
	"github.com/smscast/smscast/pkg/sms/karaden/karadentest"
)

type class struct{ permanent, ambiguous, fatal bool }

func classOf(e *sms.Error) class { return class{e.Permanent, e.Ambiguous, e.Fatal} }

var (
	transient = class{}
	permanent = class{permanent: true}
	ambiguous = class{ambiguous: true}
	fatal     = class{fatal: true}
)

func TestErrorClassesFromTheFake(t *testing.T) {
	tests := []struct {
		name       string
		faults     karadentest.Faults
		change     func(*karaden.Config)
		wantCode   string
		want       class
		words      []string // in the reason
		retryAfter time.Duration
	}{
		{name: "a wrong key stops the run and names KARADEN_API_KEY", change: func(c *karaden.Config) { c.APIKey = "wrong" },
			wantCode: "unauthentication", want: fatal, words: []string{"KARADEN_API_KEY", "認証に失敗しました"}},
		{name: "a wrong tenant stops the run and names karaden.tenant_id", change: func(c *karaden.Config) { c.TenantID = "00000000-0000-4000-8000-000000000bad" },
			wantCode: "invalid_tenant", want: fatal, words: []string{"karaden.tenant_id", "不正なテナントID"}},
		{name: "a refused API version stops the run", faults: karadentest.Faults{Reject: []karadentest.Rule{{Status: 400, Code: "invalid_version"}}},
			wantCode: "invalid_version", want: fatal, words: []string{"2024-03-01", "不正なバージョン"}},
		{name: "a wrong service stops the run and names karaden.service_id", change: func(c *karaden.Config) { c.ServiceID = 2 },
			wantCode: "validation_error:service_id", want: fatal, words: []string{"karaden.service_id", "サービス設定ID"}},
		{name: "a refused number is permanent for that patient", faults: karadentest.Faults{Reject: []karadentest.Rule{{Field: "to"}}},
			wantCode: "validation_error:to", want: permanent, words: []string{"number", "バリデーションエラー", "to: エラー詳細"}},
		{name: "a refused text is permanent for that patient", faults: karadentest.Faults{Reject: []karadentest.Rule{{Field: "body"}}},
			wantCode: "validation_error:body", want: permanent, words: []string{"text", "body: エラー詳細"}},
		{name: "refused tags stop the run: every message carries them", faults: karadentest.Faults{Reject: []karadentest.Rule{{Field: "tags.1"}}},
			wantCode: "validation_error:tags", want: fatal, words: []string{"bug"}},
		{name: "a refused field other than to and body stops the run", faults: karadentest.Faults{Reject: []karadentest.Rule{{Field: "scheduled_at"}}},
			wantCode: "validation_error", want: fatal, words: []string{"scheduled_at"}},
		{name: "a refusal of the service and the number stops the run", faults: karadentest.Faults{Reject: []karadentest.Rule{{Field: "to"}}},
			change: func(c *karaden.Config) { c.ServiceID = 3 }, wantCode: "validation_error:service_id", want: fatal},
		{name: "a validation error naming no field is permanent", faults: karadentest.Faults{Reject: []karadentest.Rule{{Message: "送信できません"}}},
			wantCode: "validation_error", want: permanent, words: []string{"送信できません"}},
		{name: "model_not_found to a create stops the run", faults: karadentest.Faults{Reject: []karadentest.Rule{{Status: 404, Code: "model_not_found"}}},
			wantCode: "model_not_found", want: fatal, words: []string{"karaden.tenant_id", "karaden.service_id"}},
		{name: "can_not_cancel_message is permanent", faults: karadentest.Faults{Reject: []karadentest.Rule{{Status: 400, Code: "can_not_cancel_message", Message: "キャンセルができません"}}},
			wantCode: "can_not_cancel_message", want: permanent},
		{name: "an unknown 500 to a create is ambiguous", faults: karadentest.Faults{ServerErrors: 1},
			wantCode: "unknown", want: ambiguous, words: []string{"may have been accepted", "不明なエラー"}},
		{name: "an HTML 503 to a create is a refusal, retried", faults: karadentest.Faults{HTMLUnavailable: 1},
			wantCode: "503", want: transient, words: []string{"503 Service Unavailable"}},
		{name: "accept-then-500 is ambiguous", faults: karadentest.Faults{AcceptThen500: 1}, wantCode: "unknown", want: ambiguous},
		{name: "accept-then-HTML-504 is ambiguous", faults: karadentest.Faults{AcceptThenHTML: 1}, wantCode: "504", want: ambiguous},
		{name: "accept-then-drop is ambiguous", faults: karadentest.Faults{AcceptThenDrop: 1}, wantCode: "network", want: ambiguous},
		{name: "429 with Retry-After is transient and keeps the wait", faults: karadentest.Faults{TooManyRequests: 1, RetryAfter: 3 * time.Second},
			wantCode: "too_many_requests", want: transient, retryAfter: 3 * time.Second, words: []string{"slow down"}},
		{name: "429 without Retry-After is transient", faults: karadentest.Faults{TooManyRequests: 1}, wantCode: "too_many_requests", want: transient},
		{name: "a timeout after the request was written is ambiguous", faults: karadentest.Faults{Latency: time.Second},
			change: func(c *karaden.Config) { c.Timeout = 50 * time.Millisecond }, wantCode: "network", want: ambiguous},
		{name: "an unknown 4xx is permanent with Karaden's words", faults: karadentest.Faults{Reject: []karadentest.Rule{{Status: 400, Code: "odd_code", Message: "妙なエラー"}}},
			wantCode: "odd_code", want: permanent, words: []string{"妙なエラー"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t, karadentest.WithFaults(tt.faults))
			cfg := config(s)
			if tt.change != nil {
				tt.change(&cfg)
			}
			_, err := newProvider(t, cfg).Send(context.Background(), sms.Message{To: "+819000000001", Body: body})
			e := sms.Classify(err)
			if e == nil {
				t.Fatal("Send succeeded")
			}
			if classOf(e) != tt.want || e.Code != tt.wantCode || e.RetryAfter != tt.retryAfter {
				t.Errorf("error %v: code %q class %+v retry %v; want %q %+v %v", e, e.Code, classOf(e), e.RetryAfter, tt.wantCode, tt.want, tt.retryAfter)
			}
			for _, w := range tt.words {
				if !strings.Contains(e.Reason, w) {
					t.Errorf("reason %q lacks %q", e.Reason, w)
				}
			}
		})
	}
}

// TestErrorAnswersOutsideTheSpec covers what a proxy or gateway in front of Karaden may answer.
func TestErrorAnswersOutsideTheSpec(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		header   map[string]string
		body     string
		wantCode string
		send     class // to a create
		read     class // to a fetch
	}{
		{"403 stops the run", 403, nil, `{"object":"error","code":"forbidden","message":"禁止されています"}`, "forbidden", fatal, fatal},
		{"403 as an HTML page stops the run", 403, nil, "<html>Forbidden</html>", "403", fatal, fatal},
		{"401 as an HTML page stops the run", 401, nil, "<html>Unauthorized</html>", "401", fatal, fatal},
		{"502 without a body is ambiguous to a create, transient to a read", 502, nil, "", "502", ambiguous, transient},
		{"503 with HTML and Retry-After is a refusal, retried", 503, map[string]string{"Retry-After": "5"}, "<html>busy</html>", "503", transient, transient},
		{"504 with HTML is ambiguous to a create", 504, nil, "<html>timeout</html>", "504", ambiguous, transient},
		{"a redirect stops the run", 302, map[string]string{"Location": "https://login.example.org/"}, "", "302", fatal, fatal},
		{"an HTML 404 stops the run: the base URL is wrong", 404, nil, "<html>Not Found</html>", "404", fatal, fatal},
		{"a 200 without an id is ambiguous to a create", 200, nil, `{"object":"message"}`, "bad-answer", ambiguous, transient},
		{"a 200 HTML page is ambiguous to a create", 200, nil, "<html>captive portal</html>", "bad-answer", ambiguous, transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := recorder(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			p := newProvider(t, rawConfig(s))
			_, err := p.Send(context.Background(), sms.Message{To: "+819000000001", Body: body})
			e := sms.Classify(err)
			if e == nil || classOf(e) != tt.send || e.Code != tt.wantCode {
				t.Errorf("Send: %v (%+v), want code %q %+v", err, e, tt.wantCode, tt.send)
			}
			if tt.header["Retry-After"] != "" && e.RetryAfter != 5*time.Second {
				t.Errorf("RetryAfter = %v", e.RetryAfter)
			}
			_, err = p.Status(context.Background(), "82bdf9de-a532-4bf5-86bc-c9a1366e5f4a")
			if e := sms.Classify(err); e == nil || classOf(e) != tt.read {
				t.Errorf("Status: %v (%+v), want %+v", err, e, tt.read)
			}
		})
	}
}

func TestRetryAfterAsADate(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	s, _ := recorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", now.Add(7*time.Second).Format(http.TimeFormat))
		w.WriteHeader(429)
	})
	cfg := rawConfig(s)
	cfg.Now = func() time.Time { return now }
	_, err := newProvider(t, cfg).Send(context.Background(), sms.Message{To: "+819000000001", Body: body})
	if e := sms.Classify(err); e == nil || classOf(e) != transient || e.RetryAfter != 7*time.Second {
		t.Errorf("error %v (%+v), want transient with 7s", err, e)
	}
}

func TestNetworkErrors(t *testing.T) {
	ctx := context.Background()
	m := sms.Message{To: "+819000000001", Body: body}

	t.Run("a refused connection is transient: nothing was written", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		p := newProvider(t, karaden.Config{TenantID: karadentest.DefaultTenantID, ServiceID: 1, APIKey: "k", BaseURL: "http://" + addr + "/api"})
		_, err = p.Send(ctx, m)
		if e := sms.Classify(err); e == nil || classOf(e) != transient || e.Code != "network" {
			t.Errorf("Send = %v (%+v), want transient", err, e)
		}
	})
	t.Run("a reset after the request was written is ambiguous to a create, transient to a read", func(t *testing.T) {
		s, _ := recorder(t, func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		})
		p := newProvider(t, rawConfig(s))
		_, err := p.Send(ctx, m)
		if e := sms.Classify(err); e == nil || classOf(e) != ambiguous {
			t.Errorf("Send = %v (%+v), want ambiguous", err, e)
		}
		_, _, err = p.Find(ctx, sms.Message{To: m.To, Body: body, Ref: "1"}, time.Now())
		if e := sms.Classify(err); e == nil || classOf(e) != transient {
			t.Errorf("Find = %v (%+v), want transient", err, e)
		}
	})
	t.Run("an answer cut off in its body is ambiguous to a create", func(t *testing.T) {
		s, _ := recorder(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "500")
			w.WriteHeader(200)
			io.WriteString(w, `{"id":"82bdf9de-a532-4bf5`)
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		})
		_, err := newProvider(t, rawConfig(s)).Send(ctx, m)
		if e := sms.Classify(err); e == nil || classOf(e) != ambiguous || !strings.Contains(e.Reason, "cut off") {
			t.Errorf("Send = %v (%+v), want ambiguous", err, e)
		}
	})
	t.Run("a run stopped before the request is transient and sends nothing", func(t *testing.T) {
		s := newFake(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := newProvider(t, config(s)).Send(cctx, m)
		if e := sms.Classify(err); e == nil || classOf(e) != transient || s.Requests() != 0 {
			t.Errorf("Send = %v (%+v) with %d requests, want transient and none", err, e, s.Requests())
		}
	})
	t.Run("a timeout of a read is transient", func(t *testing.T) {
		s := newFake(t, karadentest.WithFaults(karadentest.Faults{Latency: time.Second}))
		cfg := config(s)
		cfg.Timeout = 50 * time.Millisecond
		_, err := newProvider(t, cfg).Status(ctx, "82bdf9de-a532-4bf5-86bc-c9a1366e5f4a")
		if e := sms.Classify(err); e == nil || classOf(e) != transient {
			t.Errorf("Status = %v (%+v), want transient", err, e)
		}
	})
}

func TestReadsAreNeverAmbiguous(t *testing.T) {
	s := newFake(t, karadentest.WithFaults(karadentest.Faults{ServerErrors: 1, FaultReads: true}))
	p := newProvider(t, config(s))
	ctx := context.Background()
	_, _, err := p.Find(ctx, sms.Message{To: "+819000000001", Body: body, Ref: "1"}, time.Now())
	if e := sms.Classify(err); e == nil || classOf(e) != transient || strings.Contains(e.Reason, "accepted") {
		t.Errorf("Find = %v, want transient", err)
	}
	_, err = p.StatusBatch(ctx, []string{"82bdf9de-a532-4bf5-86bc-c9a1366e5f4a"}, time.Now())
	if e := sms.Classify(err); e == nil || classOf(e) != transient {
		t.Errorf("StatusBatch = %v, want transient", err)
	}
}

func TestEveryErrorClassHasAReasonAndAWhy(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range karaden.ErrorClasses() {
		if seen[c.Code] {
			t.Errorf("code %s twice", c.Code)
		}
		seen[c.Code] = true
		if c.Reason == "" || c.Why == "" || c.Kind == "" || c.ReadKind == "" || c.ReadKind == karaden.Ambiguous {
			t.Errorf("class %+v: a reason, a why and kinds are required; a read is never ambiguous", c)
		}
		if c.Kind == karaden.Fatal && !strings.Contains(c.Reason, ":") {
			t.Errorf("fatal class %s does not say what to fix", c.Code)
		}
	}
	// Every error code of the spec (components.schemas.Error.code and the examples) has a row.
	for _, code := range []string{"unauthentication", "invalid_tenant", "invalid_version", "model_not_found", "validation_error", "can_not_cancel_message", "unknown"} {
		if !seen[code] {
			t.Errorf("the spec's code %s has no class", code)
		}
	}
}

func TestMapStatusCoversEveryCombinationOfTheSpec(t *testing.T) {
	type want struct {
		st   sms.Status
		code string
	}
	expect := func(status, result, sent string) want {
		switch status {
		case "waiting":
			return want{sms.StatusQueued, ""}
		case "error", "canceled", "processing_error":
			return want{sms.StatusFailed, "status=" + status}
		}
		switch sent {
		case "received":
			return want{sms.StatusDelivered, ""}
		case "unconnected":
			return want{sms.StatusUndelivered, "sent_result=unconnected"}
		case "error", "unknown":
			return want{sms.StatusFailed, "sent_result=" + sent}
		}
		return want{sms.StatusSent, ""}
	}
	for _, status := range []string{"done", "waiting", "error", "canceled", "processing_error"} {
		for _, result := range []string{"done", "processing"} {
			for _, sent := range []string{"none", "received", "unconnected", "error", "unknown"} {
				st, code, reason := karaden.MapStatus(status, result, sent)
				w := expect(status, result, sent)
				if st != w.st || code != w.code || (st.Final() && st != sms.StatusDelivered && reason == "") {
					t.Errorf("status=%s result=%s sent_result=%s: %s %q %q; want %s %q with a reason", status, result, sent, st, code, reason, w.st, w.code)
				}
			}
		}
	}
	if st, _, _ := karaden.MapStatus("something_new", "done", "none"); st != sms.StatusSending {
		t.Errorf("an unknown status maps to %s, want sending (asked again)", st)
	}
	if _, _, reason := karaden.MapStatus("done", "done", "unconnected"); !strings.Contains(reason, "圏外・電源オフの可能性") {
		t.Errorf("unconnected reason = %q", reason)
	}
}

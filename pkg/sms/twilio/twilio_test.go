package twilio_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/smstest"
	"github.com/smscast/smscast/pkg/sms/twilio"
	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

const from = "+15005550006"

func newFake(t testing.TB, opts ...twiliotest.Option) *twiliotest.Server {
	s := twiliotest.NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

func config(s *twiliotest.Server) twilio.Config {
	return twilio.Config{AccountSID: s.AccountSID, AuthToken: s.AuthToken, From: from, BaseURL: s.URL}
}

func newProvider(t testing.TB, cfg twilio.Config) *twilio.Provider {
	t.Helper()
	p, err := twilio.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformance(t *testing.T) {
	var cur *twiliotest.Server
	smstest.Run(t, smstest.Harness{
		New: func(t *testing.T, n smstest.Numbers) sms.Sender {
			cur = newFake(t, twiliotest.WithFaults(twiliotest.Faults{
				Invalid: []string{n.Permanent},
				// A refusal: a 5xx to a create is ambiguous (the message may exist), a 429 is not.
				Reject:   []twiliotest.Rule{{To: n.Transient, Status: 429, Code: 20429, Message: "Too Many Requests"}},
				DropFor:  []string{n.Ambiguous},
				Outcomes: []twiliotest.Outcome{{To: n.Undelivered, Status: "undelivered", ErrorCode: 30003}},
			}))
			return newProvider(t, config(cur))
		},
		Accepted: func(t *testing.T, to string) int { return cur.Count(to) },
	})
}

func TestNewValidatesConfig(t *testing.T) {
	ok := twilio.Config{AccountSID: twiliotest.DefaultAccountSID, AuthToken: twiliotest.DefaultAuthToken, From: from}
	tests := []struct {
		name    string
		change  func(*twilio.Config)
		wantErr string // "" for success
	}{
		{"a complete config is accepted", func(*twilio.Config) {}, ""},
		{"a missing account SID names TWILIO_ACCOUNT_SID", func(c *twilio.Config) { c.AccountSID = "" }, "TWILIO_ACCOUNT_SID"},
		{"a malformed account SID names TWILIO_ACCOUNT_SID", func(c *twilio.Config) { c.AccountSID = "AC123" }, "TWILIO_ACCOUNT_SID"},
		{"missing credentials name TWILIO_AUTH_TOKEN", func(c *twilio.Config) { c.AuthToken = "" }, "TWILIO_AUTH_TOKEN"},
		{"an API key without its secret names TWILIO_API_SECRET", func(c *twilio.Config) { c.APIKey = "SK00000000000000000000000000000001" }, "TWILIO_API_SECRET"},
		{"an API key with its secret is accepted", func(c *twilio.Config) {
			c.AuthToken, c.APIKey, c.APISecret = "", "SK00000000000000000000000000000001", "secret1"
		}, ""},
		{"a token with a stray quote is refused", func(c *twilio.Config) { c.AuthToken = `abc"` }, "TWILIO_AUTH_TOKEN"},
		{"no sender names twilio.from", func(c *twilio.Config) { c.From = "" }, "twilio.from"},
		{"a messaging service alone is a sender", func(c *twilio.Config) {
			c.From, c.MessagingServiceSID = "", "MG00000000000000000000000000000001"
		}, ""},
		{"a malformed messaging service is refused", func(c *twilio.Config) { c.MessagingServiceSID = "MG1" }, "twilio.messaging_service_sid"},
		{"an alphanumeric sender ID is accepted", func(c *twilio.Config) { c.From = "Clinic 1" }, ""},
		{"a sender ID of twelve characters is refused", func(c *twilio.Config) { c.From = "ClinicTokyo1" }, "twilio.from"},
		{"a sender ID without letters is refused", func(c *twilio.Config) { c.From = "1234 5678" }, "twilio.from"},
		{"a sender ID with punctuation is refused", func(c *twilio.Config) { c.From = "クリニック" }, "twilio.from"},
		{"a national number as sender is refused", func(c *twilio.Config) { c.From = "09012345678" }, "twilio.from"},
		{"a status callback must be a URL", func(c *twilio.Config) { c.StatusCallback = "not a url" }, "twilio.status_callback"},
		{"a validity period over ten hours is refused", func(c *twilio.Config) { c.ValidityPeriod = 40000 }, "twilio.validity_period"},
		{"an https base URL is accepted", func(c *twilio.Config) { c.BaseURL = "https://twilio-proxy.example.org/twilio" }, ""},
		{"an http base URL on 127.0.0.1 is accepted", func(c *twilio.Config) { c.BaseURL = "http://127.0.0.1:8080" }, ""},
		{"an http base URL on ::1 is accepted", func(c *twilio.Config) { c.BaseURL = "http://[::1]:8080" }, ""},
		{"an http base URL on localhost is accepted", func(c *twilio.Config) { c.BaseURL = "http://localhost:8080" }, ""},
		{"an http base URL elsewhere is refused", func(c *twilio.Config) { c.BaseURL = "http://twilio-proxy.example.org" }, "loopback"},
		{"an http base URL on a LAN address is refused", func(c *twilio.Config) { c.BaseURL = "http://192.168.1.10:8080" }, "loopback"},
		{"a base URL with credentials is refused", func(c *twilio.Config) { c.BaseURL = "https://u:p@example.org" }, "twilio.base_url"},
		{"a base URL without a scheme is refused", func(c *twilio.Config) { c.BaseURL = "api.twilio.com" }, "twilio.base_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.change(&cfg)
			_, err := twilio.New(cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want one naming %s", err, tt.wantErr)
			}
		})
	}
}

func TestErrorClassesFromTheFake(t *testing.T) {
	type class struct{ permanent, optedOut, fatal, ambiguous bool }
	tests := []struct {
		name       string
		faults     twiliotest.Faults
		token      string
		wantCode   string
		want       class
		retryAfter time.Duration
		reason     string
	}{
		{name: "an invalid number is permanent", faults: twiliotest.Faults{Invalid: []string{"*"}}, wantCode: "21211", want: class{permanent: true}},
		{name: "a landline is permanent", faults: twiliotest.Faults{Landline: []string{"*"}}, wantCode: "21614", want: class{permanent: true}, reason: "landline"},
		{name: "an opted-out number is permanent and remembered", faults: twiliotest.Faults{OptedOut: []string{"*"}}, wantCode: "21610", want: class{permanent: true, optedOut: true}},
		{name: "a region not enabled is permanent", faults: twiliotest.Faults{Reject: []twiliotest.Rule{{Code: 21408}}}, wantCode: "21408", want: class{permanent: true}, reason: "Geo permissions"},
		{name: "a sender that cannot send stops the run", faults: twiliotest.Faults{Reject: []twiliotest.Rule{{From: from, Code: 21606}}}, wantCode: "21606", want: class{fatal: true}, reason: "alphanumeric"},
		{name: "a missing sender stops the run", faults: twiliotest.Faults{Reject: []twiliotest.Rule{{Code: 21603}}}, wantCode: "21603", want: class{fatal: true}},
		{name: "an invalid sender stops the run", faults: twiliotest.Faults{Reject: []twiliotest.Rule{{Code: 21212}}}, wantCode: "21212", want: class{fatal: true}},
		{name: "an unknown 400 is permanent with Twilio's words", faults: twiliotest.Faults{Reject: []twiliotest.Rule{{Code: 21999, Message: "Something odd"}}}, wantCode: "21999", want: class{permanent: true}, reason: "Something odd"},
		{name: "wrong credentials are fatal with a hint", token: "wrongtoken", wantCode: "20003", want: class{fatal: true}, reason: "TWILIO_AUTH_TOKEN"},
		{name: "a suspended account is fatal", faults: twiliotest.Faults{Reject: []twiliotest.Rule{{Status: 401, Code: 20005}}}, wantCode: "20005", want: class{fatal: true}, reason: "console"},
		{name: "429 with Retry-After is transient and keeps the delay", faults: twiliotest.Faults{TooManyRequests: 1, RetryAfter: 3 * time.Second}, wantCode: "20429", retryAfter: 3 * time.Second},
		{name: "429 without Retry-After is transient", faults: twiliotest.Faults{TooManyRequests: 1}, wantCode: "20429"},
		{name: "500 to a create is ambiguous: Twilio may have stored the message", faults: twiliotest.Faults{ServerErrors: 1}, wantCode: "20500", want: class{ambiguous: true}, reason: "may have been created"},
		{name: "503 to a create is ambiguous", faults: twiliotest.Faults{ServerErrors: 1, ServerStatus: 503}, wantCode: "20500", want: class{ambiguous: true}},
		{name: "20503 to a create is a refusal: retried", faults: twiliotest.Faults{Reject: []twiliotest.Rule{{Status: 503, Code: 20503, Message: "Service Unavailable"}}}, wantCode: "20503", want: class{}},
		{name: "20500 to a create is ambiguous", faults: twiliotest.Faults{Reject: []twiliotest.Rule{{Status: 500, Code: 20500, Message: "Internal Server Error"}}}, wantCode: "20500", want: class{ambiguous: true}},
		{name: "a server failing everything is ambiguous on a create", faults: twiliotest.Faults{FailAll: true}, wantCode: "20500", want: class{ambiguous: true}},
		{name: "accept-then-500 is ambiguous", faults: twiliotest.Faults{AcceptThen500: 1}, wantCode: "20500", want: class{ambiguous: true}},
		{name: "accept-then-HTML-504 from a gateway is ambiguous", faults: twiliotest.Faults{AcceptThen504: 1}, wantCode: "504", want: class{ambiguous: true}, reason: "504 Gateway Timeout: the message may have been accepted"},
		{name: "429 stays transient: a refusal creates nothing", faults: twiliotest.Faults{Reject: []twiliotest.Rule{{Status: 429, Code: 20429}}}, wantCode: "20429"},
		{name: "a dropped connection after the request is ambiguous", faults: twiliotest.Faults{AcceptThenDrop: 1}, wantCode: "network", want: class{ambiguous: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t, twiliotest.WithFaults(tt.faults))
			cfg := config(s)
			if tt.token != "" {
				cfg.AuthToken = tt.token
			}
			_, err := newProvider(t, cfg).Send(context.Background(), sms.Message{To: "+819012345678", Body: "x"})
			var e *sms.Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *sms.Error", err)
			}
			got := class{e.Permanent, e.OptedOut, e.Fatal, e.Ambiguous}
			if got != tt.want || e.Code != tt.wantCode || e.RetryAfter != tt.retryAfter {
				t.Errorf("error = %q %+v, want code %s class %+v retry after %v", e.Error(), e, tt.wantCode, tt.want, tt.retryAfter)
			}
			if !strings.Contains(e.Reason, tt.reason) || e.Reason == "" {
				t.Errorf("reason = %q, want it to mention %q", e.Reason, tt.reason)
			}
		})
	}
}

func TestOutageAfterNMessages(t *testing.T) {
	s := newFake(t, twiliotest.WithFaults(twiliotest.Faults{OutageAfter: 2}))
	p := newProvider(t, config(s))
	ctx := context.Background()
	m := sms.Message{To: "+819012345678", Body: "x"}
	for range 2 {
		if _, err := p.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	_, err := p.Send(ctx, m)
	// 503: nothing was created, so the engine may retry (or fail over) without a lookup.
	if e := sms.Classify(err); e.Ambiguous || e.Permanent || e.Fatal || e.Code != "20503" {
		t.Errorf("the third create: %v (%+v), want transient 20503", err, e)
	}
	// A lookup during the outage fails, transiently: a read cannot text anyone.
	_, _, err = p.Find(ctx, m, time.Now().Add(-time.Minute))
	if e := sms.Classify(err); err == nil || e.Ambiguous || e.Permanent || e.Fatal {
		t.Errorf("Find during the outage: %v (%+v), want transient", err, e)
	}
	s.EndOutage()
	if _, err := p.Send(ctx, m); err != nil {
		t.Errorf("after EndOutage: %v", err)
	}
	if got := s.Count(m.To); got != 3 {
		t.Errorf("the fake holds %d messages, want 3", got)
	}
}

func TestRequestTimeoutIsTheConfiguredOne(t *testing.T) {
	s := newFake(t)
	cfg := config(s)
	if got := newProvider(t, cfg).RequestTimeout(); got != twilio.DefaultTimeout {
		t.Errorf("RequestTimeout() = %v, want the default %v", got, twilio.DefaultTimeout)
	}
	cfg.Timeout = 300 * time.Millisecond
	if got := newProvider(t, cfg).RequestTimeout(); got != cfg.Timeout {
		t.Errorf("RequestTimeout() = %v, want %v", got, cfg.Timeout)
	}
}

func TestConcurrencyLimitIsTransient(t *testing.T) {
	s := newFake(t, twiliotest.WithFaults(twiliotest.Faults{MaxConcurrent: 1, Latency: 300 * time.Millisecond}))
	p := newProvider(t, config(s))
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := p.Send(context.Background(), sms.Message{To: "+819012345678", Body: "x"})
			errs <- err
		}()
	}
	var failed []error
	for range 2 {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) != 1 {
		t.Fatalf("errors = %v, want exactly one", failed)
	}
	e := sms.Classify(failed[0])
	if e.Code != "20429" || e.Permanent || e.Ambiguous || !strings.Contains(e.Reason, "2 requests in flight") {
		t.Errorf("error = %q %+v, want transient 20429 naming the requests in flight", e.Error(), e)
	}
}

func TestErrorClassTableIsConsistent(t *testing.T) {
	seen := map[int]bool{}
	for _, c := range twilio.ErrorClasses() {
		if seen[c.Code] || c.Reason == "" {
			t.Errorf("code %d: duplicate or without reason", c.Code)
		}
		seen[c.Code] = true
	}
	for _, code := range []int{21211, 21614, 21610, 21408, 21606, 21603, 21212, 20003, 20005, 20429} {
		if !seen[code] {
			t.Errorf("code %d missing from the table", code)
		}
	}
	for _, code := range []int{30003, 30004, 30005, 30006, 30007, 30008, 30034} {
		if twilio.Reason(code) == "" {
			t.Errorf("no delivery reason for %d", code)
		}
	}
}

func TestRetryAfterAsHTTPDate(t *testing.T) {
	now := time.Date(2025, 3, 11, 5, 46, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "<html>proxy says no</html>")
	}))
	defer srv.Close()
	cfg := twilio.Config{AccountSID: twiliotest.DefaultAccountSID, AuthToken: "x1", From: from, BaseURL: srv.URL, Now: func() time.Time { return now }}
	_, err := newProvider(t, cfg).Send(context.Background(), sms.Message{To: "+819012345678", Body: "x"})
	e := sms.Classify(err)
	// A 503 is a refusal (nothing created: retried); its Retry-After is kept.
	if e.Permanent || e.Ambiguous || e.Fatal || e.RetryAfter != 90*time.Second || e.Code != "503" {
		t.Fatalf("error = %v %+v, want transient 503 with a 90 s Retry-After", err, e)
	}
}

func TestTimeoutsAndCancellation(t *testing.T) {
	t.Run("a timeout after the request was written is ambiguous and Find then says not found", func(t *testing.T) {
		s := newFake(t, twiliotest.WithFaults(twiliotest.Faults{Latency: 5 * time.Second}))
		cfg := config(s)
		cfg.Timeout = 100 * time.Millisecond
		p := newProvider(t, cfg)
		m := sms.Message{To: "+819012345678", Body: "x"}
		since := time.Now()
		start := time.Now()
		_, err := p.Send(context.Background(), m)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("Send took %v with a 100 ms timeout", d)
		}
		if e := sms.Classify(err); !e.Ambiguous {
			t.Fatalf("error = %v, want ambiguous", err)
		}
		s.SetFaults(twiliotest.Faults{})
		if _, found, err := p.Find(context.Background(), m, since); err != nil || found {
			t.Fatalf("Find = %v, %v; the fake never created it", found, err)
		}
	})
	t.Run("cancelling while the request is in flight is ambiguous", func(t *testing.T) {
		s := newFake(t, twiliotest.WithFaults(twiliotest.Faults{Latency: 5 * time.Second}))
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := newProvider(t, config(s)).Send(ctx, sms.Message{To: "+819012345678", Body: "x"})
		if e := sms.Classify(err); !e.Ambiguous || !errors.Is(err, context.Canceled) {
			t.Fatalf("error = %v, want ambiguous wrapping context.Canceled", err)
		}
	})
	t.Run("a context cancelled before sending is transient", func(t *testing.T) {
		s := newFake(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := newProvider(t, config(s)).Send(ctx, sms.Message{To: "+819012345678", Body: "x"})
		if e := sms.Classify(err); e.Ambiguous || e.Permanent || s.Requests() != 0 {
			t.Fatalf("error = %v, requests = %d", err, s.Requests())
		}
	})
	t.Run("a timeout while connecting is transient", func(t *testing.T) {
		hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}}}
		cfg := twilio.Config{AccountSID: twiliotest.DefaultAccountSID, AuthToken: "x1", From: from,
			BaseURL: "http://127.0.0.1:9", HTTPClient: hc, Timeout: 50 * time.Millisecond}
		_, err := newProvider(t, cfg).Send(context.Background(), sms.Message{To: "+819012345678", Body: "x"})
		if e := sms.Classify(err); e.Ambiguous || e.Permanent || e.Fatal {
			t.Fatalf("error = %v (%+v), want transient", err, e)
		}
	})
	t.Run("a refused connection is transient", func(t *testing.T) {
		s := twiliotest.NewServer()
		cfg := config(s)
		s.Close()
		_, err := newProvider(t, cfg).Send(context.Background(), sms.Message{To: "+819012345678", Body: "x"})
		if e := sms.Classify(err); e.Ambiguous || e.Permanent || e.Fatal || e.Code != "network" {
			t.Fatalf("error = %v (%+v), want transient network", err, e)
		}
	})
}

// A create Twilio takes in after the client's timeout is ambiguous and not in the list at first;
// once Twilio has created it, Find sees it (the list is newest first).
func TestLateAcceptanceIsFoundOnlyOnceCreated(t *testing.T) {
	s := newFake(t, twiliotest.WithFaults(twiliotest.Faults{LateAccept: 1, LateBy: 400 * time.Millisecond}))
	cfg := config(s)
	cfg.Timeout = 100 * time.Millisecond
	p := newProvider(t, cfg)
	ctx := context.Background()
	// Older messages to the same number, so that the late one must come first in the list.
	s.SetFaults(twiliotest.Faults{})
	for range 3 {
		if _, err := p.Send(ctx, sms.Message{To: "+819012345678", Body: "前回のお知らせ"}); err != nil {
			t.Fatal(err)
		}
	}
	s.SetFaults(twiliotest.Faults{LateAccept: 1, LateBy: 400 * time.Millisecond})
	m := sms.Message{To: "+819012345678", Body: "停電のため本日の透析は中止です"}
	since := time.Now()
	_, err := p.Send(ctx, m)
	if e := sms.Classify(err); !e.Ambiguous {
		t.Fatalf("error = %v (%+v), want ambiguous", err, e)
	}
	if _, found, err := p.Find(ctx, m, since); err != nil || found {
		t.Fatalf("Find before the late create = %v, %v; want not found", found, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Messages()) < 4 {
		if time.Now().After(deadline) {
			t.Fatal("the late create never happened")
		}
		time.Sleep(10 * time.Millisecond)
	}
	last := s.Messages()[3]
	if last.Fault != "late" || last.Body != m.Body {
		t.Fatalf("the fake's fourth message = %+v, want the late one", last)
	}
	r, found, err := p.Find(ctx, m, since)
	if err != nil || !found || r.ID != last.SID {
		t.Fatalf("Find after the late create = %+v, %v, %v; want %s", r, found, err, last.SID)
	}
}

func TestAcceptThenDropIsFoundByFind(t *testing.T) {
	s := newFake(t, twiliotest.WithFaults(twiliotest.Faults{AcceptThenDrop: 1}))
	p := newProvider(t, config(s))
	m := sms.Message{To: "+819012345678", Body: "停電のため本日の透析は中止です"}
	since := time.Now()
	_, err := p.Send(context.Background(), m)
	if !sms.Classify(err).Ambiguous {
		t.Fatalf("error = %v, want ambiguous", err)
	}
	r, found, err := p.Find(context.Background(), m, since)
	if err != nil || !found || r.ID != s.Messages()[0].SID {
		t.Fatalf("Find = %+v, %v, %v; want %s", r, found, err, s.Messages()[0].SID)
	}
	if s.Count(m.To) != 1 {
		t.Errorf("the fake has %d messages, want 1", s.Count(m.To))
	}
}

func TestFind(t *testing.T) {
	ctx := context.Background()
	body := "本日の透析は中止です"
	t.Run("a message still held in Twilio's queue, without date_sent, is found", func(t *testing.T) {
		s := newFake(t, twiliotest.WithFaults(twiliotest.Faults{Hold: true}))
		p := newProvider(t, config(s))
		since := time.Now()
		sent, err := p.Send(ctx, sms.Message{To: "+819012345678", Body: body})
		if err != nil {
			t.Fatal(err)
		}
		r, found, err := p.Find(ctx, sms.Message{To: "+819012345678", Body: body}, since)
		if err != nil || !found || r.ID != sent.ID || r.Status != sms.StatusQueued {
			t.Fatalf("Find = %+v, %v, %v", r, found, err)
		}
	})
	t.Run("a match behind pages of newer messages is found", func(t *testing.T) {
		s := newFake(t)
		p := newProvider(t, config(s))
		since := time.Now()
		sent, _ := p.Send(ctx, sms.Message{To: "+819012345678", Body: body})
		for i := range 250 {
			p.Send(ctx, sms.Message{To: "+819012345678", Body: fmt.Sprint("other ", i)})
		}
		r, found, err := p.Find(ctx, sms.Message{To: "+819012345678", Body: body}, since)
		if err != nil || !found || r.ID != sent.ID {
			t.Fatalf("Find = %+v, %v, %v; want %s", r, found, err, sent.ID)
		}
	})
	t.Run("a message from another sender does not match", func(t *testing.T) {
		s := newFake(t)
		other := config(s)
		other.From = "ClinicB"
		since := time.Now()
		newProvider(t, other).Send(ctx, sms.Message{To: "+819012345678", Body: body})
		if _, found, err := newProvider(t, config(s)).Find(ctx, sms.Message{To: "+819012345678", Body: body}, since); err != nil || found {
			t.Fatalf("Find = %v, %v; want not found", found, err)
		}
	})
	t.Run("Find with a messaging service matches on the service", func(t *testing.T) {
		s := newFake(t)
		cfg := config(s)
		cfg.From, cfg.MessagingServiceSID = "", "MG00000000000000000000000000000007"
		p := newProvider(t, cfg)
		since := time.Now()
		sent, err := p.Send(ctx, sms.Message{To: "+819012345678", Body: body})
		if err != nil || sent.Status != sms.StatusAccepted || sent.Segments != 1 {
			t.Fatalf("Send = %+v, %v; want accepted with segments counted locally", sent, err)
		}
		if r, found, err := p.Find(ctx, sms.Message{To: "+819012345678", Body: body}, since); err != nil || !found || r.ID != sent.ID {
			t.Fatalf("Find = %+v, %v, %v", r, found, err)
		}
	})
	t.Run("a lookup that fails is an error, not a not-found", func(t *testing.T) {
		s := newFake(t, twiliotest.WithFaults(twiliotest.Faults{FailAll: true}))
		_, found, err := newProvider(t, config(s)).Find(ctx, sms.Message{To: "+819012345678", Body: body}, time.Now())
		if err == nil || found {
			t.Fatalf("Find = %v, %v; want an error", found, err)
		}
	})
	t.Run("too many candidates to be sure is an error", func(t *testing.T) {
		if testing.Short() {
			t.Skip("sends 1,001 messages")
		}
		s := newFake(t)
		p := newProvider(t, config(s))
		since := time.Now()
		for i := range 1001 {
			p.Send(ctx, sms.Message{To: "+819012345678", Body: fmt.Sprint("other ", i)})
		}
		if _, found, err := p.Find(ctx, sms.Message{To: "+819012345678", Body: body}, since); err == nil || found {
			t.Fatalf("Find = %v, %v; want an error saying it cannot be sure", found, err)
		}
	})
}

func TestSendPassesOptions(t *testing.T) {
	s := newFake(t)
	cfg := config(s)
	cfg.StatusCallback, cfg.ValidityPeriod = "https://clinic.example.org/twilio/status", 3600
	cfg.MessagingServiceSID = "MG00000000000000000000000000000007"
	r, err := newProvider(t, cfg).Send(context.Background(), sms.Message{To: "+819012345678", Body: strings.Repeat("あ", 71)})
	if err != nil {
		t.Fatal(err)
	}
	m := s.Messages()[0]
	if m.From != from || m.MessagingServiceSID != cfg.MessagingServiceSID || m.StatusCallback != cfg.StatusCallback || m.ValidityPeriod != 3600 {
		t.Errorf("the fake received %+v", m)
	}
	if r.Segments != 2 || m.Segments != 2 {
		t.Errorf("segments = %d (fake %d), want 2 for 71 UCS-2 characters", r.Segments, m.Segments)
	}
}

func TestAPIKeyCredentials(t *testing.T) {
	s := newFake(t, twiliotest.WithAPIKey("SK00000000000000000000000000000001", "keysecret1"))
	cfg := config(s)
	cfg.AuthToken, cfg.APIKey, cfg.APISecret = "", "SK00000000000000000000000000000001", "keysecret1"
	if _, err := newProvider(t, cfg).Send(context.Background(), sms.Message{To: "+819012345678", Body: "x"}); err != nil {
		t.Fatal(err)
	}
}

func TestStatus(t *testing.T) {
	ctx := context.Background()
	s := newFake(t, twiliotest.WithFaults(twiliotest.Faults{Outcomes: []twiliotest.Outcome{
		{To: "0003", Status: "undelivered", ErrorCode: 30003},
		{To: "0006", Status: "failed", ErrorCode: 30006},
		{To: "0099", Status: "undelivered", ErrorCode: 30099},
	}}))
	p := newProvider(t, config(s))
	tests := []struct {
		to     string
		status sms.Status
		code   string
		reason string
	}{
		{"+819000000001", sms.StatusDelivered, "", ""},
		{"+819000000003", sms.StatusUndelivered, "30003", "phone off or out of coverage"},
		{"+819000000006", sms.StatusFailed, "30006", "landline"},
		{"+819000000099", sms.StatusUndelivered, "30099", "Error 30099"},
	}
	for _, tt := range tests {
		sent, err := p.Send(ctx, sms.Message{To: tt.to, Body: "x"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := p.Status(ctx, sent.ID)
		if err != nil || r.Status != tt.status || r.ErrorCode != tt.code || !strings.Contains(r.Reason, tt.reason) {
			t.Errorf("%s: Status = %+v, %v; want %s %s %q", tt.to, r, err, tt.status, tt.code, tt.reason)
		}
	}
	if _, err := p.Status(ctx, "SM0123456789abcdef0123456789abcdef"); !sms.Classify(err).Permanent {
		t.Errorf("Status of an unknown message = %v, want permanent", err)
	}
	if _, err := p.Status(ctx, "../../Calls"); !sms.Classify(err).Permanent {
		t.Errorf("Status of a malformed id = %v, want permanent", err)
	}
	s.SetFaults(twiliotest.Faults{ServerErrors: 1, FaultReads: true})
	if _, err := p.Status(ctx, s.Messages()[0].SID); err == nil || sms.Classify(err).Permanent || sms.Classify(err).Ambiguous {
		t.Errorf("Status during a 500 = %v, want transient", err)
	}
}

func TestStatusMapping(t *testing.T) {
	for in, want := range map[string]sms.Status{
		"queued": sms.StatusQueued, "accepted": sms.StatusAccepted, "scheduled": sms.StatusAccepted,
		"sending": sms.StatusSending, "sent": sms.StatusSent, "delivered": sms.StatusDelivered,
		"read": sms.StatusDelivered, "undelivered": sms.StatusUndelivered, "failed": sms.StatusFailed,
		"canceled": sms.StatusFailed, "something_new": sms.StatusSending,
	} {
		if got := twilio.MapStatus(in); got != want {
			t.Errorf("MapStatus(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBaseURLWithAPathPrefix(t *testing.T) {
	s := newFake(t)
	proxy := httptest.NewServer(http.StripPrefix("/twilio", s.Config.Handler))
	defer proxy.Close()
	cfg := config(s)
	cfg.BaseURL = proxy.URL + "/twilio/"
	if _, err := newProvider(t, cfg).Send(context.Background(), sms.Message{To: "+819012345678", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if s.Count("+819012345678") != 1 {
		t.Fatal("the message did not reach the fake through the prefix")
	}
}

// Error answers must not leak connections: twilio-go never closes their bodies.
func TestErrorAnswersReuseConnections(t *testing.T) {
	s := newFake(t, twiliotest.WithFaults(twiliotest.Faults{TooManyRequests: 1}))
	var dials atomic.Int64
	var d net.Dialer
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DialContext: func(ctx context.Context, n, a string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, n, a)
	}}}
	cfg := config(s)
	cfg.HTTPClient = hc
	p := newProvider(t, cfg)
	for range 30 {
		p.Send(context.Background(), sms.Message{To: "+819012345678", Body: "x"})
	}
	if n := dials.Load(); n > 2 {
		t.Errorf("30 sequential error answers opened %d connections, want 1", n)
	}
	if p.ConcurrentRequests() < 1 {
		t.Error("Twilio-Concurrent-Requests was not captured")
	}
}

// The canary: no error, whatever the path, may contain a secret.
func TestCredentialsNeverAppearInErrors(t *testing.T) {
	const token, secret = "CANARYtoken0123456789", "CANARYsecret0123456789"
	ctx := context.Background()
	m := sms.Message{To: "+819012345678", Body: "x"}
	var errs []error
	collect := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	for _, cfg := range []twilio.Config{
		{AccountSID: twiliotest.DefaultAccountSID, AuthToken: token + "!", From: from},
		{AccountSID: twiliotest.DefaultAccountSID, APIKey: "SK1", APISecret: secret, From: from},
		{AccountSID: twiliotest.DefaultAccountSID, AuthToken: token, From: "bad sender!"},
		{AccountSID: twiliotest.DefaultAccountSID, AuthToken: token, From: from, BaseURL: "http://example.org"},
		{AccountSID: "AC" + token, AuthToken: token, From: from},
	} {
		_, err := twilio.New(cfg)
		if err == nil {
			t.Fatalf("New(%+v) succeeded", cfg.From)
		}
		collect(err)
	}

	s := newFake(t)
	for _, creds := range [][2]string{{"", token}, {"SK00000000000000000000000000000001", secret}} {
		cfg := config(s)
		cfg.AuthToken, cfg.APIKey, cfg.APISecret = creds[1], creds[0], ""
		if creds[0] != "" {
			cfg.AuthToken, cfg.APISecret = "", creds[1]
		}
		p := newProvider(t, cfg)
		for _, f := range []twiliotest.Faults{{}, {AcceptThenDrop: 1}, {FailAll: true}, {TooManyRequests: 1}, {Invalid: []string{"*"}}} {
			s.SetFaults(f)
			_, err := p.Send(ctx, m)
			collect(err)
			_, _, err = p.Find(ctx, m, time.Now())
			collect(err)
			_, err = p.Status(ctx, "SM0123456789abcdef0123456789abcdef")
			collect(err)
		}
		closed := config(s)
		closed.BaseURL = "http://127.0.0.1:9"
		closed.AuthToken, closed.APIKey, closed.APISecret = cfg.AuthToken, cfg.APIKey, cfg.APISecret
		_, err := newProvider(t, closed).Send(ctx, m)
		collect(err)
	}
	if len(errs) < 20 {
		t.Fatalf("only %d errors collected", len(errs))
	}
	for _, err := range errs {
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%#v", errors.Unwrap(err))} {
			if strings.Contains(text, "CANARY") {
				t.Errorf("a secret leaked into an error: %s", text)
			}
		}
	}
}

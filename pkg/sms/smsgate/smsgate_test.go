package smsgate_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/smsgate"
	"github.com/smscast/smscast/pkg/sms/smsgate/smsgatetest"
)

const body = "【テスト】停電のため本日の透析は中止です。"

func fake(t *testing.T, opts ...smsgatetest.Option) *smsgatetest.Server {
	t.Helper()
	s := smsgatetest.NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// stub is a server that answers every request with one status, header and body.
func stub(t *testing.T, status int, header http.Header, body string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func stubProvider(t *testing.T, s *httptest.Server) *smsgate.Provider {
	t.Helper()
	p, err := smsgate.New(smsgate.Config{BaseURL: s.URL, Username: "sms", Password: "pw", HTTPClient: s.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type class struct{ permanent, ambiguous, fatal bool }

func (c class) String() string {
	switch {
	case c.fatal:
		return "fatal"
	case c.permanent:
		return "permanent"
	case c.ambiguous:
		return "ambiguous"
	}
	return "transient"
}

func classOf(err error) class {
	e := sms.Classify(err)
	return class{e.Permanent, e.Ambiguous, e.Fatal}
}

var (
	transient = class{}
	permanent = class{permanent: true}
	ambiguous = class{ambiguous: true}
	fatal     = class{fatal: true}
)

func TestAnswersToACreateAreClassifiedByTheTable(t *testing.T) {
	js := http.Header{"Content-Type": {"application/json"}}
	for _, tt := range []struct {
		name   string
		status int
		header http.Header
		body   string
		want   class
		reason string // a part of the reason
	}{
		{"an invalid number is permanent", 400, js, `{"message":"Invalid phone number: +81"}`, permanent, "invalid phone number"},
		{"an empty text is permanent", 400, js, `{"message":"Text message is empty"}`, permanent, "text is empty"},
		{"a refused SIM slot stops the run", 400, js, `{"message":"simNumber must be >= 1"}`, fatal, "smsgate.sim_numbers"},
		{"a request the app does not understand stops the run", 400, js, `{"message":"Must specify exactly one of: textMessage, dataMessage, or message"}`, fatal, "update SMS Gateway"},
		{"another 400 is permanent with the app's words", 400, js, `{"message":"something odd"}`, permanent, "the app said: something odd"},
		{"a wrong password stops the run", 401, js, `{"message":"Unauthorized"}`, fatal, smsgate.PasswordEnv},
		{"a forbidden answer stops the run", 403, js, `{"message":"Forbidden"}`, fatal, "smsgate.username"},
		{"a 404 means something else listens there", 404, nil, ``, fatal, "smsgate.base_url"},
		{"429 is transient", 429, http.Header{"Retry-After": {"3"}}, `{"message":"slow down"}`, transient, "slow down"},
		{"500 may have queued it", 500, js, `{"message":"boom"}`, ambiguous, "may have queued it"},
		{"500 as an HTML page may have queued it", 500, http.Header{"Content-Type": {"text/html"}}, `<html>oops</html>`, ambiguous, "may have queued it"},
		{"502 may have queued it", 502, nil, ``, ambiguous, "may have queued it"},
		{"503 is the documented refusal: transient", 503, js, `{"message":"Queue limits exceeded; ensure device is online"}`, transient, "did not take the message"},
		{"501 stops the run", 501, js, `{"message":"Not implemented"}`, fatal, "update the app"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := stubProvider(t, stub(t, tt.status, tt.header, tt.body))
			_, err := p.Send(context.Background(), sms.Message{To: "+819022220001", Body: body})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if got := classOf(err); got != tt.want {
				t.Errorf("class = %s, want %s (%v)", got, tt.want, err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not say %q", err, tt.reason)
			}
			if e := sms.Classify(err); e.Code != fmt.Sprint(tt.status) {
				t.Errorf("code = %q, want %d", e.Code, tt.status)
			}
			if tt.status == 429 && sms.Classify(err).RetryAfter != 3*time.Second {
				t.Errorf("RetryAfter = %v, want 3s", sms.Classify(err).RetryAfter)
			}
		})
	}
}

func TestNetworkFailuresAreClassifiedByWhetherTheRequestLeft(t *testing.T) {
	ctx := context.Background()
	m := sms.Message{To: "+819022220001", Body: body, Campaign: "c1", Ref: "1"}

	t.Run("a refused connection is transient and names the address", func(t *testing.T) {
		s := fake(t)
		p := newProvider(t, s, nil)
		s.Close()
		_, err := p.Send(ctx, m)
		if got := classOf(err); got != transient {
			t.Fatalf("class = %s, want transient (%v)", got, err)
		}
		if !strings.Contains(err.Error(), strings.TrimPrefix(s.URL, "http://")) || !strings.Contains(err.Error(), "same Wi-Fi") {
			t.Errorf("error %q must name the address and what to check", err)
		}
	})
	t.Run("a connection dropped after the request is ambiguous", func(t *testing.T) {
		s := fake(t, smsgatetest.WithFaults(smsgatetest.Faults{AcceptThenDrop: []string{m.To}}))
		_, err := newProvider(t, s, nil).Send(ctx, m)
		if got := classOf(err); got != ambiguous {
			t.Fatalf("class = %s, want ambiguous (%v)", got, err)
		}
	})
	t.Run("a timeout after the request is ambiguous", func(t *testing.T) {
		s := fake(t, smsgatetest.WithFaults(smsgatetest.Faults{Latency: 300 * time.Millisecond}))
		_, err := newProvider(t, s, func(c *smsgate.Config) { c.Timeout = 50 * time.Millisecond }).Send(ctx, m)
		if got := classOf(err); got != ambiguous {
			t.Fatalf("class = %s, want ambiguous (%v)", got, err)
		}
	})
	t.Run("an outage after N messages refuses the rest, transiently", func(t *testing.T) {
		s := fake(t, smsgatetest.WithFaults(smsgatetest.Faults{OutageAfter: 2}))
		p := newProvider(t, s, nil)
		for i := range 4 {
			_, err := p.Send(ctx, sms.Message{To: fmt.Sprintf("+81902222000%d", i), Body: body})
			switch {
			case i < 2 && err != nil:
				t.Fatalf("send %d before the outage: %v", i, err)
			case i >= 2 && classOf(err) != transient:
				t.Fatalf("send %d during the outage: %v (%s), want transient", i, err, classOf(err))
			}
		}
		if got := len(s.Messages()); got != 2 || !s.Down() {
			t.Errorf("stored %d messages (down %v), want 2 and down", got, s.Down())
		}
	})
}

func TestARetryOfAnAmbiguousSendReturnsTheMessageThePhoneAlreadyHas(t *testing.T) {
	ctx := context.Background()
	m := sms.Message{To: "+819022220001", Body: body, Campaign: "c-2024-01", Ref: "17"}
	for _, tt := range []struct {
		name   string
		faults smsgatetest.Faults
	}{
		{"after a timeout and a late acceptance", smsgatetest.Faults{LateAccept: []string{m.To}, LateAfter: 200 * time.Millisecond}},
		{"after an accept-then-500", smsgatetest.Faults{AcceptThen500: []string{m.To}}},
		{"after an accept-then-drop", smsgatetest.Faults{AcceptThenDrop: []string{m.To}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := fake(t, smsgatetest.WithFaults(tt.faults))
			p := newProvider(t, s, func(c *smsgate.Config) { c.Timeout = 50 * time.Millisecond })
			_, err := p.Send(ctx, m)
			if got := classOf(err); got != ambiguous {
				t.Fatalf("first send: %v (%s), want ambiguous", err, got)
			}
			for deadline := time.Now().Add(2 * time.Second); s.Count(m.To) == 0 && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			s.SetFaults(smsgatetest.Faults{}) // the phone behaves again
			// A second process (a resume after a crash) builds its own provider: the id is the same.
			r, err := newProvider(t, s, nil).Send(ctx, m)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if r.ID != smsgate.MessageID(m) || r.Segments != 1 || r.Status == "" {
				t.Errorf("retry receipt = %+v, want the id %s", r, smsgate.MessageID(m))
			}
			if got := s.Count(m.To); got != 1 {
				t.Errorf("the phone has %d messages to %s, want 1", got, m.To)
			}
		})
	}
}

func TestA409WhoseMessageCannotBeReadStillCountsAsAccepted(t *testing.T) {
	s := stub(t, http.StatusConflict, nil, `{"message":"message with such ID already exists"}`)
	m := sms.Message{To: "+819022220001", Body: body, Campaign: "c", Ref: "1"}
	r, err := stubProvider(t, s).Send(context.Background(), m)
	if err != nil || r.ID != smsgate.MessageID(m) || r.Status != sms.StatusAccepted {
		t.Errorf("Send = %+v, %v; want accepted under our id", r, err)
	}
}

func TestMessageIDsAreStableShortAndDistinct(t *testing.T) {
	m := sms.Message{To: "+819022220001", Body: body, Campaign: "c-2024-01", Ref: "17"}
	id := smsgate.MessageID(m)
	// A golden value: changing it would let a resume after an upgrade text everyone again.
	if want := "sc-aa8dc2cff52c1f8603004b47a0840481"; id != want {
		t.Errorf("MessageID = %s, want %s", id, want)
	}
	if len(id) > 36 || !strings.HasPrefix(id, "sc-") {
		t.Errorf("id %q: want sc- and at most 36 characters", id)
	}
	if again := smsgate.MessageID(m); again != id {
		t.Errorf("MessageID is not stable: %s then %s", id, again)
	}
	seen := map[string]string{id: "base"}
	for name, o := range map[string]sms.Message{
		"another delivery":         {To: m.To, Body: m.Body, Campaign: m.Campaign, Ref: "18"},
		"another campaign":         {To: m.To, Body: m.Body, Campaign: "c-2024-02", Ref: m.Ref},
		"another number":           {To: "+819022220002", Body: m.Body, Campaign: m.Campaign, Ref: m.Ref},
		"another text":             {To: m.To, Body: m.Body + "。", Campaign: m.Campaign, Ref: m.Ref},
		"fields moved across":      {To: m.To, Body: m.Body, Campaign: "c-2024-011", Ref: "7"},
		"no campaign, no delivery": {To: m.To, Body: m.Body},
	} {
		got := smsgate.MessageID(o)
		if prev, dup := seen[got]; dup {
			t.Errorf("%s has the id of %s", name, prev)
		}
		seen[got] = name
	}
}

func TestMessagesAreSpreadOverTheSIMsInTurn(t *testing.T) {
	for _, tt := range []struct {
		name string
		sims []int
		want []int
	}{
		{"two SIMs alternate", []int{1, 2}, []int{1, 2, 1, 2, 1}},
		{"one SIM takes all", []int{2}, []int{2, 2, 2}},
		{"no SIMs leave the choice to the phone", nil, []int{0, 0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := fake(t)
			p := newProvider(t, s, func(c *smsgate.Config) { c.SIMNumbers = tt.sims })
			for i := range tt.want {
				if _, err := p.Send(context.Background(), sms.Message{To: fmt.Sprintf("+81902222%04d", i), Body: body}); err != nil {
					t.Fatal(err)
				}
			}
			var got []int
			for _, m := range s.Messages() {
				got = append(got, m.SIM)
				if !m.WithDeliveryReport {
					t.Errorf("message %s sent without a delivery report", m.ID)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("SIMs = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConcurrentSendsUseEachSIMEqually(t *testing.T) {
	s := fake(t)
	p := newProvider(t, s, func(c *smsgate.Config) { c.SIMNumbers = []int{1, 2} })
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			if _, err := p.Send(context.Background(), sms.Message{To: fmt.Sprintf("+81903333%04d", i), Body: body}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	per := map[int]int{}
	for _, m := range s.Messages() {
		per[m.SIM]++
	}
	if per[1] != 20 || per[2] != 20 {
		t.Errorf("per SIM = %v, want 20 each", per)
	}
}

func TestStatusFollowsTheRecipientsState(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func() { mu.Lock(); now = now.Add(time.Second); mu.Unlock() }
	s := fake(t, smsgatetest.WithClock(clock), smsgatetest.WithStep(time.Second), smsgatetest.WithFaults(smsgatetest.Faults{
		Failed: []string{"0002"}, Undelivered: []string{"0003"}, FailError: "RESULT_ERROR_NO_SERVICE",
	}))
	p := newProvider(t, s, nil)
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		to   string
		want []sms.Status // after 0, 1, 2, 3 steps
	}{
		{"a delivered message goes queued, queued, sent, delivered", "+819022220001",
			[]sms.Status{sms.StatusQueued, sms.StatusQueued, sms.StatusSent, sms.StatusDelivered}},
		{"a message the phone could not send fails", "+819022220002",
			[]sms.Status{sms.StatusQueued, sms.StatusQueued, sms.StatusFailed, sms.StatusFailed}},
		{"a message sent but not delivered is undelivered", "+819022220003",
			[]sms.Status{sms.StatusQueued, sms.StatusQueued, sms.StatusSent, sms.StatusUndelivered}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := p.Send(ctx, sms.Message{To: tt.to, Body: body})
			if err != nil {
				t.Fatal(err)
			}
			var got []sms.Status
			var last sms.Receipt
			for range tt.want {
				if last, err = p.Status(ctx, r.ID); err != nil {
					t.Fatal(err)
				}
				got = append(got, last.Status)
				advance()
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("statuses = %v, want %v", got, tt.want)
			}
			if last.Status == sms.StatusFailed || last.Status == sms.StatusUndelivered {
				if last.ErrorCode != "RESULT_ERROR_NO_SERVICE" || !strings.Contains(last.Reason, "no mobile signal") {
					t.Errorf("failure receipt = %+v, want the recipient's error and its reason", last)
				}
			}
		})
	}
}

func TestStatusOfAnUnknownOrMalformedIDIsPermanent(t *testing.T) {
	p := newProvider(t, fake(t), nil)
	for _, id := range []string{"sc-00000000000000000000000000000000", "../health", strings.Repeat("x", 37), ""} {
		if _, err := p.Status(context.Background(), id); classOf(err) != permanent {
			t.Errorf("Status(%q) = %v, want a permanent error", id, err)
		}
	}
}

func TestStatusBatchReadsPagesInsteadOfOneRequestPerMessage(t *testing.T) {
	s := fake(t)
	p := newProvider(t, s, nil)
	ctx := context.Background()
	since := time.Now()
	var ids []string
	for i := range 150 {
		r, err := p.Send(ctx, sms.Message{To: fmt.Sprintf("+81904444%04d", i), Body: body, Campaign: "c", Ref: fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	got, err := p.StatusBatch(ctx, ids, since)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) || s.ListRequests() != 2 {
		t.Errorf("found %d of %d in %d list requests, want all in 2", len(got), len(ids), s.ListRequests())
	}
	for _, id := range ids {
		if got[id].ID != id || got[id].Status == "" {
			t.Fatalf("receipt for %s = %+v", id, got[id])
		}
	}

	t.Run("a few ids among many messages are left to Status", func(t *testing.T) {
		before := s.ListRequests()
		got, err := p.StatusBatch(ctx, []string{ids[0], "sc-notthere"}, since)
		if err != nil {
			t.Fatal(err)
		}
		if n := s.ListRequests() - before; n > 2 {
			t.Errorf("%d list requests for 2 ids, want at most 2", n)
		}
		if _, ok := got["sc-notthere"]; ok {
			t.Error("an unknown id was reported")
		}
	})
}

func TestFindLooksUpTheDeliveryByItsID(t *testing.T) {
	s := fake(t)
	p := newProvider(t, s, nil)
	ctx := context.Background()
	since := time.Now()
	m := sms.Message{To: "+819022220001", Body: body, Campaign: "c", Ref: "1"}
	sent, err := p.Send(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		m     sms.Message
		since time.Time
		found bool
	}{
		{"the message sent is found", m, since, true},
		{"the same text of another delivery is not", sms.Message{To: m.To, Body: m.Body, Campaign: "c", Ref: "2"}, since, false},
		{"a message older than since is not", m, since.Add(time.Hour), false},
		{"a small clock difference with the phone is allowed", m, since.Add(time.Minute), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, found, err := p.Find(ctx, tt.m, tt.since)
			if err != nil || found != tt.found || (found && r.ID != sent.ID) {
				t.Errorf("Find = %+v, %v, %v; want found %v", r, found, err, tt.found)
			}
		})
	}
	t.Run("a phone that does not answer is an error, not a not-found", func(t *testing.T) {
		s.SetFaults(smsgatetest.Faults{FailAll: true, FaultReads: true})
		if _, found, err := p.Find(ctx, m, since); err == nil || found {
			t.Errorf("Find = %v, %v; want an error", found, err)
		}
	})
}

func TestRequestTimeoutIsTheConfiguredOne(t *testing.T) {
	s := fake(t)
	if got := newProvider(t, s, nil).RequestTimeout(); got != smsgate.DefaultTimeout {
		t.Errorf("default RequestTimeout = %v", got)
	}
	if got := newProvider(t, s, func(c *smsgate.Config) { c.Timeout = 3 * time.Second }).RequestTimeout(); got != 3*time.Second {
		t.Errorf("RequestTimeout = %v, want 3s", got)
	}
}

func TestDailyLimitDefaultsTo200(t *testing.T) {
	s := fake(t)
	if got := newProvider(t, s, nil).DailyLimit(); got != 200 {
		t.Errorf("DailyLimit = %d, want 200", got)
	}
	if got := newProvider(t, s, func(c *smsgate.Config) { c.DailyLimit = 50 }).DailyLimit(); got != 50 {
		t.Errorf("DailyLimit = %d, want 50", got)
	}
}

func TestSegmentsAreCountedAsCarriersDo(t *testing.T) {
	s := fake(t)
	p := newProvider(t, s, nil)
	for _, tt := range []struct {
		name string
		body string
		want int
	}{
		{"short Japanese is one part", body, 1},
		{"70 Japanese characters are one part", strings.Repeat("あ", 70), 1},
		{"71 Japanese characters are two parts", strings.Repeat("あ", 71), 2},
		{"160 GSM characters are one part", strings.Repeat("a", 160), 1},
		{"161 GSM characters are two parts", strings.Repeat("a", 161), 2},
		{"extension characters count twice", strings.Repeat("€", 81), 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := p.Send(context.Background(), sms.Message{To: "+819022220001", Body: tt.body})
			if err != nil || r.Segments != tt.want {
				t.Errorf("Send = %+v, %v; want %d segments", r, err, tt.want)
			}
		})
	}
}

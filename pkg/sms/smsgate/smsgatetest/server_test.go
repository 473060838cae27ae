package smsgatetest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms/smsgate/smsgatetest"
)

func post(t *testing.T, s *smsgatetest.Server, user, pass, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/messages", strings.NewReader(body))
	req.SetBasicAuth(user, pass)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func get(t *testing.T, s *smsgatetest.Server, path string, v any) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	req.SetBasicAuth(s.Username, s.Password)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp
}

const create = `{"id":"m1","textMessage":{"text":"hi"},"phoneNumbers":["+819022220001"],"withDeliveryReport":true,"simNumber":2}`

func TestTheFakeRefusesARepeatedIDAndWrongCredentials(t *testing.T) {
	s := smsgatetest.NewServer()
	defer s.Close()
	if r := post(t, s, s.Username, "nope", create); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", r.StatusCode)
	}
	if r := post(t, s, s.Username, s.Password, create); r.StatusCode != http.StatusAccepted {
		t.Errorf("create: %d, want 202", r.StatusCode)
	}
	if r := post(t, s, s.Username, s.Password, create); r.StatusCode != http.StatusConflict {
		t.Errorf("repeat: %d, want 409", r.StatusCode)
	}
	if got := s.Count("+819022220001"); got != 1 {
		t.Errorf("stored %d, want 1", got)
	}
	if m := s.Messages()[0]; m.SIM != 2 || m.Text != "hi" || !m.WithDeliveryReport {
		t.Errorf("recorded %+v", m)
	}
	if r := get(t, s, "/messages/unknown", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown id: %d, want 404", r.StatusCode)
	}
}

func TestTheFakesMessagesMoveThroughTheirStates(t *testing.T) {
	start := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	var elapsed atomic.Int64
	clock := func() time.Time { return start.Add(time.Duration(elapsed.Load())) }
	s := smsgatetest.NewServer(smsgatetest.WithClock(clock), smsgatetest.WithStep(time.Second))
	defer s.Close()
	post(t, s, s.Username, s.Password, create)
	var got []string
	for range 5 {
		var st struct {
			State      string
			Recipients []struct{ State string }
			States     map[string]string
		}
		get(t, s, "/messages/m1", &st)
		got = append(got, st.Recipients[0].State)
		elapsed.Add(int64(time.Second))
	}
	if want := "Pending Processed Sent Delivered Delivered"; strings.Join(got, " ") != want {
		t.Errorf("states = %v, want %s", got, want)
	}
}

func TestTheFakeInboxPagesAndLimits(t *testing.T) {
	s := smsgatetest.NewServer()
	defer s.Close()
	for range 3 {
		s.AddInbound(smsgatetest.Inbound{Sender: "+819022220001", Text: "はい"})
	}
	var page []map[string]any
	r := get(t, s, "/inbox?limit=2&offset=0", &page)
	if r.Header.Get("X-Total-Count") != "3" || len(page) != 2 {
		t.Errorf("page of %d, total %q; want 2 of 3", len(page), r.Header.Get("X-Total-Count"))
	}
	if r := get(t, s, "/inbox?limit=501", nil); r.StatusCode != http.StatusBadRequest {
		t.Errorf("limit 501: %d, want 400", r.StatusCode)
	}
}

func TestTheFakeHealthNeedsNoAuthAndFailsWith503(t *testing.T) {
	s := smsgatetest.NewServer()
	defer s.Close()
	s.SetHealth("fail", nil)
	resp, err := s.Client().Get(s.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("health: %d, want 503", resp.StatusCode)
	}
}

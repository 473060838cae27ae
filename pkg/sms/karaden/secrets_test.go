package karaden_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/karaden"
	"github.com/smscast/smscast/pkg/sms/karaden/karadentest"
)

const canary = "CANARYkaraden9f8e7d6c5b4a"

// texts returns every string an error can be shown as: its message, its %+v, its reason and
// every error it wraps.
func texts(err error) []string {
	var out []string
	for e := err; e != nil; e = errors.Unwrap(e) {
		out = append(out, e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
	}
	if e := sms.Classify(err); e != nil {
		out = append(out, e.Reason, e.Code)
	}
	return out
}

func assertNoCanary(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", what)
		return
	}
	for _, s := range texts(err) {
		if strings.Contains(s, canary) {
			t.Errorf("%s: the API key shows in %q", what, s)
		}
	}
}

func TestTheAPIKeyNeverShowsInAnError(t *testing.T) {
	ctx := context.Background()
	m := sms.Message{To: "+819000000001", Body: body, Campaign: "c", Ref: "1"}
	id := "82bdf9de-a532-4bf5-86bc-c9a1366e5f4a"
	every := func(t *testing.T, label string, p *karaden.Provider) {
		t.Helper()
		_, err := p.Send(ctx, m)
		assertNoCanary(t, label+": Send", err)
		_, err = p.Status(ctx, id)
		assertNoCanary(t, label+": Status", err)
		_, _, err = p.Find(ctx, m, time.Now())
		assertNoCanary(t, label+": Find", err)
		_, err = p.StatusBatch(ctx, []string{id}, time.Now())
		assertNoCanary(t, label+": StatusBatch", err)
		assertNoCanary(t, label+": Check", p.Check(ctx))
	}

	t.Run("Karaden refuses the key", func(t *testing.T) {
		s := newFake(t)
		cfg := config(s)
		cfg.APIKey = canary
		every(t, "401", newProvider(t, cfg))
	})
	t.Run("a proxy echoes the request's headers in its answers", func(t *testing.T) {
		for _, status := range []int{401, 422, 500, 503} {
			s, _ := recorder(t, func(w http.ResponseWriter, r *http.Request) {
				auth := r.Header.Get("Authorization")
				w.WriteHeader(status)
				if status == 503 {
					io.WriteString(w, "<html>bad gateway for "+auth+"</html>")
					return
				}
				fmt.Fprintf(w, `{"object":"error","code":"validation_error","message":"%s は使えません","errors":{"to":["%s"]}}`, auth, auth)
			})
			cfg := rawConfig(s)
			cfg.APIKey = canary
			every(t, fmt.Sprint(status), newProvider(t, cfg))
		}
	})
	t.Run("the network fails", func(t *testing.T) {
		s := newFake(t, karadentest.WithFaults(karadentest.Faults{Latency: time.Second}))
		cfg := config(s)
		cfg.APIKey, cfg.Timeout = canary, 30*time.Millisecond
		every(t, "timeout", newProvider(t, cfg))
		gone := newFake(t)
		cfg = config(gone)
		cfg.APIKey = canary
		gone.Close()
		every(t, "refused", newProvider(t, cfg))
		drop := newFake(t, karadentest.WithFaults(karadentest.Faults{AcceptThenDrop: 1}))
		cfg = config(drop)
		cfg.APIKey = canary
		_, err := newProvider(t, cfg).Send(ctx, m)
		assertNoCanary(t, "drop", err)
	})
	t.Run("the configuration is wrong", func(t *testing.T) {
		for _, cfg := range []karaden.Config{
			{TenantID: "", ServiceID: 1, APIKey: canary},
			{TenantID: "not-a-uuid", ServiceID: 1, APIKey: canary},
			{TenantID: karadentest.DefaultTenantID, ServiceID: 0, APIKey: canary},
			{TenantID: karadentest.DefaultTenantID, ServiceID: 1, APIKey: canary + "\n"},
			{TenantID: karadentest.DefaultTenantID, ServiceID: 1, APIKey: "k", BaseURL: "https://user:" + canary + "@prg.karaden.jp/api"},
			{TenantID: karadentest.DefaultTenantID, ServiceID: 1, APIKey: "k", BaseURL: "https://user:" + canary + "@127.0.0.1:443x/"},
			{TenantID: karadentest.DefaultTenantID, ServiceID: 1, APIKey: "k", BaseURL: "https://prg.karaden.jp/api?key=" + canary},
			{TenantID: karadentest.DefaultTenantID, ServiceID: 1, APIKey: "k", BaseURL: "http://user:" + canary + "@example.org/api"},
		} {
			_, err := karaden.New(cfg)
			assertNoCanary(t, fmt.Sprintf("New(base %q)", strings.ReplaceAll(cfg.BaseURL, canary, "…")), err)
		}
	})
}

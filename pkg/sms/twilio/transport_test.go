package twilio_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/twilio"
	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

// sendOnce sends one message through p and returns its classified error.
func sendOnce(t *testing.T, p *twilio.Provider) *sms.Error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := p.Send(ctx, sms.Message{To: "+819012345678", Body: "テスト", Ref: "1"})
	var se *sms.Error
	if !errors.As(err, &se) {
		t.Fatalf("Send error = %v, want an *sms.Error", err)
	}
	return se
}

func TestARedirectFromTheAPIAddressStopsTheRunWithAHint(t *testing.T) {
	for _, status := range []int{301, 302, 307, 308} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/login" {
					t.Errorf("the redirect was followed to %s", r.URL)
				}
				http.Redirect(w, r, "https://proxy.example.org/login?token=abc", status)
			}))
			defer srv.Close()
			p := newProvider(t, twilio.Config{AccountSID: twiliotest.DefaultAccountSID, AuthToken: twiliotest.DefaultAuthToken,
				From: from, BaseURL: srv.URL})
			se := sendOnce(t, p)
			if !se.Fatal || se.Permanent || se.Ambiguous {
				t.Errorf("a redirect must be fatal, never permanent or ambiguous: %+v", se)
			}
			want := "the Twilio address answered with a redirect (" + itoa(status) + " to https://proxy.example.org/login), " +
				"which Twilio's API never does: check twilio.base_url (leave it empty for Twilio itself) and any proxy " +
				"between this computer and Twilio; nothing was sent"
			if se.Reason != want {
				t.Errorf("reason =\n%s\nwant\n%s", se.Reason, want)
			}
			if strings.Contains(se.Error(), "token=abc") {
				t.Errorf("the redirect's query must not be repeated: %v", se)
			}
			if err := p.Check(context.Background()); err == nil || !sms.Classify(err).Fatal {
				t.Errorf("pre-flight Check after a redirect = %v, want fatal", err)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestTLSCertificateProblemsStopTheRunAtOnceNamingTheProblem(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request got through a refused certificate: %s", r.URL)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv.StartTLS()
	defer srv.Close()
	trusted := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	const proxy = "a proxy or security software that intercepts HTTPS (ask whoever runs the network to let " +
		"api.twilio.com through), or a wrong twilio.base_url; nothing was sent"
	tests := []struct {
		name    string
		baseURL string
		tls     *tls.Config
		want    string
	}{
		{"a self-signed or intercepting proxy's certificate names the unknown authority", srv.URL, &tls.Config{},
			"Twilio's TLS certificate is signed by an authority this computer does not trust: " + "check for " + proxy},
		{"a certificate for another host names both", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1), &tls.Config{RootCAs: trusted},
			"the TLS certificate is not for localhost (it is for example.com, *.example.com, 127.0.0.1, …): check for " + proxy},
		{"an expired certificate says to check the clock", srv.URL,
			&tls.Config{RootCAs: trusted, Time: func() time.Time { return time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC) }},
			"Twilio's TLS certificate has expired or is not yet valid (valid 1970-01-01 to 2084-01-29): check this computer's date, time and time zone, then for " + proxy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				calls.Add(1)
				return (&http.Transport{TLSClientConfig: tt.tls}).RoundTrip(r)
			})
			p := newProvider(t, twilio.Config{AccountSID: twiliotest.DefaultAccountSID, AuthToken: twiliotest.DefaultAuthToken,
				From: from, BaseURL: tt.baseURL, HTTPClient: &http.Client{Transport: rt}})
			start := time.Now()
			se := sendOnce(t, p)
			if !se.Fatal || se.Permanent || se.Ambiguous {
				t.Errorf("a certificate problem must be fatal at once: %+v", se)
			}
			if se.Code != "tls-certificate" {
				t.Errorf("code = %q, want tls-certificate", se.Code)
			}
			if se.Reason != tt.want {
				t.Errorf("reason =\n%s\nwant\n%s", se.Reason, tt.want)
			}
			if calls.Load() != 1 || time.Since(start) > 5*time.Second {
				t.Errorf("%d attempts in %v: a certificate problem is not retried", calls.Load(), time.Since(start))
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

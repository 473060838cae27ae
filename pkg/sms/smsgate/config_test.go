package smsgate_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/smsgate"
	"github.com/smscast/smscast/pkg/sms/smsgate/smsgatetest"
)

func TestBaseURLAllowsPlainHTTPOnlyOnTheClinicsNetwork(t *testing.T) {
	for _, tt := range []struct {
		name, url string
		ok        bool
		says      string // a part of the error
	}{
		{"a private 192.168 address", "http://192.168.1.20:8080", true, ""},
		{"a private 10 address", "http://10.0.0.5:8080", true, ""},
		{"a private 172.16 address", "http://172.16.3.4:8080", true, ""},
		{"the end of 172.16/12", "http://172.31.255.254:8080", true, ""},
		{"a link-local address", "http://169.254.10.20:8080", true, ""},
		{"loopback", "http://127.0.0.1:8080", true, ""},
		{"localhost", "http://localhost:8080", true, ""},
		{"IPv6 loopback", "http://[::1]:8080", true, ""},
		{"an IPv6 unique local address", "http://[fd12:3456::20]:8080", true, ""},
		{"an IPv6 link-local address with a zone", "http://[fe80::1%25wlan0]:8080", true, ""},
		{"an mDNS name", "http://clinic-phone.local:8080", true, ""},
		{"a trailing slash", "http://192.168.1.20:8080/", true, ""},
		{"https to a public name", "https://sms.example.org", true, ""},
		{"https to a public address", "https://203.0.113.7", true, ""},
		{"http to a public address", "http://203.0.113.7:8080", false, "write the phone's address on the clinic's network"},
		{"http just outside 172.16/12", "http://172.32.0.1:8080", false, "public address"},
		{"http to a public name", "http://sms.example.org:8080", false, "or use https://"},
		{"http to a bare name", "http://phone:8080", false, "public address"},
		{"http to a name that only looks local", "http://local:8080", false, "public address"},
		{"an IPv4-mapped public address", "http://[::ffff:203.0.113.7]:8080", false, "public address"},
		{"no scheme", "192.168.1.20:8080", false, "write it with http:// in front: http://192.168.1.20:8080"},
		{"another scheme", "ftp://192.168.1.20", false, "must start with http:// or https://"},
		{"a query", "http://192.168.1.20:8080/?x=1", false, "scheme, host, port and optional path only"},
		{"nothing", "", false, "set smsgate.base_url"},
		{"no host", "http://:8080", false, "not an address"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := smsgate.New(smsgate.Config{BaseURL: tt.url, Username: "sms", Password: "pw"})
			switch {
			case tt.ok && err != nil:
				t.Errorf("refused: %v", err)
			case !tt.ok && err == nil:
				t.Error("accepted")
			case !tt.ok && !strings.Contains(err.Error(), tt.says):
				t.Errorf("error %q does not say %q", err, tt.says)
			case !tt.ok && !strings.Contains(err.Error(), "smsgate.base_url"):
				t.Errorf("error %q does not name smsgate.base_url", err)
			}
		})
	}
}

func TestConfigErrorsNameTheSettingToFix(t *testing.T) {
	good := smsgate.Config{BaseURL: "http://192.168.1.20:8080", Username: "sms", Password: "pw"}
	for _, tt := range []struct {
		name string
		edit func(*smsgate.Config)
		says string
	}{
		{"no user name", func(c *smsgate.Config) { c.Username = "" }, "smsgate.username"},
		{"no password", func(c *smsgate.Config) { c.Password = "" }, smsgate.PasswordEnv},
		{"a SIM slot that does not exist", func(c *smsgate.Config) { c.SIMNumbers = []int{1, 4} }, "smsgate.sim_numbers: 4"},
		{"SIM slot zero", func(c *smsgate.Config) { c.SIMNumbers = []int{0} }, "smsgate.sim_numbers: 0"},
		{"a SIM slot twice", func(c *smsgate.Config) { c.SIMNumbers = []int{1, 1} }, "twice"},
		{"a negative daily limit", func(c *smsgate.Config) { c.DailyLimit = -1 }, "smsgate.daily_limit"},
		{"a negative timeout", func(c *smsgate.Config) { c.Timeout = -time.Second }, "smsgate.timeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			_, err := smsgate.New(c)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error = %v, want one naming %q", err, tt.says)
			}
		})
	}
}

// TestThePasswordNeverAppearsInAnError drives every failure the provider reports with a canary
// password and looks for it in the errors, printed every way a caller might print them.
func TestThePasswordNeverAppearsInAnError(t *testing.T) {
	const canary = "CANARYpw7f3e9d1c"
	ctx := context.Background()
	var errs []error
	collect := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	for _, raw := range []string{
		"http://sms:" + canary + "@192.168.1.20:8080", // parses: refused for its user info
		"http://sms:" + canary + "@192.168.1.20:80x",  // does not parse: bad port
		"http://sms:" + canary + "@[::1/x",            // does not parse: bad host
		"sms:" + canary + "@192.168.1.20:8080",        // no scheme
		"http://sms:" + canary + "@203.0.113.7:8080",  // public
	} {
		_, err := smsgate.New(smsgate.Config{BaseURL: raw, Username: "sms", Password: canary})
		if err == nil {
			t.Fatalf("%q was accepted", raw)
		}
		collect(err)
	}
	_, err := smsgate.New(smsgate.Config{BaseURL: "http://192.168.1.20:8080", Password: canary})
	collect(err)

	s := fake(t, smsgatetest.WithCredentials("sms", canary))
	m := sms.Message{To: "+819022220001", Body: body}
	wrong := newProvider(t, s, func(c *smsgate.Config) { c.Password = canary + "x" })
	_, err = wrong.Send(ctx, m)
	collect(err)
	collect(wrong.Check(ctx))
	_, err = wrong.Inbox(ctx, time.Time{})
	collect(err)
	_, err = wrong.Status(ctx, "sc-0")
	collect(err)

	p := newProvider(t, s, nil)
	for _, f := range []smsgatetest.Faults{
		{Invalid: []string{m.To}}, {ServerError: []string{m.To}}, {AcceptThenDrop: []string{m.To}},
		{Unavailable: []string{m.To}}, {HTMLErrors: true, AcceptThen500: []string{m.To}},
		{Latency: 200 * time.Millisecond},
	} {
		s.SetFaults(f)
		short := newProvider(t, s, func(c *smsgate.Config) { c.Timeout = 50 * time.Millisecond })
		_, err = short.Send(ctx, sms.Message{To: m.To, Body: body + fmt.Sprint(len(errs))})
		collect(err)
	}
	s.SetFaults(smsgatetest.Faults{FailAll: true, FaultReads: true})
	_, err = p.StatusBatch(ctx, []string{"a"}, time.Time{})
	collect(err)
	_, _, err = p.Find(ctx, m, time.Time{})
	collect(err)
	s.SetFaults(smsgatetest.Faults{})
	s.SetHealth("fail", nil)
	collect(p.Check(ctx))
	s.Close()
	collect(p.Check(ctx))
	_, err = p.Send(ctx, m)
	collect(err)

	if len(errs) < 20 {
		t.Fatalf("only %d errors collected: a case stopped failing", len(errs))
	}
	for _, err := range errs {
		for _, shown := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(shown, canary) {
				t.Errorf("the password shows in %q", shown)
			}
		}
		if e := sms.Classify(err); e.Err != nil && strings.Contains(fmt.Sprintf("%+v", e.Err), canary) {
			t.Errorf("the password shows in the wrapped error of %q", err)
		}
	}
}

func TestCheckTellsWhatIsWrongWithThePhone(t *testing.T) {
	ctx := context.Background()
	t.Run("a healthy phone passes", func(t *testing.T) {
		if err := newProvider(t, fake(t), nil).Check(ctx); err != nil {
			t.Error(err)
		}
	})
	t.Run("a warning passes", func(t *testing.T) {
		s := fake(t)
		s.SetHealth("warn", map[string]smsgatetest.HealthCheck{"battery:level": {ObservedUnit: "percent", ObservedValue: 15, Status: "warn"}})
		p := newProvider(t, s, nil)
		if err := p.Check(ctx); err != nil {
			t.Error(err)
		}
		h, err := p.Health(ctx)
		if err != nil || h.Status != "warn" || fmt.Sprint(h.Problems()) != "[battery:level warn (15 percent)]" {
			t.Errorf("Health = %+v, %v; problems %v", h, err, h.Problems())
		}
	})
	t.Run("a failing phone names its failing checks", func(t *testing.T) {
		s := fake(t)
		s.SetHealth("fail", map[string]smsgatetest.HealthCheck{
			"battery:level":     {ObservedUnit: "percent", ObservedValue: 3, Status: "fail"},
			"connection:status": {ObservedUnit: "boolean", ObservedValue: 1, Status: "pass"},
		})
		err := newProvider(t, s, nil).Check(ctx)
		if classOf(err) != fatal || !strings.Contains(err.Error(), "reports a problem: battery:level fail (3 percent)") || strings.Contains(err.Error(), "connection:status") {
			t.Errorf("Check = %v, want a fatal error naming the failing check only", err)
		}
	})
	t.Run("a phone that does not answer is named with what to check", func(t *testing.T) {
		s := fake(t)
		p := newProvider(t, s, nil)
		s.Close()
		err := p.Check(ctx)
		for _, want := range []string{s.URL, "refused the connection", "same Wi-Fi", "SMS Gateway is running", "Local server is switched on"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Check = %v, want it to say %q", err, want)
			}
		}
	})
	t.Run("a phone that is too slow is named with the time waited", func(t *testing.T) {
		s := fake(t, smsgatetest.WithFaults(smsgatetest.Faults{Latency: 300 * time.Millisecond}))
		err := newProvider(t, s, func(c *smsgate.Config) { c.Timeout = 50 * time.Millisecond }).Check(ctx)
		if err == nil || !strings.Contains(err.Error(), "did not answer within 50ms") || !strings.Contains(err.Error(), "same Wi-Fi") {
			t.Errorf("Check = %v", err)
		}
	})
	t.Run("a wrong password is caught although /health needs none", func(t *testing.T) {
		s := fake(t)
		err := newProvider(t, s, func(c *smsgate.Config) { c.Password = "wrong" }).Check(ctx)
		if classOf(err) != fatal || !strings.Contains(err.Error(), smsgate.PasswordEnv) {
			t.Errorf("Check = %v, want a fatal error about %s", err, smsgate.PasswordEnv)
		}
	})
	t.Run("something else at the address is not taken for the phone", func(t *testing.T) {
		s := stub(t, http.StatusOK, http.Header{"Content-Type": {"text/html"}}, "<html>router login</html>")
		err := stubProvider(t, s).Check(ctx)
		if classOf(err) != fatal || !strings.Contains(err.Error(), "not as SMS Gateway for Android does") {
			t.Errorf("Check = %v", err)
		}
	})
}

func TestInboxReadsEveryPageSinceTheGivenTime(t *testing.T) {
	s := fake(t)
	p := newProvider(t, s, nil)
	start := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	s.AddInbound(smsgatetest.Inbound{Sender: "+819022220000", Text: "before", At: start.Add(-time.Minute)})
	s.AddInbound(smsgatetest.Inbound{Sender: "+819022220000", Text: "an MMS", At: start.Add(time.Minute), Type: "MMS"})
	const n = 1203 // three pages of 500
	for i := range n {
		s.AddInbound(smsgatetest.Inbound{Sender: fmt.Sprintf("+81902222%04d", i), Text: "はい", At: start.Add(time.Duration(i) * time.Second)})
	}
	before := s.Requests()
	got, err := p.Inbox(context.Background(), start)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("Inbox returned %d messages, want %d", len(got), n)
	}
	if reqs := s.Requests() - before; reqs != 3 {
		t.Errorf("%d requests, want 3 pages", reqs)
	}
	for i, m := range got {
		if want := fmt.Sprintf("+81902222%04d", i); m.From != want || m.Text != "はい" || !m.At.Equal(start.Add(time.Duration(i)*time.Second)) || m.ID == "" {
			t.Fatalf("message %d = %+v, want one from %s, oldest first", i, m, want)
		}
	}
}

func TestInboxOfAnAppWithoutOneSaysToUpdate(t *testing.T) {
	s := stub(t, http.StatusNotImplemented, http.Header{"Content-Type": {"application/json"}}, `{"message":"Not implemented"}`)
	_, err := stubProvider(t, s).Inbox(context.Background(), time.Time{})
	if classOf(err) != fatal || !strings.Contains(err.Error(), "update the app") {
		t.Errorf("Inbox = %v", err)
	}
}

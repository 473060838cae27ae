package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/smscast/smscast/pkg/sms/smsgate/smsgatetest"
	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

// The internet line goes down after a few messages: the same run carries on through the
// clinic's phone on the LAN, and nobody is texted twice across the two.
func TestWhenTwilioGoesDownTheSendCarriesOnThroughThePhone(t *testing.T) {
	tw := twiliotest.NewServer(twiliotest.WithFaults(twiliotest.Faults{OutageAfter: 2}))
	defer tw.Close()
	phone := smsgatetest.NewServer()
	defer phone.Close()
	e := newTestEnv(t)
	useFakeTwilio(e, tw)
	e.env["SMSCAST_SMSGATE_BASE_URL"] = phone.URL
	e.env["SMSCAST_SMSGATE_USERNAME"] = phone.Username
	e.env["SMSGATE_PASSWORD"] = phone.Password
	e.env["SMSCAST_FAILOVER"] = "smsgate"
	e.env["SMSCAST_FAILOVER_AFTER"] = "200ms"
	e.env["SMSCAST_WORKERS"] = "1"
	r := e.run("send", "outage", "--to", fixture, "--yes", "--json", "--campaign", "fo", "--report-dir", e.dir, "--rate", "0")
	var res sendResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("exit %d %v\n%s", r.code, err, r.stderr)
	}
	if !strings.Contains(r.stderr, "continuing through smsgate") {
		t.Errorf("the failover must be said once:\n%s", r.stderr)
	}
	both := map[string]int{}
	for to, n := range tw.Counts() {
		both[to] += n
	}
	for to, n := range phone.Counts() {
		both["+81"+strings.TrimPrefix(to, "0")] += n
		both[to] += 0
	}
	for to, n := range both {
		if n > 1 {
			t.Errorf("%s texted %d times across both routes", to, n)
		}
	}
	if len(phone.Counts()) == 0 {
		t.Fatalf("nothing went through the phone: twilio %v\n%s", tw.Counts(), r.stderr)
	}
	if res.Accepted+res.Unknown != 3 || (res.Unknown == 0 && r.code != ExitOK) {
		t.Errorf("result %+v, exit %d: every sendable message accepted by some route, or unknown\n%s", res, r.code, r.stderr)
	}
}

func TestAFailoverListNamingAnUnknownProviderOrThePrimaryIsRefused(t *testing.T) {
	for value, want := range map[string]string{
		"smsgat": `did you mean smsgate?`,
		"sim":    `is the provider itself`,
	} {
		e := newTestEnv(t)
		e.env["SMSCAST_FAILOVER"] = value
		r := e.run("send", "outage", "--to", fixture, "--dry-run")
		if r.code != ExitUsage || !strings.Contains(r.stderr, want) {
			t.Errorf("failover %s: exit %d\n%s", value, r.code, r.stderr)
		}
	}
}

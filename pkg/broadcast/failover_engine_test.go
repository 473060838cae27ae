package broadcast_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/broadcast"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms/smsgate"
	"github.com/smscast/smscast/pkg/sms/smsgate/smsgatetest"
	"github.com/smscast/smscast/pkg/sms/twilio"
	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

// phoneRoute is the clinic's Android phone on the fake: two SIMs, each its own line.
func phoneRoute(t *testing.T, gw *smsgatetest.Server) broadcast.Route {
	t.Helper()
	p, err := smsgate.New(smsgate.Config{BaseURL: gw.URL, Username: smsgatetest.DefaultUsername, Password: smsgatetest.DefaultPassword,
		SIMNumbers: []int{1, 2}, HTTPClient: gw.Client(), Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r := broadcast.Route{Name: "smsgate", Sender: p, DailyLimit: p.DailyLimit()}
	for _, n := range p.SIMNumbers() {
		s, err := p.ForSIM(n)
		if err != nil {
			t.Fatal(err)
		}
		r.Lines = append(r.Lines, broadcast.Line{Name: fmt.Sprintf("sim%d", n), Sender: s})
	}
	return r
}

// failoverConfig keeps the outage's waits short on the real clock.
func failoverConfig(phone broadcast.Route, onEvent func(broadcast.Event)) broadcast.Config {
	return broadcast.Config{
		Workers:         8,
		Primary:         broadcast.Route{Name: "twilio"},
		Fallbacks:       []broadcast.Route{phone},
		FailoverAfter:   500 * time.Millisecond,
		BreakerPause:    50 * time.Millisecond,
		BreakerPauseMax: 200 * time.Millisecond,
		GraceFloor:      100 * time.Millisecond,
		OnEvent:         onEvent,
	}
}

// checkOnce checks that every number has at most one message across both fakes, that every
// number without one is unknown, and that each delivery names the provider (and SIM) that
// carried it.
func checkOnce(t *testing.T, j *journal.Journal, n int, tw *twiliotest.Server, gw *smsgatetest.Server) (viaTwilio, viaPhone, unknown int) {
	t.Helper()
	ds, err := j.Deliveries(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	sims := map[string]int{}
	for _, m := range gw.Messages() {
		sims[m.To] = m.SIM
	}
	for _, d := range ds {
		a, b := tw.Count(d.To), gw.Count(d.To)
		switch {
		case a+b > 1:
			t.Errorf("%s received %d through twilio and %d through the phone", d.To, a, b)
		case a+b == 0:
			unknown++
			if d.State != journal.Unknown || d.ErrorCode != broadcast.CodeNotAsked || d.Provider != "twilio" {
				t.Errorf("%s received nothing and is %s (%q via %q)", d.To, d.State, d.ErrorCode, d.Provider)
			}
		case a == 1:
			viaTwilio++
			if !d.State.Accepted() || d.Provider != "twilio" {
				t.Errorf("%s sent through twilio: %s via %q", d.To, d.State, d.Provider)
			}
		default:
			viaPhone++
			if want := fmt.Sprintf("smsgate/sim%d", sims[d.To]); !d.State.Accepted() || d.Provider != want {
				t.Errorf("%s sent from SIM %d: %s via %q", d.To, sims[d.To], d.State, d.Provider)
			}
		}
	}
	if len(ds) != n {
		t.Errorf("%d deliveries, want %d", len(ds), n)
	}
	return viaTwilio, viaPhone, unknown
}

func TestTwilioGoesDownAndThePhoneCarriesOnTextingNobodyTwice(t *testing.T) {
	const n = 200
	tw := twiliotest.NewServer(twiliotest.WithFaults(twiliotest.Faults{OutageAfter: 60}))
	defer tw.Close()
	gw := smsgatetest.NewServer()
	defer gw.Close()
	tr := pooledTransport()
	defer tr.CloseIdleConnections()
	primary := newTwilioProviderTimeout(t, tw, tr, 300*time.Millisecond)
	j := newTwilioCampaign(t, n)

	var mu sync.Mutex
	var failovers []broadcast.Event
	cfg := failoverConfig(phoneRoute(t, gw), func(ev broadcast.Event) {
		if ev.Kind == broadcast.EventFailover {
			mu.Lock()
			failovers = append(failovers, ev)
			mu.Unlock()
		}
	})
	res, err := broadcast.Run(context.Background(), j, "c", primary, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(failovers) != 1 || failovers[0].Message != "the primary provider twilio is unreachable: continuing through smsgate" {
		t.Fatalf("failover events %+v", failovers)
	}
	viaTwilio, viaPhone, unknown := checkOnce(t, j, n, tw, gw)
	t.Logf("twilio %d, phone %d, unknown %d", viaTwilio, viaPhone, unknown)
	if viaTwilio != 60 || viaPhone == 0 || res.Accepted != viaTwilio+viaPhone || res.Unknown != unknown || res.Pending != 0 {
		t.Fatalf("result %+v; twilio %d, phone %d, unknown %d", res, viaTwilio, viaPhone, unknown)
	}
	perSIM := map[int]int{}
	for _, m := range gw.Messages() {
		perSIM[m.SIM]++
	}
	if d := perSIM[1] - perSIM[2]; d < -1 || d > 1 || perSIM[0] != 0 {
		t.Errorf("messages per SIM %v: want them spread over SIMs 1 and 2", perSIM)
	}

	// Twilio is back: a later run asks it about what it may have sent, and sends the rest.
	tw.EndOutage()
	res, err = broadcast.Run(context.Background(), j, "c", primary, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != n || res.Unknown != 0 || res.Pending != 0 || res.Failed != 0 || len(res.Failovers) != 0 {
		t.Fatalf("second run: %+v", res)
	}
	if _, _, unknown := checkOnce(t, j, n, tw, gw); unknown != 0 {
		t.Errorf("%d numbers still without a message", unknown)
	}
}

func TestTwilioRefusesTheCredentialsAndThePhoneSendsEveryMessage(t *testing.T) {
	const n = 200
	tw := twiliotest.NewServer()
	defer tw.Close()
	gw := smsgatetest.NewServer()
	defer gw.Close()
	primary, err := twilio.New(twilio.Config{AccountSID: tw.AccountSID, AuthToken: "wrongtoken0000", From: twilioFrom, BaseURL: tw.URL})
	if err != nil {
		t.Fatal(err)
	}
	j := newTwilioCampaign(t, n)
	res, err := broadcast.Run(context.Background(), j, "c", primary, failoverConfig(phoneRoute(t, gw), nil))
	if err != nil {
		t.Fatal(err)
	}
	// What the exit code is made of: every sendable message accepted.
	if res.Accepted != n || res.Unknown+res.Pending+res.Failed != 0 || len(res.Failovers) != 1 {
		t.Fatalf("result %+v", res)
	}
	if f := res.Failovers[0]; f.From != "twilio" || f.To != "smsgate" || f.Err == nil {
		t.Errorf("failover %+v", f)
	}
	if viaTwilio, viaPhone, _ := checkOnce(t, j, n, tw, gw); viaTwilio != 0 || viaPhone != n {
		t.Errorf("twilio %d, phone %d", viaTwilio, viaPhone)
	}
}

package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

// TestAmbiguousCreatesAreNeverSentTwice runs the real binary against the fake Twilio while it
// takes creates in after the client's timeout, or stores them and then answers 500 (Twilio's
// JSON, code 20500) or a gateway's HTML 504, and reruns the same command until the campaign is
// done: every number must hold exactly one message at the fake.
//
// twilio.timeout is 300ms and reconcile_grace is shortened per case to a second past the late
// acceptance (the default 30 s is longer than any provider was seen to take), so every case runs
// in CI, in parallel, in a few seconds.
func TestAmbiguousCreatesAreNeverSentTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const n = 60
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name   string
		faults twiliotest.Faults
	}{
		{"accept-then-500 at 10 %", twiliotest.Faults{AcceptThen500: 0.1}},
		{"accept-then-HTML-504 at 10 %", twiliotest.Faults{AcceptThen504: 0.1}},
		{"late acceptance within the timeout", twiliotest.Faults{LateAccept: 0.2, LateBy: timeout - 100*time.Millisecond}},
		{"late acceptance just after the timeout", twiliotest.Faults{LateAccept: 0.2, LateBy: timeout + 50*time.Millisecond}},
		{"late acceptance at twice the timeout", twiliotest.Faults{LateAccept: 0.2, LateBy: 2 * timeout}},
		{"late acceptance at ten times the timeout", twiliotest.Faults{LateAccept: 0.2, LateBy: 10 * timeout}},
	}
	bin := buildBinary(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The grace floor (reconcile_grace) is shortened to what each case needs: longer than
			// the provider's late acceptance, as the default 30 s is longer than any seen.
			grace := max(time.Second, tt.faults.LateBy+time.Second)
			t.Parallel()
			fake := twiliotest.NewServer(twiliotest.WithAccount(crashSID, crashToken), twiliotest.WithSeed(uint64(i+1)), twiliotest.WithFaults(tt.faults))
			defer fake.Close()
			dir := t.TempDir()
			list := writeList(t, dir, n)
			args := []string{"send", "outage", "--to", list, "--yes", "--campaign", "ambiguous", "--report-dir", dir,
				"--json", "--rate", "0", "--workers", "8"}
			environ := env(dir,
				"SMSCAST_PROVIDER=twilio",
				"SMSCAST_TWILIO_FROM="+crashFrom,
				"SMSCAST_TWILIO_BASE_URL="+fake.URL,
				"SMSCAST_TWILIO_TIMEOUT="+timeout.String(),
				"SMSCAST_RECONCILE_GRACE="+grace.String(),
				"TWILIO_ACCOUNT_SID="+crashSID,
				"TWILIO_AUTH_TOKEN="+crashToken,
			)
			start := time.Now()
			for run := 1; ; run++ {
				if run > 5 {
					t.Fatalf("not done after %d runs", run-1)
				}
				cmd := exec.Command(bin, args...)
				cmd.Env = environ
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				code := cmd.ProcessState.ExitCode()
				t.Logf("run %d: exit %d after %v, %d numbers at the fake", run, code, time.Since(start).Round(time.Millisecond), len(fake.Counts()))
				if code == 0 {
					break
				}
				if code != 1 && code != 3 {
					t.Fatalf("run %d: exit %d (%v); stderr:\n%s", run, code, err, stderr.String())
				}
			}
			faults := map[string]int{}
			for _, m := range fake.Messages() {
				faults[m.Fault]++
			}
			var dup, missing []string
			counts := fake.Counts()
			for i := range n {
				switch c := counts[crashE164(i)]; {
				case c == 0:
					missing = append(missing, crashE164(i))
				case c > 1:
					dup = append(dup, fmt.Sprintf("%s×%d", crashE164(i), c))
				}
			}
			t.Logf("%d messages at the fake by fault %v, %d requests, %v", len(fake.Messages()), faults, fake.Requests(), time.Since(start).Round(time.Millisecond))
			if len(faults) < 2 {
				t.Errorf("the fault was not exercised: %v", faults)
			}
			if len(dup) > 0 || len(missing) > 0 {
				t.Fatalf("not exactly once: duplicates %v; missing %v", head(dup), head(missing))
			}
		})
	}
}

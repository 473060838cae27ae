package broadcast

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/smscast/smscast/pkg/sms"
)

// The breaker's pause says why, in the provider's plain reason, and for how long.
func TestThePauseSaysWhyAndForHowLong(t *testing.T) {
	clk := newClock()
	j, _ := newCampaign(t, 10)
	var calls atomic.Int32
	down := &sms.Error{Code: "20503", Reason: "Twilio is unavailable (503): nothing was accepted; smscast tries again"}
	p := newProvider(clk.Now, func(sms.Message, int) (bool, error) {
		if c := calls.Add(1); c <= 5 {
			return false, down
		}
		return true, nil
	})
	var pauses []Event
	cfg := testConfig(clk)
	cfg.Workers = 1
	cfg.MaxAttempts = 100
	cfg.OnEvent = func(e Event) {
		if e.Kind == EventPause {
			pauses = append(pauses, e)
		}
	}
	if _, err := Run(context.Background(), j, "c", p, cfg); err != nil {
		t.Fatal(err)
	}
	const want = "the provider failed 5 times in a row (last: Twilio is unavailable (503): nothing was accepted; smscast tries again (code 20503)): pausing 2s before trying again"
	if len(pauses) != 1 || pauses[0].Message != want {
		var got []string
		for _, e := range pauses {
			got = append(got, e.Message)
		}
		t.Fatalf("pauses %q\nwant  [%q]", got, want)
	}
	if pauses[0].Err != down || pauses[0].Wait.String() != "2s" {
		t.Errorf("the event carries the error and the wait: %v %v", pauses[0].Err, pauses[0].Wait)
	}
}

func TestPauseCauseIsTheReasonWithoutNumbers(t *testing.T) {
	tests := []struct {
		name string
		err  *sms.Error
		want string
	}{
		{"the reason and its code", &sms.Error{Code: "20500", Reason: "Twilio had an internal error"},
			"Twilio had an internal error (code 20500)"},
		{"a number the provider quotes is hidden", &sms.Error{Code: "21211", Reason: "The 'To' number +81 90-1234-5678 is not valid"},
			"The 'To' number *** is not valid (code 21211)"},
		{"a national number is hidden too", &sms.Error{Reason: "rejected 09012345678 (blocked)"},
			"rejected *** (blocked)"},
		{"a date and a status stay", &sms.Error{Code: "503", Reason: "down since 2026-12-01 (503)"},
			"down since 2026-12-01 (503) (code 503)"},
		{"only the first line of a page", &sms.Error{Code: "502", Reason: "Bad Gateway\n<html><body>nginx</body></html>"},
			"Bad Gateway (code 502)"},
		{"no reason: the wrapped error is not shown", &sms.Error{Code: "network", Err: errorString("Post \"https://api.example/Accounts/AC123/Messages.json\": EOF")},
			"error code network"},
		{"nothing at all", &sms.Error{}, "no reason given"},
		{"no error", nil, "no reason given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pauseCause(tt.err); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	long := pauseCause(&sms.Error{Reason: strings.Repeat("あ", 500)})
	if n := len([]rune(long)); n != maxCause+1 || !strings.HasSuffix(long, "…") {
		t.Errorf("a long reason is cut at %d characters: %d %q", maxCause, n, long)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

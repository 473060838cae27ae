package cli

import (
	"strings"
	"testing"
	"time"
)

func TestCallAfterReadsOneDurationOrOnePerCarrier(t *testing.T) {
	for _, c := range []struct {
		in   any
		want callAfter
		err  string
	}{
		{in: "2h", want: callAfter{Default: 2 * time.Hour}},
		{in: map[string]any{"default": "90m", "AU": "70m"}, want: callAfter{Default: 90 * time.Minute, ByCarrier: map[string]time.Duration{"au": 70 * time.Minute}}},
		{in: map[string]any{"docomo": "3h"}, want: callAfter{Default: 2 * time.Hour, ByCarrier: map[string]time.Duration{"docomo": 3 * time.Hour}}},
		{in: map[any]any{"softbank": "1h"}, want: callAfter{Default: 2 * time.Hour, ByCarrier: map[string]time.Duration{"softbank": time.Hour}}},
		{in: "soon", err: "call_after: soon is not a duration"},
		{in: "-1h", err: "must not be negative"},
		{in: map[string]any{"ymobile": "1h"}, err: "call_after.ymobile: not a carrier smscast knows"},
		{in: map[string]any{"au": 5}, err: "call_after.au: 5 is not a duration"},
		{in: 3, err: "neither a duration nor a list of carriers"},
	} {
		got, err := parseCallAfter(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got.String() != c.want.String() {
			t.Errorf("%v: %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestABadCallAfterInTheConfigNamesTheLine(t *testing.T) {
	e := newTestEnv(t)
	conf := e.write("config.yaml", "lang: ja\ncall_after:\n  default: 2h\n  AUU: 70m\n")
	r := e.run("--config", conf, "send", "outage", "--to", fixture, "--yes", "--dry-run")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "line 4: call_after.AUU: not a carrier") ||
		!strings.Contains(r.stderr, "{default: 2h, au: 70m}") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	e.env["SMSCAST_CALL_AFTER"] = "later"
	r = e.run("send", "outage", "--to", fixture, "--yes", "--dry-run")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "call_after: later is not a duration") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

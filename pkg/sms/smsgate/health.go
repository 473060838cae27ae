package smsgate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/smscast/smscast/pkg/sms"
)

// Health is the app's own health report (GET /health).
type Health struct {
	Status  string                 `json:"status"` // pass, warn or fail
	Version string                 `json:"version"`
	Checks  map[string]HealthCheck `json:"checks"` // battery:level, connection:status, …
}

// HealthCheck is one of the app's checks.
type HealthCheck struct {
	Description   string `json:"description"`
	ObservedUnit  string `json:"observedUnit"`
	ObservedValue int    `json:"observedValue"`
	Status        string `json:"status"`
}

// Problems lists the checks that do not pass, sorted, as "battery:level warn (12 percent)".
func (h Health) Problems() []string {
	var out []string
	for name, c := range h.Checks {
		if c.Status == "pass" || c.Status == "" {
			continue
		}
		s := name + " " + c.Status
		if c.ObservedUnit != "" {
			s += fmt.Sprintf(" (%d %s)", c.ObservedValue, c.ObservedUnit)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Health asks the phone how it is (GET /health, which needs no password). The phone answers
// 503 with the same report when it is not ready.
func (p *Provider) Health(ctx context.Context) (Health, error) {
	a := p.do(ctx, http.MethodGet, "/health", nil, nil)
	if a.status == 0 || a.err != nil {
		return Health{}, p.unreachable(a.err)
	}
	var h Health
	if err := json.Unmarshal(a.body, &h); err != nil || h.Status == "" {
		return Health{}, &sms.Error{Code: "health", Fatal: true, Err: err,
			Reason: fmt.Sprintf("smsgate: %s answered %d, but not as SMS Gateway for Android does: check smsgate.base_url (the address and port the app shows under Local server)", p.base.Redacted(), a.status)}
	}
	return h, nil
}

// Check is the pre-flight check: the phone answers, says it is healthy (a warning passes), and
// accepts our user name and password (GET /messages?limit=1: /health needs none).
func (p *Provider) Check(ctx context.Context) error {
	h, err := p.Health(ctx)
	if err != nil {
		return err
	}
	if h.Status == "fail" {
		reason := fmt.Sprintf("smsgate: the phone at %s reports a problem", p.base.Redacted())
		if probs := h.Problems(); len(probs) > 0 {
			reason += ": " + strings.Join(probs, ", ")
		}
		return &sms.Error{Code: "health", Fatal: true, Reason: reason + ": fix it on the phone (charge it, check its mobile signal), then try again"}
	}
	a := p.do(ctx, http.MethodGet, "/messages", url.Values{"limit": {"1"}}, nil)
	switch {
	case a.status == 0 || a.err != nil:
		return p.unreachable(a.err)
	case a.status >= 300:
		e := httpError(a.status, a.header, a.body, opRead, p.cfg.Now())
		e.Fatal = true
		e.Reason = "smsgate: " + e.Reason
		return e
	}
	return nil
}

// unreachable is the error for a phone that does not answer: it names the address and what to
// look at, since the usual causes are on the phone or the Wi-Fi, not in smscast.
func (p *Provider) unreachable(err error) error {
	what := "does not answer"
	switch {
	case errors.Is(err, errConnRefused):
		what = "refused the connection"
	case errors.Is(err, context.DeadlineExceeded):
		what = fmt.Sprintf("did not answer within %s", p.cfg.Timeout)
	}
	return &sms.Error{Code: "unreachable", Fatal: true, Err: err,
		Reason: fmt.Sprintf("smsgate: the phone at %s %s: check that this computer and the phone are on the same Wi-Fi, that SMS Gateway is running on the phone, and that its Local server is switched on (the app shows the address to put in smsgate.base_url)", p.base.Redacted(), what)}
}

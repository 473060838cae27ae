package karaden

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/smscast/smscast/pkg/sms"
)

// Bounds on how much of an answer is kept in memory: a page of 100 messages of 660 characters is
// about 300 KB.
const (
	maxBody      = 8 << 20
	maxErrorBody = 1 << 20
)

// do makes one request with the provider's timeout and returns the body of a 2xx answer, or the
// classified error. A POST is a create: after it was written, a failure is ambiguous.
func (p *Provider) do(ctx context.Context, method, path string, q url.Values, form url.Values) ([]byte, *sms.Error) {
	b, err := p.roundTrip(ctx, method, path, q, form)
	if err != nil {
		p.scrub(err)
	}
	return b, err
}

// scrub removes the API key from an error: the reason quotes the answer, and a proxy that echoes
// the request's headers back would otherwise put the key in the report.
func (p *Provider) scrub(e *sms.Error) {
	const mask = "[" + EnvAPIKey + "]"
	e.Reason = strings.ReplaceAll(e.Reason, p.cfg.APIKey, mask)
	if e.Err != nil && strings.Contains(e.Err.Error(), p.cfg.APIKey) {
		e.Err = errors.New(strings.ReplaceAll(e.Err.Error(), p.cfg.APIKey, mask))
	}
}

func (p *Provider) roundTrip(ctx context.Context, method, path string, q url.Values, form url.Values) ([]byte, *sms.Error) {
	create := method == http.MethodPost
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()

	u := *p.base
	u.Path = p.base.Path + "/" + url.PathEscape(p.cfg.TenantID) + path
	if q != nil {
		u.RawQuery = q.Encode()
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, &sms.Error{Code: "request", Reason: "could not build the request to Karaden", Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+p.cfg.APIKey)
	req.Header.Set("Karaden-Version", APIVersion)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "smscast")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}

	// WroteRequest is called once the request was handed to the connection, whether or not the
	// write succeeded: a partial write may still have reached Karaden, so both count as written.
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	}))
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, classifyNetwork(ctx, err, wrote.Load(), create)
	}
	defer resp.Body.Close()
	limit := int64(maxBody)
	if resp.StatusCode >= 300 {
		limit = maxErrorBody
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if resp.StatusCode >= 300 || resp.StatusCode < 200 {
		return nil, classifyAnswer(resp.StatusCode, resp.Header, b, create, p.cfg.Now())
	}
	if err != nil {
		// The answer was cut off: Karaden had accepted the request.
		e := classifyNetwork(ctx, err, true, create)
		e.Reason = "Karaden's answer was cut off"
		if create {
			e.Reason += ": the message may have been accepted"
		}
		return nil, e
	}
	return b, nil
}

package smsgate

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
)

// maxBody bounds how much of an answer is read: a page of 100 message states is a few tens of
// kilobytes.
const maxBody = 4 << 20

// answer is what one request got back.
type answer struct {
	status int // 0 when no answer arrived
	header http.Header
	body   []byte
	wrote  bool  // the request was handed to the connection: the phone may have read it
	err    error // the request failed, or the body could not be read
}

// do sends one request with the provider's timeout and Basic auth and reads the whole answer.
func (p *Provider) do(ctx context.Context, method, path string, q url.Values, payload []byte) answer {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		// Called once the request was handed to the connection, whether or not the write
		// succeeded: a partial write may still have reached the phone, so both count.
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	})
	u := *p.base
	u.Path = p.base.Path + path
	u.RawQuery = q.Encode()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return answer{err: err}
	}
	req.SetBasicAuth(p.cfg.Username, p.cfg.Password)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return answer{wrote: wrote.Load(), err: scrub(err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	a := answer{status: resp.StatusCode, header: resp.Header, body: b, wrote: true}
	if err != nil {
		a.err = scrub(err)
	}
	return a
}

// scrub drops the request URL from a *url.Error: it never holds the password (that travels in a
// header), but the operation and address are said better by our own reasons.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

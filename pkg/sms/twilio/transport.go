package twilio

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// call is the RoundTripper of one provider call. twilio-go's calls take no context and drop the
// response headers of errors, so each call builds a throwaway twilio-go client whose
// http.Client uses a fresh call: it carries the call's context, rewrites the host for BaseURL,
// notes whether the request was written (to tell a transient failure from an ambiguous one),
// and keeps Retry-After and Twilio-Concurrent-Requests. All calls share one underlying
// transport, so connections are pooled across calls and goroutines.
type call struct {
	ctx  context.Context
	base http.RoundTripper
	to   *url.URL // BaseURL, or nil for Twilio itself
	now  func() time.Time

	mu   sync.Mutex
	info callInfo
}

// callInfo is what the transport saw of the last request of a call.
type callInfo struct {
	wrote      bool // the request may have reached the server
	status     int  // HTTP status of the answer, 0 if none
	retryAfter time.Duration
	concurrent int // Twilio-Concurrent-Requests
}

func (c *call) snapshot() callInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info
}

// maxErrorBody bounds how much of an error answer is kept in memory.
const maxErrorBody = 1 << 20

func (c *call) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.info = callInfo{}
	c.mu.Unlock()
	trace := &httptrace.ClientTrace{
		// Called once the request has been handed to the connection, whether or not the write
		// succeeded: a partial write may still have reached the server, so both count as written.
		WroteRequest: func(httptrace.WroteRequestInfo) {
			c.mu.Lock()
			c.info.wrote = true
			c.mu.Unlock()
		},
	}
	r := req.WithContext(httptrace.WithClientTrace(c.ctx, trace))
	if c.to != nil {
		u := *r.URL
		u.Scheme, u.Host = c.to.Scheme, c.to.Host
		u.Path = strings.TrimSuffix(c.to.Path, "/") + u.Path
		u.RawPath = ""
		r.URL, r.Host = &u, ""
	}
	resp, err := c.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// Twilio's API never redirects. twilio-go would read a redirect as a success or as an
		// undecodable answer, and the message would be marked failed or unknown; it is the
		// address (base_url, a proxy) that is wrong, for every message alike.
		io.CopyN(io.Discard, resp.Body, 64<<10)
		resp.Body.Close()
		c.mu.Lock()
		c.info.status = resp.StatusCode
		c.mu.Unlock()
		return nil, &redirectError{status: resp.StatusCode, location: redactLocation(resp.Header.Get("Location"))}
	}
	c.mu.Lock()
	c.info.status = resp.StatusCode
	if resp.StatusCode >= 400 {
		c.info.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	}
	if n, err := strconv.Atoi(resp.Header.Get("Twilio-Concurrent-Requests")); err == nil {
		c.info.concurrent = n
	}
	c.mu.Unlock()
	if resp.StatusCode >= 400 {
		// twilio-go never closes the body of an error answer: read it here and close the
		// connection's body, so the connection goes back to the pool.
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
	} else {
		resp.Body = drainOnClose{resp.Body}
	}
	return resp, nil
}

// redirectError is a 3xx answer: the request went to an address that is not Twilio's API.
type redirectError struct {
	status   int
	location string // scheme, host and path only: a query may hold anything
}

func (e *redirectError) Error() string {
	if e.location == "" {
		return fmt.Sprintf("redirect %d", e.status)
	}
	return fmt.Sprintf("redirect %d to %s", e.status, e.location)
}

// redactLocation keeps the scheme, host and path of a Location header.
func redactLocation(loc string) string {
	u, err := url.Parse(loc)
	if err != nil || loc == "" {
		return ""
	}
	u.User, u.RawQuery, u.Fragment, u.RawFragment = nil, "", "", ""
	return u.String()
}

// drainOnClose reads what the JSON decoder left (usually nothing but the final EOF) before
// closing, so that the connection can be reused.
type drainOnClose struct{ io.ReadCloser }

func (d drainOnClose) Close() error {
	io.CopyN(io.Discard, d.ReadCloser, 64<<10)
	return d.ReadCloser.Close()
}

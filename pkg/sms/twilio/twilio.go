// Package twilio sends SMS through Twilio's Messages API with github.com/twilio/twilio-go.
package twilio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/segment"
)

// DefaultRate is the default sending rate in messages per second.
//
// Twilio's sender throughput is per sender, in segments per second: a US long code 1, a
// toll-free number 3, an alphanumeric sender ID 10 (the usual choice for Japan), a short code
// 100; a messaging service adds up the throughput of its senders. Twilio queues what exceeds it
// for up to 10 hours, so a faster rate does not fail but delays the last patients. 10 messages a
// second matches an alphanumeric sender for one-segment messages, reaches 200 patients in 20
// seconds, and keeps API concurrency far below Twilio's account limit even with slow answers.
// Long Japanese messages (UCS-2: 67 characters per part) take more than one segment each: use a
// rate in segments for those.
const DefaultRate = 10.0

// DefaultTimeout bounds one API request when Config.Timeout is zero. A send that times out is
// ambiguous and must be reconciled, so this is generous.
const DefaultTimeout = 15 * time.Second

// FindSkew is how far before the attempt Find looks, to allow for clock differences with Twilio.
const FindSkew = 2 * time.Minute

const (
	findPageSize = 100
	findMaxPages = 10
)

// Config configures the provider. The yaml keys sit under twilio: in the config file; the
// credentials come only from the environment (see Declare) and have no key.
type Config struct {
	AccountSID string `yaml:"account_sid" mapstructure:"account_sid"` // TWILIO_ACCOUNT_SID, else twilio.account_sid: always required
	AuthToken  string `yaml:"-" mapstructure:"-"`                     // TWILIO_AUTH_TOKEN, or:
	APIKey     string `yaml:"-" mapstructure:"-"`                     // TWILIO_API_KEY (SK…) with
	APISecret  string `yaml:"-" mapstructure:"-"`                     // TWILIO_API_SECRET; preferred over the auth token when both are set

	From                string `yaml:"from" mapstructure:"from"`                                   // E.164 number, short code or alphanumeric sender ID
	MessagingServiceSID string `yaml:"messaging_service_sid" mapstructure:"messaging_service_sid"` // MG…: instead of or with From
	StatusCallback      string `yaml:"status_callback" mapstructure:"status_callback"`             // URL Twilio posts status changes to
	ValidityPeriod      int    `yaml:"validity_period" mapstructure:"validity_period"`             // seconds Twilio may hold the message (1–36000)

	BaseURL    string        `yaml:"base_url" mapstructure:"base_url"` // tests and proxies; http only on loopback
	Timeout    time.Duration `yaml:"timeout" mapstructure:"timeout"`   // per request; DefaultTimeout when zero
	HTTPClient *http.Client  `yaml:"-" mapstructure:"-"`               // its Transport (and Timeout) are used; a pooled transport when nil

	Now func() time.Time `yaml:"-" mapstructure:"-"` // clock for Retry-After dates; time.Now when nil
}

// Provider is the Twilio SMS provider: sms.Sender, StatusChecker, StatusBatcher, Finder, Checker
// and Timeouter.
// It is safe for concurrent use.
type Provider struct {
	cfg        Config
	creds      *client.Credentials
	to         *url.URL
	base       http.RoundTripper
	template   http.Client
	concurrent atomic.Int64
}

var (
	_ sms.Sender        = (*Provider)(nil)
	_ sms.StatusChecker = (*Provider)(nil)
	_ sms.Finder        = (*Provider)(nil)
	_ sms.Timeouter     = (*Provider)(nil)
)

var (
	accountSIDRe = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	apiKeyRe     = regexp.MustCompile(`^SK[0-9a-fA-F]{32}$`)
	serviceSIDRe = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	messageSIDRe = regexp.MustCompile(`^(SM|MM)[0-9a-fA-F]{32}$`)
	alnumRe      = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	e164Re       = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	shortCodeRe  = regexp.MustCompile(`^[0-9]{3,8}$`)
	alphaIDRe    = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
	letterRe     = regexp.MustCompile(`[A-Za-z]`)
)

// New validates cfg and returns a provider. Its errors name the setting to fix and never
// contain a secret.
func New(cfg Config) (*Provider, error) {
	if cfg.AccountSID == "" {
		return nil, errors.New("twilio: no account: set TWILIO_ACCOUNT_SID")
	}
	if !accountSIDRe.MatchString(cfg.AccountSID) {
		return nil, errors.New("twilio: TWILIO_ACCOUNT_SID must be AC followed by 32 hexadecimal digits (copy it from the Twilio console)")
	}
	var creds *client.Credentials
	switch {
	case cfg.APIKey != "" || cfg.APISecret != "":
		if !apiKeyRe.MatchString(cfg.APIKey) {
			return nil, errors.New("twilio: TWILIO_API_KEY must be SK followed by 32 hexadecimal digits")
		}
		if cfg.APISecret == "" {
			return nil, errors.New("twilio: TWILIO_API_KEY is set but TWILIO_API_SECRET is not: set both")
		}
		if !alnumRe.MatchString(cfg.APISecret) {
			return nil, errors.New("twilio: TWILIO_API_SECRET must contain only letters and digits: check for stray quotes or spaces")
		}
		creds = client.NewCredentials(cfg.APIKey, cfg.APISecret)
	case cfg.AuthToken != "":
		if !alnumRe.MatchString(cfg.AuthToken) {
			return nil, errors.New("twilio: TWILIO_AUTH_TOKEN must contain only letters and digits: check for stray quotes or spaces")
		}
		creds = client.NewCredentials(cfg.AccountSID, cfg.AuthToken)
	default:
		return nil, errors.New("twilio: no credentials: set TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET")
	}

	if cfg.From == "" && cfg.MessagingServiceSID == "" {
		return nil, errors.New("twilio: no sender: set twilio.from (an E.164 number or an alphanumeric sender ID) or twilio.messaging_service_sid")
	}
	if cfg.From != "" && !validSender(cfg.From) {
		return nil, fmt.Errorf("twilio: twilio.from %q is not a sender: use an E.164 number (+15005550006), a short code, or an alphanumeric sender ID of 1 to 11 letters, digits and spaces with at least one letter", cfg.From)
	}
	if cfg.MessagingServiceSID != "" && !serviceSIDRe.MatchString(cfg.MessagingServiceSID) {
		return nil, fmt.Errorf("twilio: twilio.messaging_service_sid %q must be MG followed by 32 hexadecimal digits", cfg.MessagingServiceSID)
	}
	if cfg.StatusCallback != "" {
		u, err := url.Parse(cfg.StatusCallback)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("twilio: twilio.status_callback %q must be an http or https URL", cfg.StatusCallback)
		}
	}
	if cfg.ValidityPeriod < 0 || cfg.ValidityPeriod > 36000 {
		return nil, fmt.Errorf("twilio: twilio.validity_period %d must be between 1 and 36000 seconds (0 for Twilio's default)", cfg.ValidityPeriod)
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("twilio: the request timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}

	p := &Provider{cfg: cfg, creds: creds}
	if cfg.BaseURL != "" {
		u, err := checkBaseURL(cfg.BaseURL)
		if err != nil {
			return nil, err
		}
		p.to = u
	}
	if cfg.HTTPClient != nil {
		p.template = *cfg.HTTPClient
		p.base = cfg.HTTPClient.Transport
	}
	if p.base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Every worker talks to one host: keep enough idle connections for all of them, or each
		// send beyond the second would open (and TLS-handshake) a new connection.
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 256
		p.base = t
	}
	if p.template.CheckRedirect == nil {
		p.template.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return p, nil
}

func validSender(from string) bool {
	if e164Re.MatchString(from) || shortCodeRe.MatchString(from) {
		return true
	}
	return alphaIDRe.MatchString(from) && letterRe.MatchString(from) && strings.TrimSpace(from) == from
}

func checkBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("twilio: twilio.base_url %q is not a URL like https://api.twilio.com", redactUserinfo(raw))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("twilio: twilio.base_url %q must be scheme, host and optional path only", u.Redacted())
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("twilio: twilio.base_url %q uses plain http, which is allowed only for loopback addresses (127.0.0.1, ::1, localhost): use https", raw)
		}
	default:
		return nil, fmt.Errorf("twilio: twilio.base_url %q must start with https://", raw)
	}
	return u, nil
}

// redactUserinfo hides what sits between "://" and "@" in a URL that did not parse: it may be
// credentials, and url.URL.Redacted needs a URL that parses.
func redactUserinfo(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	host := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host = rest[:i]
	}
	at := strings.LastIndex(host, "@")
	if at < 0 {
		return raw
	}
	return scheme + "://xxxxx" + rest[at:]
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// api returns a twilio-go API service for one call, and the call's transport state.
func (p *Provider) api(ctx context.Context) (*openapi.ApiService, *call) {
	c := &call{ctx: ctx, base: p.base, to: p.to, now: p.cfg.Now}
	hc := p.template
	hc.Transport = c
	tc := &client.Client{Credentials: p.creds, HTTPClient: &hc}
	tc.SetAccountSid(p.cfg.AccountSID)
	// A RequestHandler built by hand, not NewRequestHandler: that one reads TWILIO_EDGE and
	// TWILIO_REGION from the process environment, which smscast does not let libraries do.
	return openapi.NewApiService(&client.RequestHandler{Client: tc}), c
}

func (p *Provider) note(c *call) {
	if n := c.snapshot().concurrent; n > 0 {
		p.concurrent.Store(int64(n))
	}
}

// RequestTimeout is how long one request may take (twilio.timeout): a create Twilio takes in
// later than that still shows in its list, so the engine waits a multiple of it before deciding
// that an ambiguous send did not arrive.
func (p *Provider) RequestTimeout() time.Duration { return p.cfg.Timeout }

// ConcurrentRequests returns the last Twilio-Concurrent-Requests value Twilio reported (0 if
// none): the account's requests in flight, all clients together.
func (p *Provider) ConcurrentRequests() int { return int(p.concurrent.Load()) }

// Send creates the message. Twilio has no idempotency key: an error with Ambiguous set means
// the message may exist, and Find must be asked before sending again.
func (p *Provider) Send(ctx context.Context, m sms.Message) (sms.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return sms.Receipt{}, &sms.Error{Code: "canceled", Reason: "not sent: the run was stopped", Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	api, c := p.api(ctx)
	params := (&openapi.CreateMessageParams{}).SetTo(m.To).SetBody(m.Body)
	if p.cfg.From != "" {
		params.SetFrom(p.cfg.From)
	}
	if p.cfg.MessagingServiceSID != "" {
		params.SetMessagingServiceSid(p.cfg.MessagingServiceSID)
	}
	if p.cfg.StatusCallback != "" {
		params.SetStatusCallback(p.cfg.StatusCallback)
	}
	if p.cfg.ValidityPeriod > 0 {
		params.SetValidityPeriod(p.cfg.ValidityPeriod)
	}
	msg, err := api.CreateMessage(params)
	p.note(c)
	if err != nil {
		return sms.Receipt{}, classify(err, c, false)
	}
	r := receipt(msg)
	if r.ID == "" {
		return sms.Receipt{}, &sms.Error{Code: "bad-answer", Ambiguous: true,
			Reason: "Twilio's answer had no message id: the message may have been accepted"}
	}
	return r, nil
}

// Status fetches the current status of a message.
func (p *Provider) Status(ctx context.Context, id string) (sms.Receipt, error) {
	if !messageSIDRe.MatchString(id) {
		return sms.Receipt{}, &sms.Error{Code: "bad-id", Permanent: true, Reason: fmt.Sprintf("%q is not a Twilio message id", id)}
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	api, c := p.api(ctx)
	msg, err := api.FetchMessage(id, nil)
	p.note(c)
	if err != nil {
		e := classify(err, c, true)
		if c.snapshot().status == http.StatusNotFound {
			e.Permanent, e.Reason = true, fmt.Sprintf("Twilio has no message %s", id)
		}
		return sms.Receipt{}, e
	}
	return receipt(msg), nil
}

// Find looks for a message to m.To with m.Body that this sender created since the given time
// (less FindSkew). It reports found=false only after reading every candidate; it returns an
// error when it cannot be sure.
//
// It asks twice. First with Twilio's DateSent> filter, which sees every message Twilio has sent.
// But a message still in Twilio's queue has no date_sent yet, and Twilio queues the excess over
// the sender's throughput for hours, so it then reads the newest messages to the number without
// a date filter and accepts one whose date_sent is still empty.
func (p *Provider) Find(ctx context.Context, m sms.Message, since time.Time) (sms.Receipt, bool, error) {
	cutoff := since.Add(-FindSkew)
	ctx, cancel := context.WithTimeout(ctx, 4*p.cfg.Timeout)
	defer cancel()
	api, c := p.api(ctx)

	params := (&openapi.ListMessageParams{}).SetTo(m.To).SetPageSize(findPageSize)
	if p.cfg.From != "" && p.cfg.MessagingServiceSID == "" {
		params.SetFrom(p.cfg.From)
	}
	dated := *params
	dated.SetDateSentAfter(cutoff.UTC())

	match := func(msg openapi.ApiV2010Message, undated bool) bool {
		if str(msg.Body) != m.Body || str(msg.To) != m.To {
			return false
		}
		if d := str(msg.Direction); d != "" && !strings.HasPrefix(d, "outbound") {
			return false
		}
		if p.cfg.MessagingServiceSID != "" && str(msg.MessagingServiceSid) != p.cfg.MessagingServiceSID {
			return false
		}
		if p.cfg.MessagingServiceSID == "" && str(msg.From) != p.cfg.From {
			return false
		}
		created, err := time.Parse(time.RFC1123Z, str(msg.DateCreated))
		if err == nil && created.Before(cutoff) {
			return false
		}
		return !undated || msg.DateSent == nil || *msg.DateSent == ""
	}

	page, err := api.PageMessage(&dated, "", "")
	for n := 1; ; n++ {
		if err != nil {
			p.note(c)
			return sms.Receipt{}, false, classify(err, c, true)
		}
		for _, msg := range page.Messages { // newest first
			if match(msg, false) {
				return receipt(&msg), true, nil
			}
		}
		if page.NextPageUri == nil || *page.NextPageUri == "" {
			break
		}
		if n == findMaxPages {
			return sms.Receipt{}, false, &sms.Error{Code: "find-limit",
				Reason: fmt.Sprintf("too many messages to %s since %s to be sure it was not sent", m.To, cutoff.Format(time.RFC3339))}
		}
		token, number := nextPage(*page.NextPageUri)
		page, err = api.PageMessage(&dated, token, number)
	}

	page, err = api.PageMessage(params, "", "")
	p.note(c)
	if err != nil {
		return sms.Receipt{}, false, classify(err, c, true)
	}
	for _, msg := range page.Messages {
		if match(msg, true) {
			return receipt(&msg), true, nil
		}
	}
	return sms.Receipt{}, false, nil
}

func nextPage(uri string) (token, number string) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", ""
	}
	q := u.Query()
	return q.Get("PageToken"), q.Get("Page")
}

func receipt(msg *openapi.ApiV2010Message) sms.Receipt {
	r := sms.Receipt{ID: str(msg.Sid), Status: MapStatus(str(msg.Status))}
	r.Segments, _ = strconv.Atoi(str(msg.NumSegments))
	if r.Segments == 0 && msg.Body != nil {
		// Twilio reports 0 until a messaging service has chosen the sender.
		r.Segments = segment.Count(*msg.Body).Segments
	}
	if msg.ErrorCode != nil && *msg.ErrorCode != 0 {
		r.ErrorCode = strconv.Itoa(*msg.ErrorCode)
		r.Reason = Reason(*msg.ErrorCode)
		if r.Reason == "" {
			r.Reason = str(msg.ErrorMessage)
		}
	}
	return r
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Package karaden sends SMS through 空電プッシュ (Karaden), the domestic Japanese route, over its
// REST API (version 2024-03-01) with plain net/http.
//
// Karaden processes data in Japan. It sends only to Japanese mobile numbers, in their 11-digit
// domestic form; Sendable tells the plan which rows it cannot take.
package karaden

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/segment"
)

// APIVersion is the Karaden-Version every request sends.
const APIVersion = "2024-03-01"

// DefaultBaseURL is Karaden's production API.
const DefaultBaseURL = "https://prg.karaden.jp/api"

// EnvAPIKey is the environment variable the API key comes from. It is never a flag or a config
// key, and it is never printed.
const EnvAPIKey = "KARADEN_API_KEY"

// DefaultRate is the default sending rate in messages per second.
//
// The spec publishes no rate limit. 10 a second reaches 200 patients in 20 seconds, keeps a few
// workers busy without piling requests on the account, and a 429 (with Retry-After) still
// slows the run down if Karaden wants less.
const DefaultRate = 10.0

// DefaultTimeout bounds one API request when Config.Timeout is zero. A send that times out is
// ambiguous and must be reconciled, so this is generous.
const DefaultTimeout = 15 * time.Second

// FindSkew is how far before the given time Find and StatusBatch look (start_at), for the clock
// difference between this computer and Karaden.
const FindSkew = time.Minute

const (
	pageSize     = 100 // the spec's maximum per_page
	findMaxPages = 10
)

// Config configures the provider. The yaml keys sit under "karaden:" in the config file.
type Config struct {
	TenantID  string        `yaml:"tenant_id" mapstructure:"tenant_id"`   // テナントID (a UUID): required
	ServiceID int           `yaml:"service_id" mapstructure:"service_id"` // サービス設定ID: required
	BaseURL   string        `yaml:"base_url" mapstructure:"base_url"`     // DefaultBaseURL when empty; http only on loopback
	Timeout   time.Duration `yaml:"timeout" mapstructure:"timeout"`       // per request; DefaultTimeout when zero

	APIKey string `yaml:"-" mapstructure:"-"` // only from KARADEN_API_KEY: required

	HTTPClient *http.Client     `yaml:"-" mapstructure:"-"` // its Transport is used; a pooled transport when nil
	Now        func() time.Time `yaml:"-" mapstructure:"-"` // clock for Retry-After dates; time.Now when nil
}

// Provider is the Karaden SMS provider: sms.Sender, StatusChecker, StatusBatcher, Finder,
// Checker and Timeouter. It is safe for concurrent use.
type Provider struct {
	cfg    Config
	base   *url.URL
	client http.Client
}

var (
	_ sms.Sender        = (*Provider)(nil)
	_ sms.StatusChecker = (*Provider)(nil)
	_ sms.StatusBatcher = (*Provider)(nil)
	_ sms.Finder        = (*Provider)(nil)
	_ sms.Checker       = (*Provider)(nil)
	_ sms.Timeouter     = (*Provider)(nil)
)

var uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// New validates cfg and returns a provider. Its errors name the setting to fix and where it is
// set, and never contain the API key.
func New(cfg Config) (*Provider, error) {
	var missing []string
	if cfg.TenantID == "" {
		missing = append(missing, "karaden.tenant_id in the config file")
	}
	if cfg.ServiceID == 0 {
		missing = append(missing, "karaden.service_id in the config file")
	}
	if cfg.APIKey == "" {
		missing = append(missing, "the environment variable "+EnvAPIKey)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("karaden: not configured: set %s (Karaden's console shows the テナントID, the サービス設定ID and the API key)", strings.Join(missing, ", "))
	}
	if !uuidRe.MatchString(cfg.TenantID) {
		return nil, fmt.Errorf("karaden: karaden.tenant_id %q is not a テナントID: copy the UUID (like 01234567-89ab-cdef-0123-456789abcdef) from Karaden's console", cfg.TenantID)
	}
	if cfg.ServiceID < 0 {
		return nil, fmt.Errorf("karaden: karaden.service_id %d must be the positive サービス設定ID of Karaden's console", cfg.ServiceID)
	}
	for _, r := range cfg.APIKey {
		if r <= ' ' || r >= 0x7f {
			return nil, errors.New("karaden: " + EnvAPIKey + " contains a space, a line break or a character a key does not have: set it again without stray spaces, quotes or line breaks")
		}
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("karaden: karaden.timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := checkBaseURL(raw)
	if err != nil {
		return nil, err
	}
	p := &Provider{cfg: cfg, base: u}
	if cfg.HTTPClient != nil {
		p.client = *cfg.HTTPClient
	}
	if p.client.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Every worker talks to one host: keep enough idle connections for all of them, or each
		// send beyond the second would open (and TLS-handshake) a new connection.
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 256
		p.client.Transport = t
	}
	// The API never redirects; following one could carry the key elsewhere.
	p.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return p, nil
}

func checkBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("karaden: karaden.base_url %q is not a URL like %s", redactUserinfo(raw), DefaultBaseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// Shown without its userinfo and query: either may hold a secret.
		return nil, fmt.Errorf("karaden: karaden.base_url %q must be scheme, host and optional path only", u.Scheme+"://"+u.Host+u.Path)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("karaden: karaden.base_url %q uses plain http, which is allowed only for loopback addresses (127.0.0.1, ::1, localhost): use https", raw)
		}
	default:
		return nil, fmt.Errorf("karaden: karaden.base_url %q must start with https://", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
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

// RequestTimeout is the timeout of one request (karaden.timeout), which sms.Timeouter asks for:
// the engine waits a multiple of it after an ambiguous send before it asks Find, so that a create
// Karaden finished after we gave up has appeared. Karaden publishes no server-side timeout of its
// own.
func (p *Provider) RequestTimeout() time.Duration { return p.cfg.Timeout }

// message is Karaden's Message object, the fields smscast reads.
type message struct {
	ID                  string   `json:"id"`
	Object              string   `json:"object"`
	To                  string   `json:"to"`
	Body                string   `json:"body"`
	Tags                []string `json:"tags"`
	Result              string   `json:"result"`
	Status              string   `json:"status"`
	SentResult          string   `json:"sent_result"`
	Carrier             string   `json:"carrier"`
	ChargedCountPerSent flexInt  `json:"charged_count_per_sent"`
	CreatedAt           string   `json:"created_at"`
}

type list struct {
	Object  string    `json:"object"`
	HasMore bool      `json:"has_more"`
	Data    []message `json:"data"`
}

// flexInt reads a count whether Karaden writes it as a number, a string or null: a receipt must
// not be lost over the type of a count.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		*n = 0
		return nil
	}
	*n = flexInt(v)
	return nil
}

var carriers = map[string]bool{"docomo": true, "au": true, "softbank": true, "rakuten": true}

func receipt(m *message) sms.Receipt {
	r := sms.Receipt{ID: m.ID, Segments: int(m.ChargedCountPerSent)}
	r.Status, r.ErrorCode, r.Reason = MapStatus(m.Status, m.Result, m.SentResult)
	if r.Segments <= 0 && m.Body != "" {
		r.Segments = segment.Count(m.Body).Segments // 0 until Karaden has charged it
	}
	if carriers[m.Carrier] {
		r.Carrier = m.Carrier // not "checking" or "unknown"
	}
	return r
}

// Send creates the message. Karaden has no idempotency key: an error with Ambiguous set means
// the message may exist, and Find (which looks for its delivery tag) must be asked before
// sending again.
func (p *Provider) Send(ctx context.Context, m sms.Message) (sms.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return sms.Receipt{}, &sms.Error{Code: "canceled", Reason: "not sent: the run was stopped", Err: err}
	}
	to, reason := domestic(m.To)
	if reason != "" {
		return sms.Receipt{}, &sms.Error{Code: "number", Permanent: true, Reason: reason}
	}
	switch n := chars(m.Body); {
	case n == 0:
		return sms.Receipt{}, &sms.Error{Code: "body", Permanent: true, Reason: "the message text is empty"}
	case n > MaxChars:
		return sms.Receipt{}, &sms.Error{Code: "body", Permanent: true,
			Reason: fmt.Sprintf("the message is %d characters long; Karaden sends at most %d: shorten the template", n, MaxChars)}
	}
	campaignTag, deliveryTag := Tags(m.Campaign, m.Ref)
	form := url.Values{
		"service_id": {strconv.Itoa(p.cfg.ServiceID)},
		"to":         {to},
		"body":       {m.Body},
		"tags[]":     {campaignTag},
	}
	if deliveryTag != "" {
		form["tags[]"] = append(form["tags[]"], deliveryTag)
	}
	b, err := p.do(ctx, http.MethodPost, "/messages", nil, form)
	if err != nil {
		return sms.Receipt{}, err
	}
	var msg message
	if json.Unmarshal(b, &msg) != nil || msg.ID == "" {
		return sms.Receipt{}, &sms.Error{Code: "bad-answer", Ambiguous: true,
			Reason: "Karaden's answer had no message id: the message may have been accepted"}
	}
	r := receipt(&msg)
	if r.Segments <= 0 {
		r.Segments = segment.Count(m.Body).Segments
	}
	return r, nil
}

// Status fetches the current status of a message.
func (p *Provider) Status(ctx context.Context, id string) (sms.Receipt, error) {
	if !uuidRe.MatchString(id) {
		return sms.Receipt{}, &sms.Error{Code: "bad-id", Permanent: true, Reason: fmt.Sprintf("%q is not a Karaden message id", id)}
	}
	b, err := p.do(ctx, http.MethodGet, "/messages/"+id, nil, nil)
	if err != nil {
		if err.Code == "model_not_found" { // Karaden's own answer, not a proxy's 404 page
			err.Fatal, err.Permanent = false, true
			err.Reason = fmt.Sprintf("Karaden has no message %s", id)
		}
		return sms.Receipt{}, err
	}
	var msg message
	if e := json.Unmarshal(b, &msg); e != nil || msg.ID == "" {
		return sms.Receipt{}, &sms.Error{Code: "bad-answer", Reason: "Karaden's answer was not a message", Err: e}
	}
	return receipt(&msg), nil
}

// jst is the zone Karaden writes its times in.
var jst = time.FixedZone("JST", 9*60*60)

func startAt(since time.Time) string { return since.Add(-FindSkew).In(jst).Format(time.RFC3339) }

// page lists one page of messages.
func (p *Provider) page(ctx context.Context, q url.Values, n int) (*list, error) {
	q.Set("page", strconv.Itoa(n))
	b, err := p.do(ctx, http.MethodGet, "/messages", q, nil)
	if err != nil {
		return nil, err
	}
	var l list
	if e := json.Unmarshal(b, &l); e != nil {
		return nil, &sms.Error{Code: "bad-answer", Reason: "Karaden's answer was not a list of messages", Err: e}
	}
	return &l, nil
}

// Find looks for the message of m's delivery that Karaden created since the given time (less
// FindSkew). It lists the messages carrying the delivery tag to m.To, and accepts one that
// carries both of m's tags; with several (a duplicate already happened) the newest. It reports
// found=false only after reading every candidate, and returns an error when it cannot be sure.
//
// A message without a ref (no delivery tag) is matched by its campaign tag, number and text.
func (p *Provider) Find(ctx context.Context, m sms.Message, since time.Time) (sms.Receipt, bool, error) {
	to, ok := Domestic(m.To)
	if !ok {
		return sms.Receipt{}, false, nil // Send refuses such a number before any request
	}
	campaignTag, deliveryTag := Tags(m.Campaign, m.Ref)
	q := url.Values{
		"service_id": {strconv.Itoa(p.cfg.ServiceID)},
		"to":         {to},
		"start_at":   {startAt(since)},
		"per_page":   {strconv.Itoa(pageSize)},
	}
	if deliveryTag != "" {
		q.Set("tag", deliveryTag)
	} else {
		q.Set("tag", campaignTag)
	}
	cutoff := since.Add(-FindSkew).Truncate(time.Second) // start_at and created_at have whole seconds
	var best *message
	var bestAt time.Time
	for n := 1; ; n++ {
		l, err := p.page(ctx, q, n)
		if err != nil {
			return sms.Receipt{}, false, err
		}
		for i := range l.Data {
			msg := &l.Data[i]
			if msg.To != to || !hasTags(msg.Tags, campaignTag, deliveryTag) {
				continue
			}
			// With a delivery tag the tags decide: Karaden may rewrite a body (URL shortening),
			// and a miss here would send the patient a second message.
			if deliveryTag == "" && msg.Body != m.Body {
				continue
			}
			at, err := time.Parse(time.RFC3339, msg.CreatedAt)
			if err == nil && at.Before(cutoff) {
				continue
			}
			if best == nil || at.After(bestAt) {
				best, bestAt = msg, at
			}
		}
		if !l.HasMore || len(l.Data) == 0 {
			break
		}
		if n == findMaxPages {
			if best != nil {
				break
			}
			return sms.Receipt{}, false, &sms.Error{Code: "find-limit",
				Reason: fmt.Sprintf("too many messages to %s since %s to be sure it was not sent", m.To, cutoff.Format(time.RFC3339))}
		}
	}
	if best == nil {
		return sms.Receipt{}, false, nil
	}
	return receipt(best), true, nil
}

// StatusBatch lists this service's messages created since the given time (less FindSkew), 100
// per page, and returns the receipts of the requested ids among them. It stops as soon as it has
// them all, and after as many pages as there are ids: past that, asking for each missing id
// would take fewer requests than paging on.
func (p *Provider) StatusBatch(ctx context.Context, ids []string, since time.Time) (map[string]sms.Receipt, error) {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	out := make(map[string]sms.Receipt, len(ids))
	if len(want) == 0 {
		return out, nil
	}
	q := url.Values{
		"service_id": {strconv.Itoa(p.cfg.ServiceID)},
		"start_at":   {startAt(since)},
		"per_page":   {strconv.Itoa(pageSize)},
	}
	maxPages := len(want)
	for n := 1; n <= maxPages; n++ {
		l, err := p.page(ctx, q, n)
		if err != nil {
			return out, err
		}
		for i := range l.Data {
			if msg := &l.Data[i]; want[msg.ID] {
				out[msg.ID] = receipt(msg)
			}
		}
		if len(out) == len(want) || !l.HasMore || len(l.Data) == 0 {
			break
		}
	}
	return out, nil
}

// Check makes one cheap authenticated request (a list of one message of the service), so that a
// wrong key, tenant or base URL stops a run before a campaign is recorded.
func (p *Provider) Check(ctx context.Context) error {
	q := url.Values{"service_id": {strconv.Itoa(p.cfg.ServiceID)}, "per_page": {"1"}}
	if _, err := p.page(ctx, q, 1); err != nil {
		return err
	}
	return nil
}

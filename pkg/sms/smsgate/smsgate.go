// Package smsgate sends SMS through an Android phone on the clinic's network, running SMS
// Gateway for Android (https://sms-gate.app) with its Local server switched on.
//
// It uses the app's local API over plain HTTP with Basic auth:
//
//	POST /messages        create: one message to one number, with our own deterministic id
//	GET  /messages/{id}   its state (Status, Find, and the answer to a 409)
//	GET  /messages        states by page (StatusBatch)
//	GET  /inbox           received messages by page (Inbox)
//	GET  /health          the pre-flight check (no auth)
//
// Exactly once: each message's id is derived from its campaign, delivery, number and text
// (MessageID), and the app refuses a second message with an id it has. A retry after a
// timeout therefore either queues the message (the first attempt never arrived) or gets 409,
// which Send answers by reading the message the phone already has: the patient is texted once.
package smsgate

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/segment"
)

// PasswordEnv is the environment variable that holds the local server's password. It has no
// config key and no flag, so it never lands in a file or a shell history.
const PasswordEnv = "SMSGATE_PASSWORD"

// DefaultRate is the default sending rate in messages per second.
//
// A phone sends one SMS at a time over its radio, a part every second or two, and the app
// sends its queue in order (with the pause its own send_interval settings add). Posting faster
// than that only piles messages up in the phone's queue, where smscast sees them as submitted
// although nothing has left, and a phone that dies then takes them all with it. One message a
// second is about what the phone sends, keeps its small HTTP server and the Wi-Fi unhurried,
// and reaches 200 patients in under four minutes.
const DefaultRate = 1.0

// DefaultDailyLimit is the default smsgate.daily_limit: messages per SIM per day. Japanese
// carriers limit the SMS a consumer line may send per day (about 200), and exceeding it can get
// the line suspended. The journal counts; the provider only declares the limit.
const DefaultDailyLimit = 200

// DefaultTimeout bounds one request when smsgate.timeout is zero. The app answers from its own
// database on the LAN, so this is short; a send that times out is ambiguous, but its retry is
// safe (see the package comment).
const DefaultTimeout = 10 * time.Second

// FindSkew is how far before the given time Find and StatusBatch look, for the difference
// between the phone's clock and ours.
const FindSkew = 10 * time.Minute

// Config configures the provider. The yaml keys sit under smsgate: in the config file.
type Config struct {
	// BaseURL is the local server's address as the app shows it, e.g. http://192.168.1.20:8080.
	// http:// only on loopback, private and link-local addresses and .local names.
	BaseURL  string `yaml:"base_url" mapstructure:"base_url"`
	Username string `yaml:"username" mapstructure:"username"`
	// Password comes only from SMSGATE_PASSWORD: never a config key, never a flag, never printed.
	Password string `yaml:"-" mapstructure:"-"`
	// SIMNumbers are the SIM slots to send from (1–3), in turn; empty: the phone's default SIM.
	SIMNumbers []int `yaml:"sim_numbers" mapstructure:"sim_numbers"`
	// DailyLimit is messages per SIM per day; DefaultDailyLimit when zero.
	DailyLimit int `yaml:"daily_limit" mapstructure:"daily_limit"`
	// Timeout bounds one request; DefaultTimeout when zero.
	Timeout time.Duration `yaml:"timeout" mapstructure:"timeout"`

	HTTPClient *http.Client     `yaml:"-" mapstructure:"-"` // tests; a client without proxy when nil
	Now        func() time.Time `yaml:"-" mapstructure:"-"` // clock for Retry-After dates; time.Now when nil
}

// Provider is the SMS Gateway for Android provider: sms.Sender, sms.StatusChecker, sms.Finder,
// sms.StatusBatcher, sms.Checker and sms.Timeouter. It is safe for concurrent use.
type Provider struct {
	cfg    Config
	base   *url.URL
	client *http.Client
	next   atomic.Uint64 // round-robin over cfg.SIMNumbers
}

var (
	_ sms.Sender        = (*Provider)(nil)
	_ sms.StatusChecker = (*Provider)(nil)
	_ sms.Finder        = (*Provider)(nil)
	_ sms.StatusBatcher = (*Provider)(nil)
	_ sms.Checker       = (*Provider)(nil)
	_ sms.Timeouter     = (*Provider)(nil)
)

// New validates cfg and returns a provider. Its errors name the setting to fix and never
// contain the password.
func New(cfg Config) (*Provider, error) {
	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Username == "" {
		return nil, errors.New("smsgate: no user name: set smsgate.username to the one the app shows under Local server (usually sms)")
	}
	if cfg.Password == "" {
		return nil, fmt.Errorf("smsgate: no password: set %s to the password the app shows under Local server", PasswordEnv)
	}
	seen := map[int]bool{}
	for _, n := range cfg.SIMNumbers {
		if n < 1 || n > 3 {
			return nil, fmt.Errorf("smsgate: smsgate.sim_numbers: %d is not a SIM slot: use 1, 2 or 3 (the slots the phone has)", n)
		}
		if seen[n] {
			return nil, fmt.Errorf("smsgate: smsgate.sim_numbers lists SIM %d twice: list each slot once", n)
		}
		seen[n] = true
	}
	cfg.SIMNumbers = append([]int(nil), cfg.SIMNumbers...)
	if cfg.DailyLimit < 0 {
		return nil, fmt.Errorf("smsgate: smsgate.daily_limit %d must not be negative (0 for the default, %d a day)", cfg.DailyLimit, DefaultDailyLimit)
	}
	if cfg.DailyLimit == 0 {
		cfg.DailyLimit = DefaultDailyLimit
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("smsgate: smsgate.timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	client := cfg.HTTPClient
	if client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// The phone is on the LAN: a proxy from HTTP_PROXY would be wrong, and would see the
		// password of a plain-HTTP request.
		t.Proxy = nil
		client = &http.Client{Transport: t}
	}
	c := *client
	// Never follow a redirect: it could carry the Basic auth header elsewhere, and the app sends none.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Provider{cfg: cfg, base: base, client: &c}, nil
}

// DailyLimit returns the configured messages per SIM per day.
func (p *Provider) DailyLimit() int { return p.cfg.DailyLimit }

// SIMNumbers returns the SIM slots messages are spread over (empty: the phone's default).
func (p *Provider) SIMNumbers() []int { return append([]int(nil), p.cfg.SIMNumbers...) }

// ForSIM returns a provider that sends every message from SIM slot n, one of SIMNumbers, and
// shares this one's connections. The engine meters each SIM's daily limit on its own, so it
// chooses the SIM of each message (and the journal records it) instead of the round-robin.
// Status, Find and the rest do not depend on the SIM: MessageID does not include it, so a retry
// from another SIM is still refused as a duplicate.
func (p *Provider) ForSIM(n int) (*Provider, error) {
	found := false
	for _, m := range p.cfg.SIMNumbers {
		found = found || m == n
	}
	if !found {
		return nil, fmt.Errorf("smsgate: SIM %d is not in smsgate.sim_numbers %v", n, p.cfg.SIMNumbers)
	}
	cfg := p.cfg
	cfg.SIMNumbers = []int{n}
	return &Provider{cfg: cfg, base: p.base, client: p.client}, nil
}

// RequestTimeout is the time one request may take. The app queues a message within the request
// that creates it, so a request that timed out on our side has shown at the phone, or never
// will, once this much more time has passed.
func (p *Provider) RequestTimeout() time.Duration { return p.cfg.Timeout }

// MessageID is the id smscast gives the phone for m: "sc-" and 32 hexadecimal digits of a
// SHA-256 over the campaign, the delivery, the number and the text (35 characters; the app
// takes up to 36). It is the same in every run and process, so a retry of a delivery carries
// the id of its first attempt. Messages without campaign and delivery (tests, one-off sends)
// are told apart by number and text alone.
func MessageID(m sms.Message) string {
	h := sha256.New()
	for _, f := range []string{"smscast/smsgate/1", m.Campaign, m.Ref, m.To, m.Body} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return "sc-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// sendRequest is the body of POST /messages.
type sendRequest struct {
	ID                 string      `json:"id"`
	TextMessage        textMessage `json:"textMessage"`
	PhoneNumbers       []string    `json:"phoneNumbers"`
	WithDeliveryReport bool        `json:"withDeliveryReport"`
	SIMNumber          int         `json:"simNumber,omitempty"`
}

type textMessage struct {
	Text string `json:"text"`
}

// messageState is the app's answer for one message (GetMessageResponse, MessageState).
type messageState struct {
	ID         string            `json:"id"`
	State      string            `json:"state"`
	Recipients []recipientState  `json:"recipients"`
	States     map[string]string `json:"states"`
}

type recipientState struct {
	PhoneNumber string `json:"phoneNumber"`
	State       string `json:"state"`
	Error       string `json:"error"`
}

// Send queues m on the phone. A 409 means an earlier attempt of this delivery is already there:
// Send returns that message's receipt instead of an error.
func (p *Provider) Send(ctx context.Context, m sms.Message) (sms.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return sms.Receipt{}, &sms.Error{Code: "canceled", Reason: "not sent: the run was stopped", Err: err}
	}
	id := MessageID(m)
	req := sendRequest{ID: id, TextMessage: textMessage{m.Body}, PhoneNumbers: []string{m.To}, WithDeliveryReport: true}
	if n := len(p.cfg.SIMNumbers); n > 0 {
		req.SIMNumber = p.cfg.SIMNumbers[(p.next.Add(1)-1)%uint64(n)]
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return sms.Receipt{}, &sms.Error{Code: "bad-request", Permanent: true, Reason: "the message cannot be encoded", Err: err}
	}
	a := p.do(ctx, http.MethodPost, "/messages", nil, payload)
	segs := segment.Count(m.Body).Segments
	switch {
	case a.status == http.StatusAccepted || a.status == http.StatusOK || a.status == http.StatusCreated:
		// The status alone says the phone queued it under our id; the body only adds its state.
		r := sms.Receipt{ID: id, Status: sms.StatusQueued, Segments: segs}
		var st messageState
		if a.err == nil && json.Unmarshal(a.body, &st) == nil {
			r = receipt(st, id)
			r.Segments = segs
		}
		return r, nil
	case a.status == http.StatusConflict:
		return p.existing(ctx, id, segs), nil
	case a.status != 0:
		return sms.Receipt{}, httpError(a.status, a.header, a.body, opSend, p.cfg.Now())
	}
	return sms.Receipt{}, networkError(a.err, a.wrote, opSend, p.base.Host, ctx.Err() != nil || errors.Is(a.err, context.Canceled))
}

// existing is the receipt of a message the phone already has (it answered 409 to our id). When
// reading it fails, the 409 itself is proof enough that the phone took it.
func (p *Provider) existing(ctx context.Context, id string, segs int) sms.Receipt {
	r, err := p.Status(ctx, id)
	if err != nil {
		return sms.Receipt{ID: id, Status: sms.StatusAccepted, Segments: segs}
	}
	r.Segments = segs
	return r
}

var idRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,36}$`)

// Status reads the current state of a message.
func (p *Provider) Status(ctx context.Context, id string) (sms.Receipt, error) {
	st, found, err := p.get(ctx, id)
	if err != nil {
		return sms.Receipt{}, err
	}
	if !found {
		return sms.Receipt{}, &sms.Error{Code: "404", Permanent: true,
			Reason: fmt.Sprintf("the phone has no message %s (the app deletes old messages after its log lifetime)", id)}
	}
	return receipt(st, id), nil
}

// get reads GET /messages/{id}; found is false on 404.
func (p *Provider) get(ctx context.Context, id string) (messageState, bool, error) {
	if !idRe.MatchString(id) {
		return messageState{}, false, &sms.Error{Code: "bad-id", Permanent: true, Reason: fmt.Sprintf("%q is not a message id of SMS Gateway", id)}
	}
	a := p.do(ctx, http.MethodGet, "/messages/"+id, nil, nil)
	switch {
	case a.status == http.StatusNotFound:
		return messageState{}, false, nil
	case a.status == http.StatusOK && a.err == nil:
		var st messageState
		if err := json.Unmarshal(a.body, &st); err != nil {
			return messageState{}, false, &sms.Error{Code: "bad-answer", Reason: "the phone's answer about a message could not be read", Err: err}
		}
		return st, true, nil
	case a.status >= 300:
		return messageState{}, false, httpError(a.status, a.header, a.body, opRead, p.cfg.Now())
	}
	err := a.err
	if err == nil {
		err = fmt.Errorf("unexpected answer %d", a.status)
	}
	return messageState{}, false, networkError(err, a.wrote, opRead, p.base.Host, ctx.Err() != nil)
}

// Find looks for m on the phone by its id. It reports found=false when the phone has no such
// message, or has one created before since (less FindSkew).
func (p *Provider) Find(ctx context.Context, m sms.Message, since time.Time) (sms.Receipt, bool, error) {
	id := MessageID(m)
	st, found, err := p.get(ctx, id)
	if err != nil || !found {
		return sms.Receipt{}, false, err
	}
	if created, ok := createdAt(st); ok && created.Before(since.Add(-FindSkew)) {
		return sms.Receipt{}, false, nil
	}
	r := receipt(st, id)
	r.Segments = segment.Count(m.Body).Segments
	return r, true, nil
}

// Page sizes: the app's default is 50; larger pages mean fewer requests to a busy phone.
const (
	listPageSize = 100
	listMaxPages = 100
)

// StatusBatch reads the states of many messages from GET /messages, 100 at a time, starting at
// since (less FindSkew). It stops once it has every id, and also as soon as the pages still to
// read outnumber the ids still missing: the caller then asks Status for those, which costs fewer
// requests.
func (p *Provider) StatusBatch(ctx context.Context, ids []string, since time.Time) (map[string]sms.Receipt, error) {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	out := make(map[string]sms.Receipt, len(ids))
	q := url.Values{"limit": {strconv.Itoa(listPageSize)}}
	if !since.IsZero() {
		q.Set("from", since.Add(-FindSkew).UTC().Format(time.RFC3339))
	}
	for page, offset := 0, 0; len(out) < len(want) && page < listMaxPages; page++ {
		q.Set("offset", strconv.Itoa(offset))
		a := p.do(ctx, http.MethodGet, "/messages", q, nil)
		if a.status >= 300 {
			return out, httpError(a.status, a.header, a.body, opRead, p.cfg.Now())
		}
		if a.err != nil || a.status == 0 {
			return out, networkError(a.err, a.wrote, opRead, p.base.Host, ctx.Err() != nil)
		}
		var states []messageState
		if err := json.Unmarshal(a.body, &states); err != nil {
			return out, &sms.Error{Code: "bad-answer", Reason: "the phone's list of messages could not be read", Err: err}
		}
		for _, st := range states {
			if want[st.ID] {
				out[st.ID] = receipt(st, st.ID)
			}
		}
		offset += len(states)
		if len(states) < listPageSize {
			break
		}
		if total, err := strconv.Atoi(a.header.Get("X-Total-Count")); err == nil {
			if offset >= total {
				break
			}
			if pagesLeft := (total - offset + listPageSize - 1) / listPageSize; pagesLeft > len(want)-len(out) {
				break
			}
		}
	}
	return out, nil
}

// receipt maps the app's message state onto sms.Receipt. It reads the (single) recipient's
// state, which is the one that carries the error.
func receipt(st messageState, id string) sms.Receipt {
	if st.ID != "" {
		id = st.ID
	}
	state, errText := st.State, ""
	if len(st.Recipients) > 0 {
		state, errText = st.Recipients[0].State, st.Recipients[0].Error
	}
	r := sms.Receipt{ID: id, Status: MapState(state)}
	if r.Status == sms.StatusFailed {
		// Failed after Sent is the delivery report saying no: the phone sent it, the network did
		// not deliver it. Failed before is the phone not sending it at all.
		if _, sent := st.States["Sent"]; sent {
			r.Status = sms.StatusUndelivered
		}
		r.ErrorCode = errText
		if r.ErrorCode == "" {
			r.ErrorCode = "Failed"
		}
		r.Reason = Reason(errText)
	}
	return r
}

// states maps the app's processing states onto smscast's.
var states = map[string]sms.Status{
	"Pending":   sms.StatusQueued, // in the app's queue
	"Processed": sms.StatusQueued, // taken by the phone's sender, not yet out
	"Sent":      sms.StatusSent,
	"Delivered": sms.StatusDelivered,
	"Failed":    sms.StatusFailed,
}

// MapState maps an app processing state onto sms.Status. An unknown state counts as still
// sending, so that it is polled again rather than treated as final. A Failed message that had
// been Sent is reported as undelivered by Status, which sees its history.
func MapState(s string) sms.Status {
	if st, ok := states[s]; ok {
		return st
	}
	return sms.StatusSending
}

// createdAt is the earliest time in a message's state history.
func createdAt(st messageState) (time.Time, bool) {
	var first time.Time
	for _, v := range st.States {
		t, ok := parseTime(v)
		if ok && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first, !first.IsZero()
}

func parseTime(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Package twiliotest is a fake Twilio Messages API on httptest, with fault injection, for the
// provider's tests, the engine's tests and benchmarks. It listens on loopback only.
//
// It serves the four calls smscast makes, shaped like Twilio's API v2010 (see
// testdata/twilio_api_v2010.json in the shared docs):
//
//	POST /2010-04-01/Accounts/{AccountSid}/Messages.json        create (form)
//	GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json  fetch
//	GET  /2010-04-01/Accounts/{AccountSid}/Messages.json        list: To, From, DateSent, DateSent>, DateSent<, PageSize, Page
//	GET  /2010-04-01/Accounts/{Sid}.json                        the account (the pre-flight check)
//
// AddInbound puts a message a patient sent us in the list (direction inbound), as Twilio shows
// replies to our number.
//
// The list pages newest first and gives next_page_uri while more match, as Twilio does; like
// Twilio it has no filter by messaging service and ignores parameters it does not know.
//
// Probabilistic faults (429, 5xx, accept-then-drop) hit creates only unless Faults.FaultReads is
// set, so that reconciliation in exactly-once tests is not itself made to fail by accident. The
// faults that create a message and then fail (accept-then-drop, late acceptance, accept-then-500,
// accept-then-HTML-504) hit creates only; an outage (OutageAfter) hits every request.
package twiliotest

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smscast/smscast/pkg/sms/internal/pattern"
	"github.com/smscast/smscast/pkg/sms/segment"
)

// Default credentials. They are alphanumeric, as twilio-go requires.
const (
	DefaultAccountSID = "AC00000000000000000000000000000001"
	DefaultAuthToken  = "faketoken0123456789abcdef01234567"
)

// Faults are the failures the server injects. Patterns are matched against the To number: a glob
// ("+8190*0000") or a suffix ("0000"), as in the simulator.
type Faults struct {
	Latency       time.Duration // added to every request
	MaxConcurrent int           // more requests in flight than this get 429, code 20429

	TooManyRequests float64       // share of creates answered 429, code 20429
	RetryAfter      time.Duration // sent as Retry-After (whole seconds, rounded up) with those 429s when > 0
	ServerErrors    float64       // share of creates answered ServerStatus (500 when 0), code 20500
	ServerStatus    int
	AcceptThenDrop  float64  // share of creates stored and then answered by closing the connection
	DropFor         []string // numbers whose creates are always stored and then dropped
	FailAll         bool     // answer every request 500
	FaultReads      bool     // apply TooManyRequests and ServerErrors to fetch and list too

	Invalid  []string // 400, code 21211: invalid 'To' number
	Landline []string // 400, code 21614: not a mobile number
	OptedOut []string // 400, code 21610: the recipient replied STOP
	Reject   []Rule   // any other error, first match wins (after the three above)

	Outcomes []Outcome // final status by pattern; delivered when none matches

	// Late acceptance: the create is held for LateBy (1s when zero) and the message is then
	// created whether or not the client is still waiting, as by a provider or proxy slower than
	// the client's timeout. It shows in fetch and list only from then on.
	LateAccept float64  // share of creates
	LateFor    []string // numbers whose creates are always late
	LateBy     time.Duration

	// Accept-then-fail: the message is created, then the create is answered with an error, as by
	// a proxy that passed the request on and then failed.
	AcceptThen500    float64  // share of creates answered 500 with Twilio's JSON error body, code 20500
	AcceptThen500For []string // numbers whose creates always are
	AcceptThen504    float64  // share of creates answered 504 with a gateway's HTML page
	AcceptThen504For []string

	// OutageAfter: once the server holds this many messages, every request (create, fetch and
	// list) is answered 503, code 20503, until EndOutage or faults without it; 0 means never.
	OutageAfter int

	// Hold keeps new messages queued with a null date_sent, as Twilio does while it holds a
	// message in its queue, until Release. Such messages escape the DateSent filters.
	Hold bool
}

// Rule answers a create with an error when both patterns match (an empty pattern matches all).
type Rule struct {
	To, From string
	Status   int // HTTP status; 400 when 0
	Code     int
	Message  string
}

// Outcome is the final status of messages to matching numbers.
type Outcome struct {
	To        string
	Status    string // "undelivered", "failed", "delivered", "sent"
	ErrorCode int    // e.g. 30003
}

// Message is one message the server created.
type Message struct {
	SID                 string
	To, From, Body      string
	MessagingServiceSID string
	StatusCallback      string
	ValidityPeriod      int
	Status              string // current status, as fetch reports it
	ErrorCode           int
	Segments            int
	DateCreated         time.Time
	DateSent            time.Time // zero while held
	Dropped             bool      // the connection was closed instead of answering the create
	// Fault is what happened to the create of a message the server kept: "drop", "late", "500",
	// "504", or "" when it was answered 201 at once.
	Fault string
	// Direction is "inbound" for a message AddInbound added; "" for ours (outbound-api).
	Direction string
}

// Option configures a Server.
type Option func(*Server)

// WithAccount sets the account SID and auth token the server accepts.
func WithAccount(sid, token string) Option {
	return func(s *Server) { s.AccountSID, s.AuthToken = sid, token }
}

// WithAPIKey makes the server also accept an API key and secret for the account.
func WithAPIKey(key, secret string) Option {
	return func(s *Server) { s.APIKey, s.APISecret = key, secret }
}

// WithSeed seeds the probabilistic faults.
func WithSeed(seed uint64) Option {
	return func(s *Server) { s.rng = rand.New(rand.NewPCG(seed, seed^0x5eed)) }
}

// WithFaults sets the initial faults.
func WithFaults(f Faults) Option { return func(s *Server) { s.faults = f } }

// WithClock sets the server's clock (dates in responses and filters).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// Server is the fake. Its methods are safe for concurrent use with requests in flight.
type Server struct {
	*httptest.Server
	AccountSID, AuthToken string
	APIKey, APISecret     string

	inflight atomic.Int64
	requests atomic.Int64
	byKind   [kinds]atomic.Int64

	accountStatus atomic.Value // string: "active" unless SetAccountStatus

	mu       sync.Mutex
	faults   Faults
	rng      *rand.Rand
	now      func() time.Time
	seq      uint64
	msgs     []*Message
	inbound  int // of msgs, those AddInbound added: not ours, so not counted by OutageAfter
	bySID    map[string]*Message
	perTo    map[string]int
	defaultM string // the messaging service SID Twilio assigns when none is used
}

// NewServer starts a fake Twilio on a loopback port. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		AccountSID: DefaultAccountSID,
		AuthToken:  DefaultAuthToken,
		now:        time.Now,
		bySID:      map[string]*Message{},
		perTo:      map[string]int{},
		defaultM:   "MG00000000000000000000000000000000",
	}
	for _, o := range opts {
		o(s)
	}
	if s.rng == nil {
		s.rng = rand.New(rand.NewPCG(1, 2))
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve)) // httptest binds 127.0.0.1 (or ::1)
	return s
}

// SetFaults replaces the injected faults, for requests that start from now on.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// EndOutage ends an outage set with Faults.OutageAfter: requests are answered again.
func (s *Server) EndOutage() { s.UpdateFaults(func(f *Faults) { f.OutageAfter = 0 }) }

// Faults returns the current faults.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// UpdateFaults changes the faults under the server's lock.
func (s *Server) UpdateFaults(fn func(*Faults)) {
	s.mu.Lock()
	fn(&s.faults)
	s.mu.Unlock()
}

// Messages returns every message created so far, in creation order (dropped ones included).
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = *m
	}
	return out
}

// Count returns how many messages were created to a number.
func (s *Server) Count(to string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.perTo[to]
}

// Counts returns how many messages were created per number.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.perTo))
	for k, v := range s.perTo {
		out[k] = v
	}
	return out
}

// Requests returns how many HTTP requests the server has received.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Request kinds, for RequestsOf.
const (
	KindCreate  = "create"
	KindFetch   = "fetch"
	KindList    = "list"
	KindAccount = "account"
)

const kinds = 4

func kindIndex(kind string) int {
	switch kind {
	case KindCreate:
		return 0
	case KindFetch:
		return 1
	case KindList:
		return 2
	case KindAccount:
		return 3
	}
	return -1
}

// RequestsOf returns how many requests of one kind (KindCreate, KindFetch, KindList,
// KindAccount) reached their handler: authorised, and past latency, outage and injected faults.
func (s *Server) RequestsOf(kind string) int {
	if i := kindIndex(kind); i >= 0 {
		return int(s.byKind[i].Load())
	}
	return 0
}

// SetAccountStatus sets the status the account resource reports: "active" (the default),
// "suspended" or "closed".
func (s *Server) SetAccountStatus(status string) { s.accountStatus.Store(status) }

// AddInbound adds a message a patient sent to our number: from the patient, to our number (the
// provider's twilio.from), received at at (now when zero). It shows in fetch and in the list, with
// direction inbound and status received, newest first by when it was added; it is not counted by
// Count, Counts or OutageAfter, which count our messages.
func (s *Server) AddInbound(from, to, body string, at time.Time) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if at.IsZero() {
		at = s.now()
	}
	s.seq++
	m := &Message{
		SID: sid("SM", s.seq), To: to, From: from, Body: body, Status: "received",
		Segments: segment.Count(body).Segments, DateCreated: at.UTC(), DateSent: at.UTC(), Direction: "inbound",
	}
	s.msgs = append(s.msgs, m)
	s.inbound++
	s.bySID[m.SID] = m
	return *m
}

// Release sends every held message: it gets its date_sent and its final status.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC()
	for _, m := range s.msgs {
		if m.DateSent.IsZero() {
			m.DateSent = now
			m.Status, m.ErrorCode = s.outcome(m.To)
		}
	}
}

var (
	createPath  = regexp.MustCompile(`^/2010-04-01/Accounts/([^/]+)/Messages\.json$`)
	fetchPath   = regexp.MustCompile(`^/2010-04-01/Accounts/([^/]+)/Messages/([^/]+)\.json$`)
	accountPath = regexp.MustCompile(`^/2010-04-01/Accounts/([^/]+)\.json$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	w.Header().Set("Twilio-Concurrent-Requests", strconv.FormatInt(n, 10))

	// Read the whole request first, as a real server does: only then does the request's context
	// notice a client that hangs up during the injected latency.
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, 20001, "Invalid form: "+err.Error())
		return
	}
	f := s.Faults()
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if f.MaxConcurrent > 0 && n > int64(f.MaxConcurrent) {
		writeError(w, http.StatusTooManyRequests, 20429, "Too Many Requests")
		return
	}
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if f.FailAll {
		writeError(w, http.StatusInternalServerError, 20500, "Internal Server Error")
		return
	}
	if s.outage(f) {
		writeError(w, http.StatusServiceUnavailable, 20503, "Service Unavailable")
		return
	}

	var account, sid string
	create, fetchAccount := false, false
	switch {
	case accountPath.MatchString(r.URL.Path) && r.Method == http.MethodGet:
		account, fetchAccount = accountPath.FindStringSubmatch(r.URL.Path)[1], true
	case createPath.MatchString(r.URL.Path):
		account = createPath.FindStringSubmatch(r.URL.Path)[1]
		switch r.Method {
		case http.MethodPost:
			create = true
		case http.MethodGet:
		default:
			writeError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
			return
		}
	case fetchPath.MatchString(r.URL.Path) && r.Method == http.MethodGet:
		m := fetchPath.FindStringSubmatch(r.URL.Path)
		account, sid = m[1], m[2]
	default:
		writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	if account != s.AccountSID {
		writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}

	if create || f.FaultReads {
		if status, code, msg, retry := s.drawFault(f); status != 0 {
			if retry > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
			}
			writeError(w, status, code, msg)
			return
		}
	}
	switch {
	case fetchAccount:
		s.byKind[kindIndex(KindAccount)].Add(1)
		s.account(w)
	case create:
		s.byKind[kindIndex(KindCreate)].Add(1)
		s.create(w, r, f)
	case sid != "":
		s.byKind[kindIndex(KindFetch)].Add(1)
		s.fetch(w, sid)
	default:
		s.byKind[kindIndex(KindList)].Add(1)
		s.list(w, r)
	}
}

// account answers the account fetch as Twilio does (the fields smscast reads, and a few more).
func (s *Server) account(w http.ResponseWriter) {
	status, _ := s.accountStatus.Load().(string)
	if status == "" {
		status = "active"
	}
	created := rfc1123(time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC))
	writeJSON(w, http.StatusOK, map[string]any{
		"sid": s.AccountSID, "owner_account_sid": s.AccountSID, "friendly_name": "Sakura Clinic (fake)",
		"status": status, "type": "Full", "date_created": created, "date_updated": created,
		"uri": "/2010-04-01/Accounts/" + s.AccountSID + ".json",
	})
}

func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	if user == s.AccountSID && pass == s.AuthToken && s.AuthToken != "" {
		return true
	}
	return s.APIKey != "" && user == s.APIKey && pass == s.APISecret
}

func (s *Server) drawFault(f Faults) (status, code int, msg string, retry time.Duration) {
	if f.TooManyRequests == 0 && f.ServerErrors == 0 {
		return 0, 0, "", 0
	}
	s.mu.Lock()
	x := s.rng.Float64()
	s.mu.Unlock()
	switch {
	case x < f.TooManyRequests:
		return http.StatusTooManyRequests, 20429, "Too Many Requests", f.RetryAfter
	case x < f.TooManyRequests+f.ServerErrors:
		st := f.ServerStatus
		if st == 0 {
			st = http.StatusInternalServerError
		}
		return st, 20500, "Internal Server Error", 0
	}
	return 0, 0, "", 0
}

// outage reports whether the server is in the outage f.OutageAfter sets.
func (s *Server) outage(f Faults) bool {
	if f.OutageAfter <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)-s.inbound >= f.OutageAfter
}

// draw reports whether a create hits a fault given by a share and number patterns; s.mu is held.
// It draws from the generator only for a share above zero, so that seeded runs without the fault
// see the same draws as before it existed.
func (s *Server) draw(share float64, pats []string, to string) bool {
	return pattern.Any(pats, to) || (share > 0 && s.rng.Float64() < share)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, f Faults) {
	to, from, body, svc := r.PostForm.Get("To"), r.PostForm.Get("From"), r.PostForm.Get("Body"), r.PostForm.Get("MessagingServiceSid")
	switch {
	case to == "":
		writeError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case body == "":
		writeError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	case from == "" && svc == "":
		writeError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case !e164.MatchString(to) || pattern.Any(f.Invalid, to):
		writeError(w, http.StatusBadRequest, 21211, fmt.Sprintf("Invalid 'To' Phone Number: %s", to))
		return
	case pattern.Any(f.Landline, to):
		writeError(w, http.StatusBadRequest, 21614, fmt.Sprintf("'To' number %s is not a valid mobile number", to))
		return
	case pattern.Any(f.OptedOut, to):
		writeError(w, http.StatusBadRequest, 21610, "Attempt to send to unsubscribed recipient")
		return
	case len([]rune(body)) > 1600:
		writeError(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	for _, rule := range f.Reject {
		if (rule.To == "" || pattern.Match(rule.To, to)) && (rule.From == "" || pattern.Match(rule.From, from)) {
			st := rule.Status
			if st == 0 {
				st = http.StatusBadRequest
			}
			writeError(w, st, rule.Code, rule.Message)
			return
		}
	}
	validity, _ := strconv.Atoi(r.PostForm.Get("ValidityPeriod"))
	segs := segment.Count(body).Segments

	s.mu.Lock()
	late := s.draw(f.LateAccept, f.LateFor, to)
	s.mu.Unlock()
	if late {
		// Held whatever the client does: it may give up, the message is created all the same.
		d := f.LateBy
		if d <= 0 {
			d = time.Second
		}
		time.Sleep(d)
	}

	s.mu.Lock()
	if f.OutageAfter > 0 && len(s.msgs)-s.inbound >= f.OutageAfter {
		// Checked again under the lock, so that exactly OutageAfter messages are created.
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, 20503, "Service Unavailable")
		return
	}
	s.seq++
	now := s.now().UTC()
	m := &Message{
		SID: sid("SM", s.seq), To: to, From: from, Body: body, MessagingServiceSID: svc,
		StatusCallback: r.PostForm.Get("StatusCallback"), ValidityPeriod: validity,
		Status: "queued", Segments: segs, DateCreated: now,
	}
	if svc != "" {
		m.Status = "accepted"
	}
	if !f.Hold {
		m.DateSent = now
		m.Status, m.ErrorCode = s.outcome(to)
	}
	drop := pattern.Any(f.DropFor, to) || (f.AcceptThenDrop > 0 && s.rng.Float64() < f.AcceptThenDrop)
	m.Dropped = drop
	var then500, then504 bool
	switch {
	case drop:
		m.Fault = "drop"
	case s.draw(f.AcceptThen500, f.AcceptThen500For, to):
		then500, m.Fault = true, "500"
	case s.draw(f.AcceptThen504, f.AcceptThen504For, to):
		then504, m.Fault = true, "504"
	case late:
		m.Fault = "late"
	}
	s.msgs = append(s.msgs, m)
	s.bySID[m.SID] = m
	s.perTo[to]++
	resp := s.resource(m)
	s.mu.Unlock()

	// The create answer always shows the status at creation time, as Twilio's does.
	resp.Status = "queued"
	resp.ErrorCode, resp.ErrorMessage = nil, nil
	if svc != "" {
		resp.Status = "accepted"
		resp.NumSegments = "0" // no sender assigned yet
		if from == "" {
			resp.From = nil
		}
	}
	switch {
	case drop:
		dropConnection(w)
	case then500:
		writeError(w, http.StatusInternalServerError, 20500, "Internal Server Error")
	case then504:
		writeGatewayTimeout(w)
	default:
		writeJSON(w, http.StatusCreated, resp)
	}
}

// writeGatewayTimeout answers as a gateway in front of the API does when the API is slow: 504
// with an HTML page, no Twilio error body.
func writeGatewayTimeout(w http.ResponseWriter) {
	const page = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n"
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(http.StatusGatewayTimeout)
	w.Write([]byte(page))
}

// dropConnection closes the connection without an answer: the request reached the server and
// the message exists, but the client cannot know.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("twiliotest: connection cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// outcome is the final status of a message to a number; s.mu must be held.
func (s *Server) outcome(to string) (string, int) {
	for _, o := range s.faults.Outcomes {
		if pattern.Match(o.To, to) {
			return o.Status, o.ErrorCode
		}
	}
	return "delivered", 0
}

func (s *Server) fetch(w http.ResponseWriter, sid string) {
	s.mu.Lock()
	m, ok := s.bySID[sid]
	var resp resource
	if ok {
		resp = s.resource(m)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, 20404, "The requested resource /2010-04-01/Accounts/"+s.AccountSID+"/Messages/"+sid+".json was not found")
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pageSize := 50
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, 20001, "PageSize must be between 1 and 1000")
			return
		}
		pageSize = n
	}
	page := 0
	if v := q.Get("Page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, 20001, "Invalid Page")
			return
		}
		page = n
	}
	type bound struct {
		key string
		t   time.Time
	}
	var bounds []bound
	for _, key := range []string{"DateSent", "DateSent>", "DateSent<"} {
		if v := q.Get(key); v != "" {
			t, err := parseDate(v)
			if err != nil {
				writeError(w, http.StatusBadRequest, 20001, fmt.Sprintf("Invalid %s: %s", key, v))
				return
			}
			bounds = append(bounds, bound{key, t})
		}
	}

	s.mu.Lock()
	var hits []*Message
	for i := len(s.msgs) - 1; i >= 0; i-- { // newest first
		m := s.msgs[i]
		if to := q.Get("To"); to != "" && m.To != to {
			continue
		}
		if from := q.Get("From"); from != "" && m.From != from {
			continue
		}
		ok := true
		for _, b := range bounds {
			if m.DateSent.IsZero() {
				ok = false
				break
			}
			switch b.key {
			case "DateSent>": // Twilio's DateSent> means on or after
				ok = ok && !m.DateSent.Before(b.t)
			case "DateSent<":
				ok = ok && !m.DateSent.After(b.t)
			default:
				y1, m1, d1 := m.DateSent.Date()
				y2, m2, d2 := b.t.Date()
				ok = ok && y1 == y2 && m1 == m2 && d1 == d2
			}
		}
		if ok {
			hits = append(hits, m)
		}
	}
	start := min(page*pageSize, len(hits))
	end := min(start+pageSize, len(hits))
	msgs := make([]resource, 0, end-start)
	for _, m := range hits[start:end] {
		msgs = append(msgs, s.resource(m))
	}
	s.mu.Unlock()

	base := "/2010-04-01/Accounts/" + s.AccountSID + "/Messages.json"
	pageURI := func(p int, token bool) string {
		v := url.Values{}
		for _, k := range []string{"To", "From", "DateSent", "DateSent>", "DateSent<"} {
			if x := q.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		v.Set("PageSize", strconv.Itoa(pageSize))
		v.Set("Page", strconv.Itoa(p))
		if token && len(msgs) > 0 {
			v.Set("PageToken", "PA"+msgs[len(msgs)-1].SID[2:])
		}
		return base + "?" + encodeOrdered(v)
	}
	resp := listResponse{
		End: start + len(msgs) - 1, FirstPageURI: pageURI(0, false), Page: page, PageSize: pageSize,
		Start: start, URI: pageURI(page, false), Messages: msgs,
	}
	if len(msgs) == 0 {
		resp.End = start
	}
	if end < len(hits) {
		u := pageURI(page+1, true)
		resp.NextPageURI = &u
	}
	if page > 0 {
		u := pageURI(page-1, false)
		resp.PreviousPageURI = &u
	}
	writeJSON(w, http.StatusOK, resp)
}

// encodeOrdered encodes like url.Values.Encode but keeps Twilio's parameter order.
func encodeOrdered(v url.Values) string {
	order := map[string]int{"To": 0, "From": 1, "DateSent": 2, "DateSent>": 3, "DateSent<": 4, "PageSize": 5, "Page": 6, "PageToken": 7}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return order[keys[i]] < order[keys[j]] })
	var b strings.Builder
	for _, k := range keys {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v.Get(k)))
	}
	return b.String()
}

func parseDate(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02", time.RFC1123Z, time.RFC1123, "2006-01-02 15:04:05.000"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unknown date format %q", v)
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func sid(prefix string, n uint64) string {
	var b [16]byte
	for i := range 8 {
		b[15-i] = byte(n >> (8 * i))
	}
	b[0] = 0x5a // keeps SIDs from different prefixes and sequences visibly fake
	return prefix + hex.EncodeToString(b[:])
}

// resource is the Message resource exactly as the API returns it: every field present, nulls
// explicit, counts as strings, dates in RFC 1123 with a numeric zone.
type resource struct {
	AccountSID          string            `json:"account_sid"`
	APIVersion          string            `json:"api_version"`
	Body                string            `json:"body"`
	DateCreated         string            `json:"date_created"`
	DateSent            *string           `json:"date_sent"`
	DateUpdated         string            `json:"date_updated"`
	Direction           string            `json:"direction"`
	ErrorCode           *int              `json:"error_code"`
	ErrorMessage        *string           `json:"error_message"`
	From                *string           `json:"from"`
	MessagingServiceSID *string           `json:"messaging_service_sid"`
	NumMedia            string            `json:"num_media"`
	NumSegments         string            `json:"num_segments"`
	Price               *string           `json:"price"`
	PriceUnit           *string           `json:"price_unit"`
	SID                 string            `json:"sid"`
	Status              string            `json:"status"`
	SubresourceURIs     map[string]string `json:"subresource_uris"`
	To                  string            `json:"to"`
	URI                 string            `json:"uri"`
}

type listResponse struct {
	End             int        `json:"end"`
	FirstPageURI    string     `json:"first_page_uri"`
	NextPageURI     *string    `json:"next_page_uri"`
	Page            int        `json:"page"`
	PageSize        int        `json:"page_size"`
	PreviousPageURI *string    `json:"previous_page_uri"`
	Messages        []resource `json:"messages"`
	Start           int        `json:"start"`
	URI             string     `json:"uri"`
}

// errorMessages are the texts of error_message for delivery error codes.
var errorMessages = map[int]string{
	30001: "Queue overflow", 30002: "Account suspended", 30003: "Unreachable destination handset",
	30004: "Message blocked", 30005: "Unknown destination handset", 30006: "Landline or unreachable carrier",
	30007: "Message filtered", 30008: "Unknown error",
}

// resource renders m; s.mu must be held.
func (s *Server) resource(m *Message) resource {
	uri := "/2010-04-01/Accounts/" + s.AccountSID + "/Messages/" + m.SID + ".json"
	r := resource{
		AccountSID: s.AccountSID, APIVersion: "2010-04-01", Body: m.Body,
		DateCreated: rfc1123(m.DateCreated), DateUpdated: rfc1123(m.DateCreated),
		Direction: "outbound-api", NumMedia: "0", NumSegments: strconv.Itoa(m.Segments),
		SID: m.SID, Status: m.Status, To: m.To, URI: uri,
		SubresourceURIs: map[string]string{"media": strings.TrimSuffix(uri, ".json") + "/Media.json"},
	}
	if m.Direction != "" {
		r.Direction = m.Direction
	}
	if !m.DateSent.IsZero() {
		d := rfc1123(m.DateSent)
		r.DateSent, r.DateUpdated = &d, d
	}
	if m.From != "" {
		r.From = &m.From
	}
	svc := m.MessagingServiceSID
	if svc == "" {
		svc = s.defaultM
	}
	r.MessagingServiceSID = &svc
	if m.ErrorCode != 0 {
		code := m.ErrorCode
		msg, ok := errorMessages[code]
		if !ok {
			msg = "Error " + strconv.Itoa(code)
		}
		r.ErrorCode, r.ErrorMessage = &code, &msg
	}
	return r
}

func rfc1123(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{
		"code": code, "message": msg, "more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code), "status": status,
	})
}

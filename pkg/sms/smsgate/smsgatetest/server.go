// Package smsgatetest is a fake SMS Gateway for Android local server on httptest, with fault
// injection, for the provider's tests and the engine's. It listens on loopback only.
//
// It serves the calls smscast makes, shaped like the app's local API (see
// testdata/android_sms_gateway_local_api.json in the shared docs):
//
//	POST /messages        create; 409 on an id it already has
//	GET  /messages/{id}   state, per recipient, with its history; 404 when unknown
//	GET  /messages        states by page: from, to, state, limit, offset; X-Total-Count
//	GET  /inbox           received messages by page: type, from, to, limit (≤ 500), offset; X-Total-Count
//	GET  /health          no auth; 503 when the status is fail
//
// Each message moves through its states as time passes on the server's clock, one state per
// Step: Pending → Processed → Sent → Delivered, or → Failed for numbers configured so.
package smsgatetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smscast/smscast/pkg/sms/internal/pattern"
)

// Default credentials the server accepts.
const (
	DefaultUsername = "sms"
	DefaultPassword = "fakeLocalPass0123"
)

// DefaultStep is how long a message stays in each state unless WithStep says otherwise.
const DefaultStep = 5 * time.Millisecond

// Faults are the failures the server injects. Patterns are matched against the recipient's
// number: a glob ("+8190*0000") or a suffix ("0000"), as in the simulator.
type Faults struct {
	Latency time.Duration // added to every request; the request is dropped if the client hangs up
	FailAll bool          // answer every request (but /health) 500

	ServerError     []string      // creates answered 500 before anything is stored
	Unavailable     []string      // creates answered 503 "queue limits exceeded": nothing stored
	TooManyRequests []string      // creates answered 429: nothing stored
	RetryAfter      time.Duration // sent as Retry-After (whole seconds) with 429 and 503 when > 0
	HTMLErrors      bool          // error answers are an HTML page, not the app's JSON
	Invalid         []string      // creates answered 400 "Invalid phone number"

	AcceptThen500  []string // stored, then answered 500
	AcceptThenDrop []string // stored, then the connection is closed without an answer
	LateAccept     []string // held for LateAfter whatever the client does, then stored and answered
	LateAfter      time.Duration

	// OutageAfter, when > 0, takes the server down once it has stored that many messages: every
	// later connection is refused, and a request on a connection opened before is dropped.
	OutageAfter int
	FaultReads  bool // apply FailAll's and ServerError's 500 to reads too (ServerError by number for GET /messages/{id})

	Failed      []string // Pending → Processed → Failed: the phone could not send
	Undelivered []string // Pending → Processed → Sent → Failed: the delivery report said no
	FailError   string   // the recipient's error for those; RESULT_ERROR_GENERIC_FAILURE when empty
	Hold        bool     // new messages stay Pending until Release
}

// Message is one message the server stored.
type Message struct {
	ID                 string
	To                 string
	Text               string
	SIM                int // 0 when the request named none
	WithDeliveryReport bool
	Created            time.Time
	Held               bool
	Path               []string // the states it goes through
	Answer             string   // how its create was answered: "202", "500", "dropped", "late"
}

// HealthCheck is one entry of the health report.
type HealthCheck struct {
	Description   string `json:"description,omitempty"`
	ObservedUnit  string `json:"observedUnit,omitempty"`
	ObservedValue int    `json:"observedValue"`
	Status        string `json:"status"`
}

// Inbound is a received message in the fake's inbox.
type Inbound struct {
	ID     string
	Sender string
	Text   string
	At     time.Time
	Type   string // "SMS" unless set
}

// Option configures a Server.
type Option func(*Server)

// WithCredentials sets the user name and password the server accepts.
func WithCredentials(user, pass string) Option {
	return func(s *Server) { s.Username, s.Password = user, pass }
}

// WithFaults sets the initial faults.
func WithFaults(f Faults) Option { return func(s *Server) { s.faults = f } }

// WithClock sets the server's clock (message states, dates, filters).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithStep sets how long a message stays in each state.
func WithStep(d time.Duration) Option { return func(s *Server) { s.step = d } }

// Server is the fake. Its methods are safe for concurrent use with requests in flight.
type Server struct {
	*httptest.Server
	Username, Password string

	requests atomic.Int64
	lists    atomic.Int64
	down     atomic.Bool

	mu      sync.Mutex
	faults  Faults
	now     func() time.Time
	step    time.Duration
	msgs    []*Message
	byID    map[string]*Message
	perTo   map[string]int
	inbox   []Inbound
	health  string
	checks  map[string]HealthCheck
	seq     int
	stored  int
	outaged bool
}

// NewServer starts a fake local server on a loopback port. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		Username: DefaultUsername,
		Password: DefaultPassword,
		now:      time.Now,
		step:     DefaultStep,
		byID:     map[string]*Message{},
		perTo:    map[string]int{},
		health:   "pass",
		checks: map[string]HealthCheck{
			"battery:level":     {Description: "Battery level in percent", ObservedUnit: "percent", ObservedValue: 90, Status: "pass"},
			"connection:status": {Description: "Internet connection status", ObservedUnit: "boolean", ObservedValue: 1, Status: "pass"},
		},
	}
	for _, o := range opts {
		o(s)
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

// UpdateFaults changes the faults under the server's lock.
func (s *Server) UpdateFaults(fn func(*Faults)) {
	s.mu.Lock()
	fn(&s.faults)
	s.mu.Unlock()
}

// SetHealth sets the overall status (pass, warn, fail) and replaces the checks when given.
func (s *Server) SetHealth(status string, checks map[string]HealthCheck) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.health = status
	if checks != nil {
		s.checks = checks
	}
}

// AddInbound puts a received message in the inbox and returns its id.
func (s *Server) AddInbound(m Inbound) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	if m.ID == "" {
		m.ID = fmt.Sprintf("in%06d", s.seq)
	}
	if m.Type == "" {
		m.Type = "SMS"
	}
	if m.At.IsZero() {
		m.At = s.now()
	}
	s.inbox = append(s.inbox, m)
	return m.ID
}

// Release lets held messages move on from Pending, as if the phone had just taken them.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, m := range s.msgs {
		if m.Held {
			m.Held, m.Created = false, now
		}
	}
}

// Messages returns every message stored so far, in order (dropped and late ones included).
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = *m
	}
	return out
}

// Count returns how many messages were stored to a number: what the patient receives.
func (s *Server) Count(to string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.perTo[to]
}

// Counts returns how many messages were stored per number.
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

// ListRequests returns how many GET /messages (list) requests the server has received.
func (s *Server) ListRequests() int { return int(s.lists.Load()) }

// Down reports whether an outage (Faults.OutageAfter) has taken the server down.
func (s *Server) Down() bool { return s.down.Load() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.down.Load() {
		dropConnection(w)
		return
	}
	s.mu.Lock()
	f := s.faults
	s.mu.Unlock()

	var create *createBody
	if r.Method == http.MethodPost && r.URL.Path == "/messages" {
		// Read the whole request first, as a real server does: only then does the request's
		// context notice a client that hangs up during the injected latency.
		create = &createBody{}
		if err := json.NewDecoder(r.Body).Decode(create); err != nil {
			s.writeError(w, f, http.StatusBadRequest, "Invalid request body: "+err.Error())
			return
		}
	}
	if r.URL.Path != "/health" && !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Access to SMS Gateway"`)
		s.writeError(w, f, http.StatusUnauthorized, "Unauthorized")
		return
	}
	if f.Latency > 0 && !sleep(r, f.Latency) {
		return
	}
	if f.FailAll && r.URL.Path != "/health" && (create != nil || f.FaultReads) {
		s.writeError(w, f, http.StatusInternalServerError, "internal server error")
		return
	}

	switch {
	case create != nil:
		s.create(w, r, f, create)
	case r.Method != http.MethodGet:
		s.writeError(w, f, http.StatusMethodNotAllowed, "method not allowed")
	case r.URL.Path == "/health":
		s.serveHealth(w)
	case r.URL.Path == "/messages":
		s.lists.Add(1)
		s.list(w, r, f)
	case strings.HasPrefix(r.URL.Path, "/messages/"):
		s.get(w, f, strings.TrimPrefix(r.URL.Path, "/messages/"))
	case r.URL.Path == "/inbox":
		s.serveInbox(w, r, f)
	default:
		s.writeError(w, f, http.StatusNotFound, "not found")
	}
}

// sleep waits d, or until the client hangs up (false).
func sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.Context().Done():
		return false
	case <-t.C:
		return true
	}
}

func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return ok && s.Password != "" && user == s.Username && pass == s.Password
}

type createBody struct {
	ID          string `json:"id"`
	TextMessage *struct {
		Text string `json:"text"`
	} `json:"textMessage"`
	Message            *string  `json:"message"`
	PhoneNumbers       []string `json:"phoneNumbers"`
	WithDeliveryReport *bool    `json:"withDeliveryReport"`
	SIMNumber          *int     `json:"simNumber"`
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, f Faults, req *createBody) {
	switch {
	case req.TextMessage == nil && req.Message == nil:
		s.writeError(w, f, http.StatusBadRequest, "Must specify exactly one of: textMessage, dataMessage, mmsMessage, or message")
		return
	case req.TextMessage != nil && req.TextMessage.Text == "":
		s.writeError(w, f, http.StatusBadRequest, "Text message is empty")
		return
	case len(req.PhoneNumbers) == 0:
		s.writeError(w, f, http.StatusBadRequest, "phoneNumbers is empty")
		return
	case req.SIMNumber != nil && (*req.SIMNumber < 1 || *req.SIMNumber > 3):
		s.writeError(w, f, http.StatusBadRequest, "simNumber must be >= 1")
		return
	case len(req.ID) > 36:
		s.writeError(w, f, http.StatusBadRequest, "id must be at most 36 characters")
		return
	}
	to := req.PhoneNumbers[0]
	switch {
	case pattern.Any(f.Invalid, to) || !strings.HasPrefix(to, "+"):
		s.writeError(w, f, http.StatusBadRequest, "Invalid phone number: "+to)
		return
	case pattern.Any(f.ServerError, to):
		s.writeError(w, f, http.StatusInternalServerError, "internal server error")
		return
	case pattern.Any(f.Unavailable, to):
		s.retryAfter(w, f)
		s.writeError(w, f, http.StatusServiceUnavailable, "Queue limits exceeded; ensure device is online")
		return
	case pattern.Any(f.TooManyRequests, to):
		s.retryAfter(w, f)
		s.writeError(w, f, http.StatusTooManyRequests, "Too many requests")
		return
	}
	late := pattern.Any(f.LateAccept, to)
	if late && f.LateAfter > 0 {
		// The phone was slow, not gone: it stores the message whatever the client does.
		time.Sleep(f.LateAfter)
	}

	text := ""
	if req.TextMessage != nil {
		text = req.TextMessage.Text
	} else {
		text = *req.Message
	}
	s.mu.Lock()
	s.seq++
	id := req.ID
	if id == "" {
		id = fmt.Sprintf("gen%018d", s.seq)
	}
	if _, dup := s.byID[id]; dup {
		s.mu.Unlock()
		s.writeError(w, f, http.StatusConflict, "message with such ID already exists")
		return
	}
	m := &Message{ID: id, To: to, Text: text, Created: s.now(), Held: f.Hold, Path: s.path(f, to),
		WithDeliveryReport: req.WithDeliveryReport == nil || *req.WithDeliveryReport, Answer: "202"}
	if req.SIMNumber != nil {
		m.SIM = *req.SIMNumber
	}
	drop, fail := pattern.Any(f.AcceptThenDrop, to), pattern.Any(f.AcceptThen500, to)
	switch {
	case drop:
		m.Answer = "dropped"
	case fail:
		m.Answer = "500"
	case late:
		m.Answer = "late"
	}
	s.msgs = append(s.msgs, m)
	s.byID[id] = m
	for _, n := range req.PhoneNumbers {
		s.perTo[n]++
	}
	s.stored++
	outage := f.OutageAfter > 0 && s.stored >= f.OutageAfter && !s.outaged
	if outage {
		s.outaged = true
		s.down.Store(true)
	}
	resp := s.state(m)
	s.mu.Unlock()
	if outage {
		// Before this answer leaves: it says Connection: close, idle connections are closed and
		// the listener too, so every later request finds the connection refused.
		s.Config.SetKeepAlivesEnabled(false)
		s.Listener.Close()
	}

	switch {
	case drop:
		dropConnection(w)
	case fail:
		s.writeError(w, f, http.StatusInternalServerError, "failed to enqueue message")
	default:
		w.Header().Set("Location", "/messages/"+id)
		writeJSON(w, http.StatusAccepted, resp)
	}
}

func (s *Server) retryAfter(w http.ResponseWriter, f Faults) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
}

// path is the states a message to a number goes through; s.mu must be held.
func (s *Server) path(f Faults, to string) []string {
	switch {
	case pattern.Any(f.Failed, to):
		return []string{"Pending", "Processed", "Failed"}
	case pattern.Any(f.Undelivered, to):
		return []string{"Pending", "Processed", "Sent", "Failed"}
	}
	return []string{"Pending", "Processed", "Sent", "Delivered"}
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("smsgatetest: connection cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

type recipientJSON struct {
	PhoneNumber string `json:"phoneNumber"`
	State       string `json:"state"`
	Error       string `json:"error,omitempty"`
}

type stateJSON struct {
	ID          string            `json:"id"`
	DeviceID    string            `json:"deviceId"`
	State       string            `json:"state"`
	IsHashed    bool              `json:"isHashed"`
	IsEncrypted bool              `json:"isEncrypted"`
	Recipients  []recipientJSON   `json:"recipients"`
	States      map[string]string `json:"states"`
}

const deviceID = "FakeDevice00000000001"

// state is a message's state now; s.mu must be held.
func (s *Server) state(m *Message) stateJSON {
	reached := 1
	if !m.Held {
		if s.step <= 0 {
			reached = len(m.Path)
		} else {
			reached = min(len(m.Path), 1+int(s.now().Sub(m.Created)/s.step))
		}
	}
	st := stateJSON{ID: m.ID, DeviceID: deviceID, States: map[string]string{}}
	for i := range reached {
		st.States[m.Path[i]] = m.Created.Add(time.Duration(i) * s.step).UTC().Format(time.RFC3339Nano)
	}
	st.State = m.Path[reached-1]
	r := recipientJSON{PhoneNumber: m.To, State: st.State}
	if st.State == "Failed" {
		r.Error = s.faults.FailError
		if r.Error == "" {
			r.Error = "RESULT_ERROR_GENERIC_FAILURE"
		}
	}
	st.Recipients = []recipientJSON{r}
	return st
}

func (s *Server) get(w http.ResponseWriter, f Faults, id string) {
	s.mu.Lock()
	m, ok := s.byID[id]
	var st stateJSON
	if ok {
		st = s.state(m)
	}
	s.mu.Unlock()
	switch {
	case !ok:
		w.WriteHeader(http.StatusNotFound) // the app answers 404 with no body
	case f.FaultReads && pattern.Any(f.ServerError, m.To):
		s.writeError(w, f, http.StatusInternalServerError, "internal server error")
	default:
		writeJSON(w, http.StatusOK, st)
	}
}

// page reads limit and offset; ok is false when they are invalid (answered 400).
func (s *Server) page(w http.ResponseWriter, r *http.Request, f Faults, max int) (limit, offset int, ok bool) {
	q := r.URL.Query()
	limit, offset = 50, 0
	var err error
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > max {
			s.writeError(w, f, http.StatusBadRequest, fmt.Sprintf("limit must be between 1 and %d", max))
			return 0, 0, false
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			s.writeError(w, f, http.StatusBadRequest, "offset must not be negative")
			return 0, 0, false
		}
	}
	return limit, offset, true
}

// dateRange reads from and to (RFC 3339); ok is false when they are invalid (answered 400).
func (s *Server) dateRange(w http.ResponseWriter, r *http.Request, f Faults) (from, to time.Time, ok bool) {
	q := r.URL.Query()
	to = s.now()
	var err error
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.RFC3339Nano, v); err != nil {
			s.writeError(w, f, http.StatusBadRequest, "invalid from: "+v)
			return from, to, false
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.RFC3339Nano, v); err != nil {
			s.writeError(w, f, http.StatusBadRequest, "invalid to: "+v)
			return from, to, false
		}
	}
	if from.After(to) {
		s.writeError(w, f, http.StatusBadRequest, "Start date cannot be after end date")
		return from, to, false
	}
	return from, to, true
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, f Faults) {
	limit, offset, ok := s.page(w, r, f, 1000)
	if !ok {
		return
	}
	from, to, ok := s.dateRange(w, r, f)
	if !ok {
		return
	}
	if f.FaultReads && len(f.ServerError) > 0 {
		s.writeError(w, f, http.StatusInternalServerError, "Failed to retrieve messages")
		return
	}
	want := r.URL.Query().Get("state")
	s.mu.Lock()
	var all []stateJSON
	for i := len(s.msgs) - 1; i >= 0; i-- { // newest first
		m := s.msgs[i]
		if m.Created.Before(from) || m.Created.After(to) {
			continue
		}
		st := s.state(m)
		if want != "" && st.State != want {
			continue
		}
		all = append(all, st)
	}
	s.mu.Unlock()
	w.Header().Set("X-Total-Count", strconv.Itoa(len(all)))
	writeJSON(w, http.StatusOK, window(all, offset, limit))
}

func window[T any](all []T, offset, limit int) []T {
	if offset >= len(all) {
		return []T{}
	}
	return all[offset:min(len(all), offset+limit)]
}

type incomingJSON struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	Sender         string `json:"sender"`
	ContentPreview string `json:"contentPreview"`
	CreatedAt      string `json:"createdAt"`
	SIMNumber      int    `json:"simNumber,omitempty"`
}

func (s *Server) serveInbox(w http.ResponseWriter, r *http.Request, f Faults) {
	limit, offset, ok := s.page(w, r, f, 500)
	if !ok {
		return
	}
	from, to, ok := s.dateRange(w, r, f)
	if !ok {
		return
	}
	typ := r.URL.Query().Get("type")
	s.mu.Lock()
	var all []incomingJSON
	for _, m := range s.inbox {
		if m.At.Before(from) || m.At.After(to) || (typ != "" && m.Type != typ) {
			continue
		}
		all = append(all, incomingJSON{ID: m.ID, Type: m.Type, Sender: m.Sender, ContentPreview: m.Text,
			CreatedAt: m.At.UTC().Format(time.RFC3339Nano)})
	}
	s.mu.Unlock()
	sort.SliceStable(all, func(i, j int) bool { return all[i].CreatedAt > all[j].CreatedAt }) // newest first
	w.Header().Set("X-Total-Count", strconv.Itoa(len(all)))
	writeJSON(w, http.StatusOK, window(all, offset, limit))
}

func (s *Server) serveHealth(w http.ResponseWriter) {
	s.mu.Lock()
	body := map[string]any{"status": s.health, "version": "1.0.0-fake", "releaseId": 1, "checks": s.checks}
	status := http.StatusOK
	if s.health == "fail" {
		status = http.StatusServiceUnavailable
	}
	s.mu.Unlock()
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) writeError(w http.ResponseWriter, f Faults, status int, msg string) {
	if f.HTMLErrors {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", status, http.StatusText(status))
		return
	}
	writeJSON(w, status, map[string]any{"message": msg, "code": status})
}

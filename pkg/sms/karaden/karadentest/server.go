// Package karadentest is a fake 空電プッシュ (Karaden) messages API on httptest, with fault
// injection, for the provider's tests, the engine's tests and benchmarks. It listens on loopback
// only.
//
// It serves the three calls smscast makes, shaped like Karaden's API 2024-03-01 (see
// testdata/karaden_api_2024-03-01.yaml in the shared docs):
//
//	POST {base}/{tenant_id}/messages            create (form: service_id, to, body, tags[])
//	GET  {base}/{tenant_id}/messages/{id}       fetch
//	GET  {base}/{tenant_id}/messages            list: service_id, to, status, result, sent_result,
//	                                            tag, start_at, end_at, page, per_page (≤ 100)
//
// where {base} is the server's URL plus "/api". Every request needs "Authorization: Bearer <key>"
// and "Karaden-Version: 2024-03-01"; the fake is stricter than Karaden, which takes a missing
// version header to mean its current version, so that a client that forgets it is caught.
//
// A message is waiting, then done with result processing (the carrier known), then final, as
// Timing says; the final state comes from Outcomes. Numbers in patterns may be written in the
// domestic form (09011110004, a suffix 0004, a glob 090*) or in E.164 (+819011110004).
//
// Probabilistic faults hit creates only unless Faults.FaultReads is set, so that reconciliation
// in exactly-once tests is not itself made to fail by accident.
package karadentest

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/smscast/smscast/pkg/sms/internal/pattern"
)

// Defaults the server accepts. All fictitious.
const (
	DefaultTenantID  = "00000000-0000-4000-8000-00000000fa4e"
	DefaultServiceID = 1
	DefaultAPIKey    = "test_karaden_key_0123456789abcdef"
	APIVersion       = "2024-03-01"
)

// Validation limits. MaxChars is Karaden's documented body limit. The spec gives tags no
// limits; MaxTags and MaxTagLen are the fake's assumption, so that a client that would send
// unbounded tags is caught.
const (
	MaxChars  = 660
	MaxTags   = 10
	MaxTagLen = 64
)

// Fault is a failure injected for the numbers of a NumberFault.
type Fault string

// Faults per number.
const (
	FaultTooMany           Fault = "429"                  // 429 with Retry-After; nothing stored
	FaultServerError       Fault = "500"                  // 500 code unknown; nothing stored
	FaultHTML503           Fault = "html-503"             // 503 with an HTML page; nothing stored
	FaultAcceptThen500     Fault = "accept-then-500"      // stored, then answered 500
	FaultAcceptThenHTML504 Fault = "accept-then-html-504" // stored, then answered 504 with HTML (a gateway timing out)
	FaultAcceptThenDrop    Fault = "accept-then-drop"     // stored, then the connection is closed
	FaultLate              Fault = "late"                 // stored after Faults.LateAccept even if the client left
)

// NumberFault injects a fault into every create to matching numbers.
type NumberFault struct {
	To    string
	Fault Fault
}

// Rule answers a create to matching numbers with an error object (an empty To matches all).
type Rule struct {
	To      string
	Status  int    // HTTP status; 422 when 0
	Code    string // validation_error when empty
	Field   string // for a validation error: the field named in errors
	Message string // Karaden's message; a default for the code when empty
}

// Faults are the failures the server injects.
type Faults struct {
	Latency time.Duration // added to every request

	TooManyRequests float64       // share of creates answered 429
	RetryAfter      time.Duration // sent as Retry-After (whole seconds, rounded up) with 429s when > 0
	ServerErrors    float64       // share of creates answered 500, code unknown
	HTMLUnavailable float64       // share of creates answered 503 with an HTML page
	AcceptThen500   float64       // share of creates stored and then answered 500
	AcceptThenHTML  float64       // share of creates stored and then answered 503 with HTML
	AcceptThenDrop  float64       // share of creates stored and then answered by closing the connection
	FaultReads      bool          // apply TooManyRequests, ServerErrors and HTMLUnavailable to reads too

	// LateAccept delays creates to the numbers of NumberFaults with FaultLate (every create when
	// there are none): the server waits this long whether or not the client is still there, then
	// stores the message and answers.
	LateAccept time.Duration

	// OutageAfter: once this many messages exist, every request is answered 503 with HTML, until
	// the faults are changed (0: no outage).
	OutageAfter int

	For    []NumberFault
	Reject []Rule // checked after the spec's validation; the first match wins
}

// Outcome is how messages to matching numbers end.
type Outcome struct {
	To         string
	Status     string // final status: done (default), error, canceled, processing_error
	SentResult string // with done: received (default), unconnected, error, unknown, none
	Carrier    string // docomo (default), au, softbank, rakuten, unknown
}

// Timing is how long a message stays in each state before its outcome.
type Timing struct {
	Waiting    time.Duration // status waiting, result processing, carrier checking
	Processing time.Duration // status done, result processing, the carrier known
}

// DefaultTiming keeps the conformance suite's polling short.
var DefaultTiming = Timing{Waiting: 5 * time.Millisecond, Processing: 10 * time.Millisecond}

// Message is one message the server created.
type Message struct {
	ID        string
	ServiceID int
	To        string // domestic, as received
	Body      string
	Tags      []string
	CreatedAt time.Time
	Outcome   Outcome
	Answer    int  // HTTP status of the create's answer; 0 when dropped
	Late      bool // stored after the late-acceptance delay
}

// Option configures a Server.
type Option func(*Server)

// WithFaults sets the initial faults.
func WithFaults(f Faults) Option { return func(s *Server) { s.faults = f } }

// WithOutcomes sets how messages end, by number.
func WithOutcomes(o ...Outcome) Option { return func(s *Server) { s.outcomes = o } }

// WithTiming sets how long messages stay waiting and processing.
func WithTiming(t Timing) Option { return func(s *Server) { s.timing = t } }

// WithClock sets the server's clock (created_at, filters and state changes).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithSeed seeds the probabilistic faults.
func WithSeed(seed uint64) Option {
	return func(s *Server) { s.rng = rand.New(rand.NewPCG(seed, seed^0x5eed)) }
}

// WithCredentials sets the tenant, service and API key the server accepts.
func WithCredentials(tenant string, service int, key string) Option {
	return func(s *Server) { s.TenantID, s.ServiceID, s.APIKey = tenant, service, key }
}

// Server is the fake. Its methods are safe for concurrent use with requests in flight.
type Server struct {
	*httptest.Server
	TenantID  string
	ServiceID int
	APIKey    string

	requests, creates, fetches, lists atomic.Int64
	late                              atomic.Int64 // late acceptances sleeping

	mu       sync.Mutex
	faults   Faults
	outcomes []Outcome
	timing   Timing
	rng      *rand.Rand
	now      func() time.Time
	seq      uint64
	msgs     []*Message
	byID     map[string]*Message
	perTo    map[string]int
}

// NewServer starts a fake Karaden on a loopback port. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		TenantID: DefaultTenantID, ServiceID: DefaultServiceID, APIKey: DefaultAPIKey,
		timing: DefaultTiming, now: time.Now,
		byID: map[string]*Message{}, perTo: map[string]int{},
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

// BaseURL is the URL to configure as karaden.base_url.
func (s *Server) BaseURL() string { return s.URL + "/api" }

// WaitLate waits until every late acceptance under way has stored its message. (Close also
// waits for them, as it waits for every request in flight.)
func (s *Server) WaitLate() {
	for s.late.Load() > 0 {
		time.Sleep(time.Millisecond)
	}
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

// SetOutcomes replaces the outcomes, for messages created from now on.
func (s *Server) SetOutcomes(o ...Outcome) {
	s.mu.Lock()
	s.outcomes = o
	s.mu.Unlock()
}

// Messages returns every message created so far, in creation order (dropped ones included).
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = *m
		out[i].Tags = slices.Clone(m.Tags)
	}
	return out
}

// Count returns how many messages were created to a number (domestic or E.164).
func (s *Server) Count(to string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.perTo[domestic(to)]
}

// Counts returns how many messages were created per domestic number.
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

// Creates, Fetches and Lists count the requests of each kind that passed authentication.
func (s *Server) Creates() int { return int(s.creates.Load()) }
func (s *Server) Fetches() int { return int(s.fetches.Load()) }
func (s *Server) Lists() int   { return int(s.lists.Load()) }

// domestic turns +81… into 0…, so that tests may use either form.
func domestic(n string) string {
	if rest, ok := strings.CutPrefix(n, "+81"); ok {
		return "0" + rest
	}
	return n
}

func match(p, number string) bool { return pattern.Match(domestic(p), number) }

var (
	tenantPath = regexp.MustCompile(`^/api/([^/]+)/messages$`)
	msgPath    = regexp.MustCompile(`^/api/([^/]+)/messages/([^/]+)$`)
	uuidRe     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	toRe       = regexp.MustCompile(`^[0-9]{11}$`)
)

// Karaden's messages, as its spec gives them.
const (
	msgUnauthenticated = "認証に失敗しました、指定されているトークンは利用できません"
	msgInvalidTenant   = "不正なテナントIDが指定されています"
	msgInvalidVersion  = "不正なバージョンが指定されています"
	msgNotFound        = "対象となるモデルが見つかりませんでした、または指定されたトークンでは操作できない可能性があります。"
	msgValidation      = "バリデーションエラーが発生しました"
	msgUnknown         = "不明なエラーが発生しました"
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	// Read the whole request first, as a real server does: only then does the request's context
	// notice a client that hangs up during the injected latency.
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "validation_error", msgValidation, map[string][]string{"body": {err.Error()}})
		return
	}
	if auth := r.Header.Get("Authorization"); auth != "Bearer "+s.APIKey || s.APIKey == "" {
		writeError(w, http.StatusUnauthorized, "unauthentication", msgUnauthenticated, nil)
		return
	}
	if r.Header.Get("Karaden-Version") != APIVersion {
		writeError(w, http.StatusBadRequest, "invalid_version", msgInvalidVersion, nil)
		return
	}
	var tenant, id string
	switch {
	case tenantPath.MatchString(r.URL.Path):
		tenant = tenantPath.FindStringSubmatch(r.URL.Path)[1]
	case msgPath.MatchString(r.URL.Path):
		m := msgPath.FindStringSubmatch(r.URL.Path)
		tenant, id = m[1], m[2]
	default:
		writeError(w, http.StatusNotFound, "model_not_found", msgNotFound, nil)
		return
	}
	if tenant != s.TenantID {
		writeError(w, http.StatusBadRequest, "invalid_tenant", msgInvalidTenant, nil)
		return
	}
	create := id == "" && r.Method == http.MethodPost
	if r.Method != http.MethodGet && !create {
		w.Header().Set("Allow", "GET, POST")
		writeError(w, http.StatusMethodNotAllowed, "unknown", "Method Not Allowed", nil)
		return
	}
	switch {
	case create:
		s.creates.Add(1)
	case id != "":
		s.fetches.Add(1)
	default:
		s.lists.Add(1)
	}

	s.mu.Lock()
	f := s.faults
	outage := f.OutageAfter > 0 && len(s.msgs) >= f.OutageAfter
	s.mu.Unlock()
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if outage {
		writeHTML503(w)
		return
	}
	if create || f.FaultReads {
		if s.preFault(w, r, f, create) {
			return
		}
	}
	switch {
	case create:
		s.create(w, r, f)
	case id != "":
		s.fetch(w, id)
	default:
		s.list(w, r)
	}
}

// preFault answers with a fault that stores nothing, and reports whether it did.
func (s *Server) preFault(w http.ResponseWriter, r *http.Request, f Faults, create bool) bool {
	var fault Fault
	if create {
		fault = numberFault(f, domestic(r.PostForm.Get("to")))
	}
	if fault == "" {
		s.mu.Lock()
		x := s.rng.Float64()
		s.mu.Unlock()
		switch {
		case x < f.TooManyRequests:
			fault = FaultTooMany
		case x < f.TooManyRequests+f.ServerErrors:
			fault = FaultServerError
		case x < f.TooManyRequests+f.ServerErrors+f.HTMLUnavailable:
			fault = FaultHTML503
		}
	}
	switch fault {
	case FaultTooMany:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
		}
		writeError(w, http.StatusTooManyRequests, "too_many_requests", "リクエストが多すぎます", nil)
	case FaultServerError:
		writeError(w, http.StatusInternalServerError, "unknown", msgUnknown, nil)
	case FaultHTML503:
		writeHTML503(w)
	default:
		return false
	}
	return true
}

func numberFault(f Faults, to string) Fault {
	for _, nf := range f.For {
		if match(nf.To, to) {
			return nf.Fault
		}
	}
	return ""
}

// validate applies the spec's rules to a create and returns the errors by field.
func (s *Server) validate(form map[string][]string) map[string][]string {
	errs := map[string][]string{}
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	switch svc := get("service_id"); {
	case svc == "":
		errs["service_id"] = []string{"サービス設定IDは必須です。"}
	case svc != strconv.Itoa(s.ServiceID):
		errs["service_id"] = []string{"選択されたサービス設定IDは正しくありません。"}
	}
	switch to := get("to"); {
	case to == "":
		errs["to"] = []string{"送信先電話番号は必須です。"}
	case !toRe.MatchString(to):
		errs["to"] = []string{"送信先電話番号の形式が正しくありません。"}
	}
	switch body := get("body"); {
	case body == "":
		errs["body"] = []string{"本文は必須です。"}
	case utf8.RuneCountInString(body) > MaxChars:
		errs["body"] = []string{fmt.Sprintf("本文は%d文字以下で入力してください。", MaxChars)}
	}
	tags := form["tags[]"]
	if len(tags) > MaxTags {
		errs["tags"] = []string{fmt.Sprintf("タグは%d個以下で指定してください。", MaxTags)}
	}
	for i, t := range tags {
		if t == "" || utf8.RuneCountInString(t) > MaxTagLen {
			errs["tags."+strconv.Itoa(i)] = []string{fmt.Sprintf("タグは1文字以上%d文字以下で指定してください。", MaxTagLen)}
		}
	}
	return errs
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, f Faults) {
	if errs := s.validate(r.PostForm); len(errs) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "validation_error", msgValidation, errs)
		return
	}
	to := r.PostForm.Get("to")
	for _, rule := range f.Reject {
		if rule.To == "" || match(rule.To, to) {
			writeRule(w, rule)
			return
		}
	}
	fault := numberFault(f, to)
	if fault == "" {
		s.mu.Lock()
		x := s.rng.Float64()
		s.mu.Unlock()
		switch {
		case x < f.AcceptThen500:
			fault = FaultAcceptThen500
		case x < f.AcceptThen500+f.AcceptThenHTML:
			fault = FaultAcceptThenHTML504
		case x < f.AcceptThen500+f.AcceptThenHTML+f.AcceptThenDrop:
			fault = FaultAcceptThenDrop
		}
	}
	late := f.LateAccept > 0 && (fault == FaultLate || !hasLate(f))
	if late {
		// The message is stored after the delay whether or not the client is still waiting, as a
		// server does that finishes a request its client gave up on.
		s.late.Add(1)
		time.Sleep(f.LateAccept)
		defer s.late.Add(-1)
	}

	s.mu.Lock()
	s.seq++
	svc, _ := strconv.Atoi(r.PostForm.Get("service_id"))
	m := &Message{
		ID: uuid(s.seq), ServiceID: svc, To: to, Body: r.PostForm.Get("body"),
		Tags: slices.Clone(r.PostForm["tags[]"]), CreatedAt: s.now(), Outcome: s.outcome(to), Late: late,
	}
	switch fault {
	case FaultAcceptThen500:
		m.Answer = http.StatusInternalServerError
	case FaultAcceptThenHTML504:
		m.Answer = http.StatusGatewayTimeout
	case FaultAcceptThenDrop:
		m.Answer = 0
	default:
		m.Answer = http.StatusOK
	}
	s.msgs = append(s.msgs, m)
	s.byID[m.ID] = m
	s.perTo[to]++
	resp := s.resource(m, m.CreatedAt) // the answer shows the message as just created
	s.mu.Unlock()

	switch fault {
	case FaultAcceptThen500:
		writeError(w, http.StatusInternalServerError, "unknown", msgUnknown, nil)
	case FaultAcceptThenHTML504:
		writeHTML504(w)
	case FaultAcceptThenDrop:
		dropConnection(w)
	default:
		writeJSON(w, http.StatusOK, resp)
	}
}

func hasLate(f Faults) bool {
	for _, nf := range f.For {
		if nf.Fault == FaultLate {
			return true
		}
	}
	return false
}

func writeRule(w http.ResponseWriter, rule Rule) {
	st := rule.Status
	if st == 0 {
		st = http.StatusUnprocessableEntity
	}
	code := rule.Code
	if code == "" {
		code = "validation_error"
	}
	msg := rule.Message
	if msg == "" {
		msg = map[string]string{
			"unauthentication": msgUnauthenticated, "invalid_tenant": msgInvalidTenant,
			"invalid_version": msgInvalidVersion, "model_not_found": msgNotFound,
			"validation_error": msgValidation, "unknown": msgUnknown,
		}[code]
	}
	var errs map[string][]string
	if rule.Field != "" {
		errs = map[string][]string{rule.Field: {"エラー詳細"}}
	}
	writeError(w, st, code, msg, errs)
}

// dropConnection closes the connection without an answer: the request reached the server and
// the message exists, but the client cannot know.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("karadentest: connection cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// outcome is the final state of a message to a number; s.mu must be held.
func (s *Server) outcome(to string) Outcome {
	o := Outcome{}
	for _, c := range s.outcomes {
		if match(c.To, to) {
			o = c
			break
		}
	}
	if o.Status == "" {
		o.Status = "done"
	}
	if o.Status == "done" && o.SentResult == "" {
		o.SentResult = "received"
	}
	if o.Carrier == "" {
		o.Carrier = "docomo"
	}
	return o
}

func (s *Server) fetch(w http.ResponseWriter, id string) {
	s.mu.Lock()
	m, ok := s.byID[id]
	var resp resource
	if ok {
		resp = s.resource(m, s.now())
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "model_not_found", msgNotFound, nil)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	errs := map[string][]string{}
	page, perPage := 1, 20
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs["page"] = []string{"ページは1以上の整数で指定してください。"}
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			errs["per_page"] = []string{"1ページあたりの取得件数は1から100までで指定してください。"}
		}
		perPage = n
	}
	var from, until time.Time
	for key, t := range map[string]*time.Time{"start_at": &from, "end_at": &until} {
		if v := q.Get(key); v != "" {
			p, err := time.Parse(time.RFC3339, v)
			if err != nil {
				errs[key] = []string{"ISO 8601形式で指定してください。"}
			}
			*t = p
		}
	}
	if len(errs) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "validation_error", msgValidation, errs)
		return
	}

	s.mu.Lock()
	now := s.now()
	var hits []resource
	for i := len(s.msgs) - 1; i >= 0; i-- { // newest first
		m := s.msgs[i]
		res := s.resource(m, now)
		switch {
		case q.Has("service_id") && q.Get("service_id") != strconv.Itoa(m.ServiceID),
			q.Has("to") && q.Get("to") != m.To,
			q.Has("tag") && !slices.Contains(m.Tags, q.Get("tag")),
			q.Has("status") && q.Get("status") != res.Status,
			q.Has("result") && q.Get("result") != res.Result,
			q.Has("sent_result") && q.Get("sent_result") != res.SentResult,
			!from.IsZero() && m.CreatedAt.Before(from),
			!until.IsZero() && m.CreatedAt.After(until):
			continue
		}
		hits = append(hits, res)
	}
	s.mu.Unlock()

	start := min((page-1)*perPage, len(hits))
	end := min(start+perPage, len(hits))
	writeJSON(w, http.StatusOK, listResponse{Object: "list", HasMore: end < len(hits), Data: append([]resource{}, hits[start:end]...)})
}

func uuid(n uint64) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", 0xfa4e0000, n)
}

// resource is the Message object as the API returns it: every field present, nulls explicit,
// times in ISO 8601 in Japan time.
type resource struct {
	ID                  string   `json:"id"`
	Object              string   `json:"object"`
	ServiceID           int      `json:"service_id"`
	BillingAddressID    int      `json:"billing_address_id"`
	To                  string   `json:"to"`
	Body                string   `json:"body"`
	Tags                []string `json:"tags"`
	IsShorten           bool     `json:"is_shorten"`
	IsShortenClicked    bool     `json:"is_shorten_clicked"`
	Result              string   `json:"result"`
	Status              string   `json:"status"`
	SentResult          string   `json:"sent_result"`
	Carrier             string   `json:"carrier"`
	ChargedCountPerSent int      `json:"charged_count_per_sent"`
	ScheduledAt         *string  `json:"scheduled_at"`
	LimitedAt           *string  `json:"limited_at"`
	SentAt              *string  `json:"sent_at"`
	ReceivedAt          *string  `json:"received_at"`
	ChargedAt           *string  `json:"charged_at"`
	CreatedAt           string   `json:"created_at"`
	UpdatedAt           string   `json:"updated_at"`
}

type listResponse struct {
	Object  string     `json:"object"`
	HasMore bool       `json:"has_more"`
	Data    []resource `json:"data"`
}

var jst = time.FixedZone("JST", 9*60*60)

func iso(t time.Time) string { return t.In(jst).Format(time.RFC3339) }

// resource renders m as it stands at now; s.mu must be held.
func (s *Server) resource(m *Message, now time.Time) resource {
	tags := m.Tags
	if tags == nil {
		tags = []string{}
	}
	r := resource{
		ID: m.ID, Object: "message", ServiceID: m.ServiceID, BillingAddressID: 1, To: m.To, Body: m.Body,
		Tags: tags, Result: "processing", Status: "waiting", SentResult: "none", Carrier: "checking",
		CreatedAt: iso(m.CreatedAt), UpdatedAt: iso(m.CreatedAt),
	}
	age := now.Sub(m.CreatedAt)
	if age < s.timing.Waiting {
		return r
	}
	sent := iso(m.CreatedAt.Add(s.timing.Waiting))
	r.UpdatedAt = sent
	o := m.Outcome
	if o.Status != "done" {
		// error, canceled, processing_error: the message never reached a carrier.
		r.Status, r.Result, r.Carrier = o.Status, "done", "unknown"
		return r
	}
	r.Status, r.SentAt, r.Carrier = "done", &sent, o.Carrier
	r.ChargedCountPerSent, r.ChargedAt = parts(m.Body), &sent
	if age < s.timing.Waiting+s.timing.Processing {
		return r
	}
	final := iso(m.CreatedAt.Add(s.timing.Waiting + s.timing.Processing))
	r.Result, r.SentResult, r.UpdatedAt = "done", o.SentResult, final
	if o.SentResult == "received" {
		r.ReceivedAt = &final
	}
	return r
}

// parts is the SMS count Karaden charges: 70 characters in one part for Japanese text (67 per
// part when split), 160 (153) for plain ASCII.
func parts(body string) int {
	single, multi, n := 160, 153, len(body)
	for _, c := range body {
		if c >= 0x80 {
			single, multi, n = 70, 67, len(utf16.Encode([]rune(body)))
			break
		}
	}
	if n <= single {
		return 1
	}
	return (n + multi - 1) / multi
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func writeError(w http.ResponseWriter, status int, code, msg string, errs map[string][]string) {
	body := map[string]any{"object": "error", "code": code, "message": msg, "errors": nil}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	writeJSON(w, status, body)
}

// writeHTML504 answers as a gateway does when the API took too long (it may have stored the message).
func writeHTML504(w http.ResponseWriter) {
	const page = "<!DOCTYPE html>\n<html><head><title>504 Gateway Time-out</title></head>\n<body><center><h1>504 Gateway Time-out</h1></center></body></html>\n"
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(http.StatusGatewayTimeout)
	w.Write([]byte(page))
}

// writeHTML503 answers as a load balancer in front of an API does when the API is down.
func writeHTML503(w http.ResponseWriter) {
	const page = "<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head>\n<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>\n"
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write([]byte(page))
}

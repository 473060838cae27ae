// Package web is `smscast serve`: a local page for staff who would rather not use a terminal, on
// the same campaign layer as the command line (prepare, summary, create, run, report), served on
// the loopback address only, with a one-time token, a session cookie and a CSRF token.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/internal/private"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/report"
	"github.com/smscast/smscast/pkg/sms"
)

// Config is what the page needs from the front end that starts it (pkg/cli's serve verb): the
// same values send builds from the config and the provider table. The page never reads config
// itself.
type Config struct {
	// Lang is the pages' language until someone picks another with the page's switch: "en" for
	// English, anything else Japanese.
	Lang     string
	Settings campaign.Settings
	Provider campaign.Provider
	// Build makes the configured provider's sender for one run; it is closed (io.Closer) after.
	Build        func() (sms.Sender, error)
	Journal      string // journal file; created on the first send, as send does
	ReportDir    string // where reports are written (and the only place files are served from)
	TemplatesDir string
	GraceFloor   time.Duration // the engine's least wait before a deciding lookup (reconcile_grace)
	Now          func() time.Time
	// WriteReports writes campaign c's report files exactly as `smscast report` does.
	WriteReports func(ctx context.Context, j *journal.Journal, c journal.Campaign) (report.Paths, error)
	// PageOptions are the options of the call list page and table shown in the browser; the
	// page sets Lang to its own language.
	PageOptions func(c journal.Campaign) report.Options
	// Audit records an action in the journal's audit trail (nil: nothing is recorded).
	Audit func(ctx context.Context, j *journal.Journal, action journal.AuditAction, c *journal.Campaign, counts map[string]int) error
	// Log receives notes for the terminal that started the server (nil: none).
	Log io.Writer
	// TickEvery is how often progress is pushed to the page; 0: 250 ms.
	TickEvery time.Duration
}

// Server is the page's state: the one session, the list and message being prepared, the runs.
type Server struct {
	cfg    Config
	pages  *pages
	tmpDir string // uploaded lists: 0700, removed by Close

	mu        sync.Mutex
	token     string // one-time: empty once exchanged
	sessionID string
	csrf      string
	draft     draft
	uploads   int
	runs      map[string]*run // by campaign ID
	active    *run            // the one run in progress; nil when none
	closing   bool

	runBase    context.Context // cancelled when the server stops: runs derive from it
	stopAll    context.CancelFunc
	wg         sync.WaitGroup // runs in progress
	closeOnce  sync.Once
	shutdownCh chan struct{} // closed when the server stops: SSE streams end
}

// draft is the send being prepared on the pages.
type draft struct {
	ListPath string // as given to campaign.Prepare
	ListName string // as shown: the uploaded file's name, or the path typed
	Uploaded bool
	Template string
	Vars     map[string]string
}

// New makes a server; Close (or the end of Serve) removes its temporary directory.
func New(cfg Config) (*Server, error) {
	cfg.Lang = string(parseLang(cfg.Lang))
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TickEvery <= 0 {
		cfg.TickEvery = 250 * time.Millisecond
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.PageOptions == nil {
		cfg.PageOptions = func(journal.Campaign) report.Options {
			return report.Options{Lang: report.LangJA, Location: cfg.Settings.Location, ByUrgency: true}
		}
	}
	if cfg.WriteReports == nil {
		cfg.WriteReports = func(ctx context.Context, j *journal.Journal, c journal.Campaign) (report.Paths, error) {
			ds, err := j.Deliveries(ctx, c.ID)
			if err != nil {
				return report.Paths{}, err
			}
			return report.Write(cfg.ReportDir, c, ds, report.Options{})
		}
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	// Nobody else on the laptop reads the uploaded lists: MkdirTemp makes the directory 0700, and
	// Restrict gives it on Windows an owner-only access list that what it will hold inherits.
	dir, err := os.MkdirTemp("", "smscast-serve-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory for uploaded lists: %w", err)
	}
	if err := private.Restrict(dir); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("temporary directory for uploaded lists: %w", err)
	}
	tok, err := randomToken()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	base, stop := context.WithCancel(context.Background())
	return &Server{cfg: cfg, pages: p, tmpDir: dir, token: tok, runs: map[string]*run{},
		runBase: base, stopAll: stop, shutdownCh: make(chan struct{})}, nil
}

// Token is the one-time token of the address to open.
func (s *Server) Token() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// Serve serves on ln until ctx is cancelled, then stops as send does on Ctrl-C: a run in
// progress stops taking new work, its in-flight requests finish and are recorded, its page says
// how to resume; then the server closes and the uploaded lists are removed.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	s.auditServe(journal.AuditServeStart)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.stopRuns()
	// Let every progress stream send its last event (how to resume) before the streams end.
	time.Sleep(2 * s.cfg.TickEvery)
	close(s.shutdownCh)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil {
		srv.Close()
	}
	s.Close()
	s.auditServe(journal.AuditServeStop)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// auditServe records the page's start or stop when there is a journal to record it in.
func (s *Server) auditServe(action journal.AuditAction) {
	if s.cfg.Audit == nil {
		return
	}
	ctx := context.Background()
	j, err := s.openJournal(ctx)
	if err != nil || j == nil {
		return
	}
	defer j.Close()
	if err := s.cfg.Audit(ctx, j, action, nil, nil); err != nil {
		fmt.Fprintf(s.cfg.Log, "smscast serve: audit trail: %v\n", err)
	}
}

// audit records action about c with its counts.
func (s *Server) audit(ctx context.Context, j *journal.Journal, action journal.AuditAction, c journal.Campaign) error {
	if s.cfg.Audit == nil {
		return nil
	}
	counts, err := j.Counts(ctx, c.ID)
	if err != nil {
		return err
	}
	m := make(map[string]int, len(counts))
	for st, n := range counts {
		m[string(st)] = n
	}
	return s.cfg.Audit(context.WithoutCancel(ctx), j, action, &c, m)
}

// stopRuns cancels every run and waits for the engine to finish its in-flight requests.
func (s *Server) stopRuns() {
	s.mu.Lock()
	s.closing = true
	for _, r := range s.runs {
		r.markShutdown()
	}
	s.mu.Unlock()
	s.stopAll()
	s.wg.Wait()
}

// Close stops the runs and removes the uploaded lists. It is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.stopRuns()
		select {
		case <-s.shutdownCh:
		default:
			close(s.shutdownCh)
		}
		err = os.RemoveAll(s.tmpDir)
	})
	return err
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

const sessionCookie = "smscast_session"

// Handler is every page behind the session check.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(staticFS())))
	mux.HandleFunc("GET /{$}", s.listPage)
	mux.HandleFunc("GET /list", s.listPage)
	mux.HandleFunc("POST /list", s.listPost)
	mux.HandleFunc("GET /message", s.messagePage)
	mux.HandleFunc("POST /message", s.messagePost)
	mux.HandleFunc("GET /confirm", s.confirmPage)
	mux.HandleFunc("POST /send", s.sendPost)
	mux.HandleFunc("GET /run/{id}", s.runPage)
	mux.HandleFunc("GET /run/{id}/events", s.runEvents)
	mux.HandleFunc("POST /run/{id}/stop", s.runStop)
	mux.HandleFunc("POST /resume/{id}", s.resumePost)
	mux.HandleFunc("GET /history", s.historyPage)
	mux.HandleFunc("GET /campaigns/{id}", s.resultPage)
	mux.HandleFunc("POST /campaigns/{id}/report", s.reportPost)
	mux.HandleFunc("GET /campaigns/{id}/call", s.callPage)
	mux.HandleFunc("GET /campaigns/{id}/call-page", s.callListPage)
	mux.HandleFunc("GET /campaigns/{id}/files/{name}", s.filePage)
	return s.guard(mux)
}

// guard lets a request through only from this laptop's browser session: the Host must be the
// loopback address (a page elsewhere cannot reach us by DNS rebinding), the session cookie must
// be ours (or the one-time token is exchanged for it), and a POST must carry the CSRF token.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := s.lang(r)
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin") // no-referrer would make Chromium send Origin: null on our own posts
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'")
		if !loopbackHost(r.Host) {
			s.forbidden(w, r, l.msg("forbidden.body"))
			return
		}
		if !s.authenticate(w, r) {
			s.forbidden(w, r, l.msg("forbidden.body"))
			return
		}
		rememberLang(w, r)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// An upload is read as a stream, so its handler checks the CSRF field, which the
			// form sends first; no other page takes multipart bodies.
			if isMultipart(r) {
				if r.URL.Path != "/list" || !sameOrigin(r) {
					s.forbidden(w, r, l.msg("csrf.body"))
					return
				}
			} else if !s.checkCSRF(r) {
				s.forbidden(w, r, l.msg("csrf.body"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate accepts our session cookie, or exchanges the one-time token for it.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, err := r.Cookie(sessionCookie); err == nil && s.sessionID != "" && equal(c.Value, s.sessionID) {
		return true
	}
	tok := r.URL.Query().Get("token")
	if tok == "" || s.token == "" || !equal(tok, s.token) || r.Method != http.MethodGet {
		return false
	}
	id, err := randomToken()
	if err != nil {
		return false
	}
	csrf, err := randomToken()
	if err != nil {
		return false
	}
	s.token, s.sessionID, s.csrf = "", id, csrf
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode})
	return true
}

// checkCSRF wants the session's CSRF token in the form (or the X-CSRF-Token header) and, when
// the browser names one, our own origin.
func (s *Server) checkCSRF(r *http.Request) bool {
	if !sameOrigin(r) {
		return false
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return s.validCSRF(got)
}

func (s *Server) validCSRF(got string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return got != "" && s.csrf != "" && equal(got, s.csrf)
}

func (s *Server) csrfToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.csrf
}

func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	return o == "" || o == "http://"+r.Host
}

func isMultipart(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/")
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// loopbackHost reports whether a Host header names this laptop.
func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, body string) {
	l := s.lang(r)
	s.render(w, r, http.StatusForbidden, "forbidden", pageData{Title: l.msg("forbidden.title"), Data: body, bare: true})
}

package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/width"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/report"
	"github.com/smscast/smscast/pkg/schedule"
	"github.com/smscast/smscast/pkg/sms"
)

type confirmView struct {
	Summary   campaign.Summary
	Notes     []string // the resolution, in sentences
	Lines     []string // the summary, in sentences
	NotSent   int
	ToSend    int
	TestGroup bool
	Typed     string
	Existing  string // the campaign a send with nothing to do belongs to
}

func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request) {
	s.showConfirm(w, r, http.StatusOK, nil, "")
}

// showConfirm prepares the draft and shows the same summary send prints, with pe on top.
func (s *Server) showConfirm(w http.ResponseWriter, r *http.Request, status int, pe *pageError, typed string) {
	l := s.lang(r)
	d := s.getDraft()
	pd := pageData{Title: l.msg("confirm.title"), Nav: "confirm", Error: pe}
	if d.ListPath == "" || d.Template == "" {
		pd.Error = &pageError{Heading: l.msg("confirm.needall")}
		s.render(w, r, http.StatusOK, "confirm", pd)
		return
	}
	plan, err := s.prepare(r.Context(), d, false)
	if err != nil {
		pd.Error = s.errorOf(l, l.msg("error.title"), err, "")
		s.render(w, r, http.StatusOK, "confirm", pd)
		return
	}
	if plan.Sendable() == 0 {
		pd.Error = &pageError{Heading: l.msg("list.notok"),
			Text: s.clean(fmt.Sprintf("%s: no row has a number that can receive SMS: nothing to send", plan.List.Path))}
		s.render(w, r, http.StatusOK, "confirm", pd)
		return
	}
	v := s.confirmView(l, plan)
	v.Typed = typed
	pd.Data = v
	s.render(w, r, status, "confirm", pd)
}

func (s *Server) confirmView(l lang, plan *campaign.Plan) *confirmView {
	sum := plan.Summary()
	v := &confirmView{Summary: sum, ToSend: sum.ToSend, TestGroup: len(s.cfg.Settings.TestGroup) > 0}
	if res := sum.Resolution; res != nil {
		if c := res.OlderUnfinished; c != nil && res.Campaign == nil {
			v.Notes = append(v.Notes, l.msg("res.older", c.ID, s.when(c.CreatedAt)))
		}
		if c := res.Campaign; c != nil {
			accepted := res.Counts.Accepted()
			switch {
			case res.Stopped:
				v.Notes = append(v.Notes, l.msg("res.stopped", c.ID, s.when(res.StoppedAt), accepted, res.ToSend()))
			case res.Counts.Left() > 0:
				v.Notes = append(v.Notes, l.msg("res.resume", c.ID, s.when(c.CreatedAt), accepted, res.ToSend()))
			case res.AddedPending > 0:
				v.Notes = append(v.Notes, l.msg("res.continue", c.ID, s.when(c.CreatedAt), accepted, res.AddedPending))
			}
			v.Existing = c.ID
		}
		if res.Repeats > 0 {
			v.Notes = append(v.Notes, l.msg("res.repeats", res.Repeats, strings.Join(res.RepeatCampaigns, ", ")))
		}
	}
	add := func(key string, a ...any) { v.Lines = append(v.Lines, l.msg(key, a...)) }
	add("confirm.list", s.clean(sum.List), sum.Rows, l.encWord(sum.Encoding), sum.PhoneColumn)
	line := l.msg("confirm.recipients", sum.Patients, sum.Messages)
	if sum.Patients > sum.Messages {
		line += l.msg("confirm.shared", sum.Patients-sum.Messages)
	}
	v.Lines = append(v.Lines, line)
	for _, c := range sum.NotSent {
		v.NotSent += c.Rows
	}
	if l := sum.Lengths; l != nil {
		add("confirm.lengths", l.Typical.Characters, l.Typical.Segments, l.Longest.Characters, l.Longest.Segments)
	}
	if len(sum.Replaced) > 0 {
		add("confirm.replaced", strings.Join(sum.Replaced, ", "))
	}
	for _, c := range sum.Costs {
		line := l.msg("confirm.cost", c.Total, c.Currency, c.Segments)
		if c.Unpriced > 0 {
			line += l.msg("confirm.unpriced", c.Unpriced, strings.Join(c.UnpricedRegions, ", "))
		}
		v.Lines = append(v.Lines, line)
	}
	rate := l.msg("confirm.norate")
	if sum.Rate > 0 {
		rate = l.msg("confirm.rate", sum.Rate)
	}
	kind := l.msg("confirm.real")
	if !sum.Real {
		kind = l.msg("confirm.simulated")
	}
	add("confirm.provider", sum.Provider, kind, rate, sum.Workers, sum.Segments)
	add("confirm.estimate", l.durationWords(sum.Estimate))
	if sum.QuietHours {
		add("confirm.timing", sum.Timing)
	}
	return v
}

// typedNumber reads the number the user typed: full-width digits and separators are allowed.
func typedNumber(s string) string {
	s = width.Narrow.String(strings.TrimSpace(s))
	return strings.NewReplacer(",", "", " ", "", "通", "").Replace(s)
}

func (s *Server) sendPost(w http.ResponseWriter, r *http.Request) {
	l := s.lang(r)
	test := r.PostFormValue("test") == "1"
	d := s.getDraft()
	if d.ListPath == "" || d.Template == "" {
		http.Redirect(w, r, "/confirm", http.StatusSeeOther)
		return
	}
	if busy := s.busy(); busy != "" {
		s.fail(w, r, http.StatusConflict, &pageError{Heading: l.msg("busy.title"), Text: l.msg("busy.body", busy)})
		return
	}
	ctx := r.Context()
	plan, err := s.prepare(ctx, d, test)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, s.errorOf(l, l.msg("error.title"), err, l.msg("error.nothingsent")))
		return
	}
	if plan.Sendable() == 0 {
		http.Redirect(w, r, "/confirm", http.StatusSeeOther)
		return
	}
	typed := r.PostFormValue("count")
	if !test {
		// The server checks the typed count too: the button's state is only a convenience.
		want := strconv.Itoa(plan.ToSend())
		switch got := typedNumber(typed); {
		case got == want:
		case got == r.PostFormValue("shown") && got != "":
			s.showConfirm(w, r, http.StatusConflict, &pageError{Heading: l.msg("confirm.changed", plan.ToSend())}, "")
			return
		default:
			s.showConfirm(w, r, http.StatusUnprocessableEntity, &pageError{Heading: l.msg("confirm.mismatch", typed, plan.ToSend())}, "")
			return
		}
	}
	sender, err := s.sender(ctx)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, s.errorOf(l, l.msg("error.title"), err, l.msg("error.nothingsent")))
		return
	}
	j, err := journal.Open(ctx, s.cfg.Journal)
	if err != nil {
		closeSender(sender)
		s.fail(w, r, http.StatusInternalServerError, s.errorOf(l, l.msg("error.title"), err, l.msg("error.nothingsent")))
		return
	}
	sess, err := campaign.Create(ctx, j, plan)
	if err != nil {
		closeSender(sender)
		j.Close()
		s.fail(w, r, http.StatusConflict, s.errorOf(l, l.msg("error.title"), err, l.msg("error.nothingsent")))
		return
	}
	rn, err := s.start(j, sess, sess.Campaign, sender, test)
	if err != nil {
		s.startError(w, r, sess.Campaign.ID, err)
		return
	}
	http.Redirect(w, r, "/run/"+rn.id, http.StatusSeeOther)
}

// resumePost runs what an interrupted campaign has left, as `smscast send` run again would: the
// deliveries are in the journal, so the list is not needed.
func (s *Server) resumePost(w http.ResponseWriter, r *http.Request) {
	l := s.lang(r)
	id := r.PathValue("id")
	if busy := s.busy(); busy != "" {
		s.fail(w, r, http.StatusConflict, &pageError{Heading: l.msg("busy.title"), Text: l.msg("busy.body", busy)})
		return
	}
	ctx := r.Context()
	j, err := s.openJournal(ctx)
	if err == nil && j == nil {
		err = journal.ErrNotFound
	}
	if err != nil {
		s.fail(w, r, http.StatusNotFound, s.errorOf(l, l.msg("error.title"), err, ""))
		return
	}
	c, err := j.Campaign(ctx, id)
	if err != nil {
		j.Close()
		s.fail(w, r, http.StatusNotFound, s.errorOf(l, l.msg("error.title"), err, "run `smscast history` to list the campaigns"))
		return
	}
	if le, err := j.Held(ctx, c.ID); err == nil && le != nil {
		j.Close()
		s.fail(w, r, http.StatusConflict, s.errorOf(l, l.msg("error.title"), le, ""))
		return
	}
	sender, err := s.sender(ctx)
	if err != nil {
		j.Close()
		s.fail(w, r, http.StatusBadRequest, s.errorOf(l, l.msg("error.title"), err, l.msg("error.nothingsent")))
		return
	}
	rn, err := s.start(j, nil, c, sender, c.Test)
	if err != nil {
		s.startError(w, r, c.ID, err)
		return
	}
	http.Redirect(w, r, "/run/"+rn.id, http.StatusSeeOther)
}

// preflightTimeout bounds the provider's pre-flight check, as send's does.
const preflightTimeout = 20 * time.Second

// sender builds the provider and runs its pre-flight check, before any campaign exists.
func (s *Server) sender(ctx context.Context) (sms.Sender, error) {
	snd, err := s.cfg.Build()
	if err != nil {
		return nil, err
	}
	if c, ok := snd.(sms.Checker); ok {
		ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
		defer cancel()
		if err := c.Check(ctx); err != nil {
			closeSender(snd)
			return nil, &campaign.InputError{Err: fmt.Errorf("the provider did not accept the pre-flight check: %w", err),
				Hint: "fix the provider's settings (smscast help environment) and try again: nothing was sent"}
		}
	}
	return snd, nil
}

func closeSender(s sms.Sender) {
	if c, ok := s.(io.Closer); ok {
		c.Close()
	}
}

// busy names the campaign this server is sending, if any.
func (s *Server) busy() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active != nil {
		return s.active.id
	}
	return ""
}

// run is one campaign run started from the page.
type run struct {
	id       string
	test     bool
	provider string
	cancel   context.CancelFunc
	finished chan struct{}

	mu       sync.Mutex
	now      func() time.Time
	started  time.Time
	total    int
	done     int
	sent     int
	failed   int
	note     string // a pause of the provider, or a wait for quiet hours, as the engine words it
	noteKey  string // the sentence note goes into: run.state.pause or run.state.quiet
	stopped  bool   // the stop button
	shutdown bool   // the server stopped
	ended    bool
	out      campaign.Outcome
	err      error
	paths    report.Paths
}

// errBusy is start's refusal while another run is in progress or the server is stopping.
var errBusy = errors.New("another campaign is being sent")

// startError shows why start refused to run campaign id.
func (s *Server) startError(w http.ResponseWriter, r *http.Request, id string, err error) {
	l := s.lang(r)
	text := err.Error()
	if errors.Is(err, errBusy) {
		if busy := s.busy(); busy != "" {
			id = busy
		}
		text = l.msg("busy.body", id)
	}
	s.fail(w, r, http.StatusConflict, &pageError{Heading: l.msg("busy.title"), Text: text})
}

// start runs campaign c in the background; sess (nil when resuming) is closed when it ends.
func (s *Server) start(j *journal.Journal, sess *campaign.Session, c journal.Campaign, sender sms.Sender, test bool) (*run, error) {
	abort := func(err error) (*run, error) {
		if sess != nil {
			sess.Close()
		}
		closeSender(sender)
		j.Close()
		return nil, err
	}
	// Who started which send from the page is recorded before anything is sent, as for send.
	if err := s.audit(s.runBase, j, journal.AuditPageSend, c); err != nil {
		return abort(err)
	}
	s.mu.Lock()
	if s.active != nil || s.closing {
		s.mu.Unlock()
		return abort(errBusy)
	}
	ctx, cancel := context.WithCancel(s.runBase)
	rn := &run{id: c.ID, test: test, provider: s.cfg.Provider.Name, cancel: cancel, finished: make(chan struct{}),
		now: s.cfg.Now, started: s.cfg.Now()}
	s.active, s.runs[c.ID] = rn, rn
	s.wg.Add(1)
	s.mu.Unlock()
	fmt.Fprintf(s.cfg.Log, "smscast serve: sending campaign %s\n", c.ID)

	go func() {
		defer s.wg.Done()
		defer cancel()
		out, err := campaign.Run(ctx, j, c, sender, s.cfg.Settings, s.cfg.Provider, campaign.RunOptions{
			GraceFloor: max(s.cfg.GraceFloor, time.Nanosecond), // 0 would mean the engine's default
			Now:        s.cfg.Now,
			OnEvent:    rn.event,
			OnQuiet:    func(d schedule.Decision) { rn.setNote(d.Summary) },
		})
		var paths report.Paths
		if !errors.Is(err, campaign.ErrInterrupted) && out.Quiet == nil {
			// The campaign as the journal holds it, so the files equal what `smscast report` writes
			// (the journal keeps times in UTC; the Session's copy has the clock's zone).
			rc, rerr := j.Campaign(context.WithoutCancel(ctx), c.ID)
			if rerr == nil {
				paths, rerr = s.cfg.WriteReports(context.WithoutCancel(ctx), j, rc)
			}
			if rerr != nil && err == nil {
				err = fmt.Errorf("write the report: %w", rerr)
			}
		}
		action := journal.AuditSendFinished
		if out.Pending > 0 || err != nil {
			action = journal.AuditSendInterrupted
		}
		if aerr := s.audit(context.WithoutCancel(ctx), j, action, c); aerr != nil {
			fmt.Fprintf(s.cfg.Log, "smscast serve: audit trail: %v\n", aerr)
		}
		if sess != nil {
			sess.Close()
		}
		closeSender(sender)
		j.Close()
		rn.finish(out, err, paths)
		s.mu.Lock()
		if s.active == rn {
			s.active = nil
		}
		s.mu.Unlock()
		fmt.Fprintf(s.cfg.Log, "smscast serve: campaign %s: %d accepted, %d failed, %d unknown, %d pending\n",
			c.ID, out.Accepted, out.Failed, out.Unknown, out.Pending)
	}()
	return rn, nil
}

// event is the engine's OnEvent callback; the engine serialises calls.
func (rn *run) event(e campaign.Event) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	switch e.Kind {
	case campaign.EventStart:
		rn.total, rn.started, rn.note = e.Total, rn.now(), ""
	case campaign.EventDelivery:
		rn.done = e.Done
		if e.Err == nil {
			rn.sent++
		} else {
			rn.failed++
		}
		rn.note = ""
	case campaign.EventPause:
		rn.note, rn.noteKey = e.Message, "run.state.pause"
	}
}

func (rn *run) setNote(n string) {
	rn.mu.Lock()
	rn.note, rn.noteKey = n, "run.state.quiet"
	rn.mu.Unlock()
}

func (rn *run) stop() {
	rn.mu.Lock()
	rn.stopped = true
	rn.mu.Unlock()
	rn.cancel()
}

func (rn *run) markShutdown() {
	rn.mu.Lock()
	if !rn.ended {
		rn.shutdown = true
	}
	rn.mu.Unlock()
}

func (rn *run) finish(out campaign.Outcome, err error, paths report.Paths) {
	rn.mu.Lock()
	rn.ended, rn.out, rn.err, rn.paths = true, out, err, paths
	rn.mu.Unlock()
	close(rn.finished)
}

// progress is one update of the 送信中 page, as the SSE stream sends it.
type progress struct {
	State    string `json:"state"` // running, done, partial, stopped, error
	Text     string `json:"text"`
	How      string `json:"how,omitempty"` // how to resume
	Done     int    `json:"done"`
	Total    int    `json:"total"`
	Sent     int    `json:"sent"`
	Failed   int    `json:"failed"`
	Pending  int    `json:"pending"`
	Percent  int    `json:"percent"`
	Rate     string `json:"rate"`
	Left     string `json:"left"`
	Provider string `json:"provider"`
	Ended    bool   `json:"ended"`
	Resume   bool   `json:"resume"`
	Shutdown bool   `json:"shutdown"` // the server stopped: the page stays as it is
}

// snapshot is the run's progress, worded in l.
func (rn *run) snapshot(l lang) progress {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	p := progress{State: "running", Text: l.msg("run.state.running"), Done: rn.done, Total: rn.total,
		Sent: rn.sent, Failed: rn.failed, Pending: rn.total - rn.done, Provider: rn.provider, Rate: "–", Left: "–"}
	if rn.total == 0 && !rn.ended {
		p.Text = l.msg("run.state.starting")
	}
	if rn.note != "" {
		p.Text = l.msg(rn.noteKey, rn.note)
	}
	if rn.total > 0 {
		p.Percent = rn.done * 100 / rn.total
	}
	if el := rn.now().Sub(rn.started); rn.done > 0 && el > 0 {
		rate := float64(rn.done) / el.Seconds()
		p.Rate = l.msg("run.rate.value", rate)
		p.Left = l.durationWords(time.Duration(float64(p.Pending) / rate * float64(time.Second)))
	}
	if !rn.ended {
		return p
	}
	p.Ended, p.Left = true, "–"
	out, err := rn.out, rn.err
	p.Pending = out.Pending
	var outage *campaign.OutageError
	switch {
	case rn.shutdown && (out.Interrupted || errors.Is(err, campaign.ErrInterrupted)):
		p.State, p.Text, p.How, p.Resume, p.Shutdown = "stopped", l.msg("run.state.shutdown", out.Pending), l.msg("run.how.resume"), true, true
	case out.Interrupted || errors.Is(err, campaign.ErrInterrupted):
		p.State, p.Text, p.How, p.Resume = "stopped", l.msg("run.state.stopped", out.Pending), l.msg("run.how.resume"), true
	case errors.As(err, &outage), err != nil:
		p.State, p.Text, p.How, p.Resume = "error", l.msg("run.state.error", err.Error()), l.msg("run.how.resume"), out.Pending > 0
	case out.Quiet != nil:
		p.State, p.Text, p.Resume = "stopped", out.Quiet.Summary, true
	case out.Pending > 0:
		p.State, p.Text, p.How, p.Resume = "error", l.msg("run.state.error", fmt.Sprintf("%d messages could not be sent yet: the provider kept failing", out.Pending)), l.msg("run.how.resume"), true
	case out.Failed+out.Unknown > 0:
		p.State, p.Text = "partial", l.msg("run.state.partial", out.Failed+out.Unknown)
	default:
		p.State, p.Text = "done", l.msg("run.state.done")
	}
	if p.Pending == 0 {
		p.Resume = false
	}
	return p
}

type runView struct {
	ID       string
	Test     bool
	Progress progress
}

func (s *Server) lookupRun(id string) *run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs[id]
}

func (s *Server) runPage(w http.ResponseWriter, r *http.Request) {
	l := s.lang(r)
	rn := s.lookupRun(r.PathValue("id"))
	if rn == nil {
		http.Redirect(w, r, "/campaigns/"+r.PathValue("id"), http.StatusSeeOther)
		return
	}
	title := l.msg("run.title")
	if rn.test {
		title = l.msg("run.title.test")
	}
	s.render(w, r, http.StatusOK, "run", pageData{Title: title, Nav: "run", Data: runView{ID: rn.id, Test: rn.test, Progress: rn.snapshot(l)}})
}

// runEvents streams the run's progress as Server-Sent Events every TickEvery, and a last "end"
// event when the run has ended.
func (s *Server) runEvents(w http.ResponseWriter, r *http.Request) {
	l := s.lang(r)
	rn := s.lookupRun(r.PathValue("id"))
	if rn == nil {
		http.NotFound(w, r)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	tick := time.NewTicker(s.cfg.TickEvery)
	defer tick.Stop()
	send := func(kind string) bool {
		b, _ := json.Marshal(rn.snapshot(l))
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", kind, b); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	if !send("progress") {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.shutdownCh:
			send("end")
			return
		case <-rn.finished:
			send("end")
			return
		case <-tick.C:
			if !send("progress") {
				return
			}
		}
	}
}

func (s *Server) runStop(w http.ResponseWriter, r *http.Request) {
	if rn := s.lookupRun(r.PathValue("id")); rn != nil {
		rn.stop()
		select {
		case <-rn.finished:
		case <-time.After(2 * time.Second): // the page shows the end when it comes
		}
	}
	http.Redirect(w, r, "/run/"+r.PathValue("id"), http.StatusSeeOther)
}

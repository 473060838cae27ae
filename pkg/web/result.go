package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/report"
)

// stateOrder lists states from the patient's point of view, as history does.
var stateOrder = []journal.State{journal.Delivered, journal.Sent, journal.Submitted, journal.Pending, journal.Sending,
	journal.Unknown, journal.Undelivered, journal.Failed, journal.Skipped}

type stateCount struct {
	State journal.State
	Word  string
	N     int
}

// countsOf lists the non-zero counts in stateOrder, in l.
func countsOf(l lang, m map[journal.State]int) []stateCount {
	var out []stateCount
	for _, st := range stateOrder {
		if n := m[st]; n > 0 {
			out = append(out, stateCount{st, l.stateWord(st), n})
		}
	}
	return out
}

type historyRow struct {
	ID, When, Template, Kind string
	Counts                   []stateCount
	Left                     int
	Sending                  bool
}

type historyView struct {
	Rows    []historyRow
	Stopped []string
}

func (s *Server) historyPage(w http.ResponseWriter, r *http.Request) {
	l := s.lang(r)
	ctx := r.Context()
	v := historyView{}
	pd := pageData{Title: l.msg("history.title"), Nav: "history", Data: &v}
	j, err := s.openJournal(ctx)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, s.errorOf(l, l.msg("error.title"), err, ""))
		return
	}
	if j == nil {
		s.render(w, r, http.StatusOK, "history", pd)
		return
	}
	defer j.Close()
	cs, err := j.Campaigns(ctx)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, s.errorOf(l, l.msg("error.title"), err, ""))
		return
	}
	unfinished := map[string]journal.Unfinished{}
	if us, err := j.Unfinished(ctx); err == nil {
		for _, u := range us {
			unfinished[u.Campaign] = u
		}
	}
	active := s.busy()
	for _, c := range cs {
		counts, err := j.Counts(ctx, c.ID)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, s.errorOf(l, l.msg("error.title"), err, ""))
			return
		}
		row := historyRow{ID: c.ID, When: s.when(c.CreatedAt), Template: c.Template, Counts: countsOf(l, counts),
			Left: journal.Counts(counts).Left()}
		switch {
		case c.Provider == "sim":
			row.Kind = l.msg("history.kind.sim")
		case c.Test:
			row.Kind = l.msg("history.kind.test")
		default:
			row.Kind = l.msg("history.kind.real")
		}
		if row.Left > 0 {
			if c.ID == active {
				row.Sending = true
			} else if le, err := j.Held(ctx, c.ID); err == nil && le != nil {
				row.Sending = true
			} else if u := unfinished[c.ID]; u.Sending > 0 {
				v.Stopped = append(v.Stopped, l.msg("history.stopped", c.ID, row.Left))
			}
		}
		v.Rows = append(v.Rows, row)
	}
	s.render(w, r, http.StatusOK, "history", pd)
}

type fileLink struct{ Label, Name string }

type resultView struct {
	Campaign  journal.Campaign
	When      string
	Sim       bool
	Counts    []stateCount
	Filter    string
	All       int
	Rows      []reportRow
	Calls     int
	Files     []fileLink
	Left      int
	Sending   bool
	Written   string
	ReportDir string
}

type reportRow struct {
	Row                int
	Name, Phone, State string
	Reason, Time       string
	Reached            bool
}

// campaignOf opens the journal and finds campaign id; the caller closes the journal.
func (s *Server) campaignOf(w http.ResponseWriter, r *http.Request) (*journal.Journal, journal.Campaign, []journal.Delivery, bool) {
	l := s.lang(r)
	ctx := r.Context()
	id := r.PathValue("id")
	j, err := s.openJournal(ctx)
	if err == nil && j == nil {
		err = fmt.Errorf("no campaign %q: nothing was sent yet", id)
	}
	if err != nil {
		s.fail(w, r, http.StatusNotFound, s.errorOf(l, l.msg("error.title"), err, ""))
		return nil, journal.Campaign{}, nil, false
	}
	c, err := j.Campaign(ctx, id)
	if errors.Is(err, journal.ErrNotFound) {
		err = fmt.Errorf("no campaign %q in %s", id, s.cfg.Journal)
	}
	var ds []journal.Delivery
	if err == nil {
		ds, err = j.Deliveries(ctx, c.ID)
	}
	if err != nil {
		j.Close()
		s.fail(w, r, http.StatusNotFound, s.errorOf(l, l.msg("error.title"), err, "run `smscast history` to list the campaigns"))
		return nil, journal.Campaign{}, nil, false
	}
	return j, c, ds, true
}

// reportFiles are the files `smscast report` writes for c, labelled in l.
func reportFiles(l lang, c journal.Campaign) []fileLink {
	return []fileLink{
		{l.msg("result.file.csv"), c.ID + ".csv"},
		{l.msg("result.file.call"), c.ID + "-call.csv"},
		{l.msg("result.file.html"), c.ID + "-call.html"},
		{l.msg("result.file.json"), c.ID + ".json"},
	}
}

func (s *Server) resultPage(w http.ResponseWriter, r *http.Request) {
	l := s.lang(r)
	j, c, ds, ok := s.campaignOf(w, r)
	if !ok {
		return
	}
	defer j.Close()
	opt := s.pageOptions(l, c)
	v := resultView{Campaign: c, When: s.when(c.CreatedAt), Sim: c.Provider == "sim", Filter: r.URL.Query().Get("state"),
		Written: r.URL.Query().Get("written"), ReportDir: s.cfg.ReportDir}
	counts := map[journal.State]int{}
	for _, d := range ds {
		counts[d.State] += len(d.Patients)
	}
	v.Counts = countsOf(l, counts)
	v.Left = journal.Counts(counts).Left()
	at := map[int]time.Time{}
	for _, d := range ds {
		for _, p := range d.Patients {
			at[p.Row] = d.UpdatedAt
		}
	}
	for _, row := range report.Rows(ds) {
		v.All++
		if v.Filter != "" && row.State != v.Filter {
			continue
		}
		rr := reportRow{Row: row.Row, Name: row.Name, Phone: row.Phone, State: l.stateWord(journal.State(row.State)),
			Reason: s.clean(row.Reason), Reached: report.Reached(journal.State(row.State))}
		if t := at[row.Row]; !t.IsZero() {
			rr.Time = s.when(t)
		}
		v.Rows = append(v.Rows, rr)
	}
	v.Calls = len(report.CallList(ds, opt))
	for _, f := range reportFiles(l, c) {
		if _, err := os.Stat(filepath.Join(s.cfg.ReportDir, f.Name)); err == nil {
			v.Files = append(v.Files, f)
		}
	}
	if v.Left > 0 {
		if c.ID == s.busy() {
			v.Sending = true
		} else if le, err := j.Held(r.Context(), c.ID); err == nil && le != nil {
			v.Sending = true
		}
	}
	s.render(w, r, http.StatusOK, "result", pageData{Title: l.msg("result.title", c.ID), Nav: "result", Data: &v})
}

// reportPost writes the campaign's report files again, as `smscast report` does.
func (s *Server) reportPost(w http.ResponseWriter, r *http.Request) {
	l := s.lang(r)
	j, c, _, ok := s.campaignOf(w, r)
	if !ok {
		return
	}
	defer j.Close()
	if _, err := s.cfg.WriteReports(r.Context(), j, c); err != nil {
		s.fail(w, r, http.StatusInternalServerError, s.errorOf(l, l.msg("error.title"), err,
			"pass a writable directory with --report-dir; the journal still has every result"))
		return
	}
	http.Redirect(w, r, "/campaigns/"+url.PathEscape(c.ID)+"?written=1", http.StatusSeeOther)
}

type callView struct {
	ID   string
	Page string
}

// callPage shows the report's call list page with a button that prints it.
func (s *Server) callPage(w http.ResponseWriter, r *http.Request) {
	l := s.lang(r)
	j, c, _, ok := s.campaignOf(w, r)
	if !ok {
		return
	}
	j.Close()
	s.render(w, r, http.StatusOK, "call", pageData{Title: l.msg("call.title", c.ID), Nav: "result",
		Data: callView{ID: c.ID, Page: "/campaigns/" + url.PathEscape(c.ID) + "/call-page"}})
}

// pageOptions are the report's options for c's pages in the browser, in the page's language
// (the files written keep the language `smscast report` writes them in).
func (s *Server) pageOptions(l lang, c journal.Campaign) report.Options {
	opt := s.cfg.PageOptions(c)
	opt.Lang = string(l)
	return opt
}

// reportCSP lets the report's own pages use their inline styles, and nothing else.
const reportCSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

// callListPage is report.CallListHTML for the campaign, as its -call.html file holds it.
func (s *Server) callListPage(w http.ResponseWriter, r *http.Request) {
	l := s.lang(r)
	j, c, ds, ok := s.campaignOf(w, r)
	if !ok {
		return
	}
	j.Close()
	opt := s.pageOptions(l, c)
	page, err := report.CallListHTML(c, report.CallList(ds, opt), opt)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, s.errorOf(l, l.msg("error.title"), err, ""))
		return
	}
	w.Header().Set("Content-Security-Policy", reportCSP)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(page)
}

// filePage serves one of the campaign's report files from the report directory, and nothing
// else from it.
func (s *Server) filePage(w http.ResponseWriter, r *http.Request) {
	j, c, _, ok := s.campaignOf(w, r)
	if !ok {
		return
	}
	j.Close()
	name := r.PathValue("name")
	known := false
	for _, f := range reportFiles(ja, c) {
		known = known || f.Name == name
	}
	if !known || filepath.Base(name) != name {
		http.NotFound(w, r)
		return
	}
	path := filepath.Join(s.cfg.ReportDir, name)
	f, err := os.Open(path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	switch {
	case strings.HasSuffix(name, ".csv"):
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	case strings.HasSuffix(name, ".json"):
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	case strings.HasSuffix(name, ".html"):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", reportCSP)
	}
	http.ServeContent(w, r, name, st.ModTime(), f)
}

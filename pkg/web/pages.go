package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/i18n"
	"github.com/smscast/smscast/pkg/internal/private"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/message"
	"github.com/smscast/smscast/pkg/roster"
)

//go:embed assets
var assets embed.FS

func staticFS() fs.FS {
	sub, err := fs.Sub(assets, "assets/static")
	if err != nil {
		panic(err) // embedded at build time
	}
	return sub
}

// pages are the parsed page templates, each with the layout, in each language: a template's
// t, stateWord, classWord and encWord speak the language it was parsed for.
type pages struct {
	byName map[lang]map[string]*template.Template
}

var pageNames = []string{"forbidden", "error", "list", "message", "confirm", "run", "result", "call", "history"}

func parsePages() (*pages, error) {
	p := &pages{byName: map[lang]map[string]*template.Template{}}
	for _, l := range langs {
		funcs := template.FuncMap{
			"t":         l.msg,
			"stateWord": l.stateWord,
			"classWord": l.classWord,
			"encWord":   l.encWord,
			"add":       func(a, b int) int { return a + b },
			"lines":     func(s string) []string { return strings.Split(s, "\n") },
		}
		p.byName[l] = map[string]*template.Template{}
		for _, name := range pageNames {
			t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "assets/templates/layout.html", "assets/templates/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("page %s: %w", name, err)
			}
			p.byName[l][name] = t
		}
	}
	return p, nil
}

// pageData is what every page gets: the layout's fields and the page's own Data.
type pageData struct {
	Lang     lang // the html lang attribute; render sets it
	Langs    []langLink
	Title    string
	Nav      string // the tab shown as current
	CSRF     string
	Sim      bool
	Provider string
	Active   string // the campaign being sent now, for the tab
	Error    *pageError
	Data     any
	bare     bool // no navigation (the 403 page)
}

// Bare hides the navigation.
func (p pageData) Bare() bool { return p.bare }

// pageError is an error shown on a page: a heading in the page's language, the error as the campaign layer or
// the roster words it (the same sentence the CLI prints), and what to do next.
type pageError struct {
	Heading string
	Text    string
	Hint    string
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, pd pageData) {
	pd.Lang = s.lang(r)
	pd.Langs = langLinks(r, pd.Lang)
	t := s.pages.byName[pd.Lang][name]
	if !pd.bare {
		pd.CSRF = s.csrfToken()
		pd.Sim = !s.cfg.Provider.Real
		pd.Provider = s.cfg.Provider.Name
		s.mu.Lock()
		if s.active != nil {
			pd.Active = s.active.id
		}
		s.mu.Unlock()
	}
	var b bytes.Buffer
	if err := t.Execute(&b, pd); err != nil {
		fmt.Fprintf(s.cfg.Log, "smscast serve: page %s: %v\n", name, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// fail shows err on the error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, pe *pageError) {
	s.render(w, r, status, "error", pageData{Title: s.lang(r).msg("error.title"), Error: pe})
}

// errorOf words err for a page: an input error with its hint, a lock held by another process,
// anything else as it is. Paths inside the upload directory are shown as the file's name.
func (s *Server) errorOf(l lang, heading string, err error, hint string) *pageError {
	pe := &pageError{Heading: heading, Text: s.clean(err.Error()), Hint: hint}
	var ie *campaign.InputError
	var le *journal.LockedError
	switch {
	case errors.As(err, &le):
		pe.Heading = l.msg("run.locked", s.clean(le.Error()))
		pe.Text = ""
	case errors.As(err, &ie):
		// The campaign layer's sentences are in smscast's catalog: the page's language.
		p := i18n.For(string(l))
		pe.Text = s.clean(ie.Err.Error())
		if ie.Format != "" {
			pe.Text = s.clean(p.Sprintf(strings.ReplaceAll(ie.Format, "%w", "%v"), ie.Args...))
		}
		if ie.Hint != "" {
			pe.Hint = p.Text(ie.Hint)
		}
	}
	return pe
}

// clean shows an uploaded list by its name, as the CLI shows the list by the name it was given.
func (s *Server) clean(text string) string {
	prefix := s.tmpDir + string(filepath.Separator)
	for {
		i := strings.Index(text, prefix)
		if i < 0 {
			return text
		}
		rest := text[i+len(prefix):]
		// Skip the upload's own directory (a number) too.
		if j := strings.IndexRune(rest, filepath.Separator); j >= 0 {
			rest = rest[j+1:]
		}
		text = text[:i] + rest
	}
}

func (s *Server) when(t time.Time) string {
	loc := s.cfg.Settings.Location
	if loc == nil {
		loc = time.Local
	}
	return t.In(loc).Format("01/02 15:04")
}

func (s *Server) getDraft() draft {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.draft
	d.Vars = make(map[string]string, len(s.draft.Vars))
	for k, v := range s.draft.Vars {
		d.Vars[k] = v
	}
	return d
}

// openJournal opens the journal when it exists; nil, nil when nothing was ever sent. As send
// does, only a send creates it.
func (s *Server) openJournal(ctx context.Context) (*journal.Journal, error) {
	if _, err := os.Stat(s.cfg.Journal); err != nil {
		return nil, nil
	}
	return journal.Open(ctx, s.cfg.Journal)
}

func (s *Server) catalog() (*message.Catalog, error) {
	return message.LoadCatalog(s.cfg.TemplatesDir)
}

// prepare is campaign.Prepare for the draft, as send builds its Input from its flags.
func (s *Server) prepare(ctx context.Context, d draft, test bool) (*campaign.Plan, error) {
	cat, err := s.catalog()
	if err != nil {
		return nil, &campaign.InputError{Err: err, Hint: "fix the template file: nothing was sent"}
	}
	tmpl, err := cat.Lookup(d.Template)
	if err != nil {
		return nil, &campaign.InputError{Err: err}
	}
	j, err := s.openJournal(ctx)
	if err != nil {
		return nil, err
	}
	if j != nil {
		defer j.Close()
	}
	return campaign.Prepare(ctx, j, campaign.Input{
		Settings: s.cfg.Settings,
		Provider: s.cfg.Provider,
		Template: tmpl,
		List:     d.ListPath,
		Vars:     d.Vars,
		Test:     test,
		Now:      s.cfg.Now(),
	})
}

// classCount is one line of check's counts.
type classCount struct {
	Label string
	N     int
}

type listView struct {
	Current   string
	Uploaded  bool
	Last      string
	Report    *roster.CheckReport
	Counts    []classCount
	Delimiter string
	ReadError *pageError
}

func (s *Server) listPage(w http.ResponseWriter, r *http.Request) {
	l := s.lang(r)
	d := s.getDraft()
	v := listView{Current: d.ListName, Uploaded: d.Uploaded}
	ctx := r.Context()
	j, err := s.openJournal(ctx)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, s.errorOf(l, l.msg("error.title"), err, ""))
		return
	}
	if j != nil {
		defer j.Close()
		// The last list a campaign was sent to, unless it was an upload (gone with its server).
		if c, err := j.Latest(ctx); err == nil && c.List != "" && c.List != d.ListPath && !strings.Contains(c.List, "smscast-serve-") {
			if _, err := os.Stat(c.List); err == nil {
				v.Last = c.List
			}
		}
	}
	if d.ListPath != "" {
		rep, err := s.check(ctx, j, d.ListPath)
		if err != nil {
			// The sentence and hint the CLI's check prints for the same file.
			v.ReadError = s.errorOf(l, l.msg("list.readerror"), err, "fix the list and check it again")
		} else {
			v.Report = rep
			v.Delimiter = map[string]string{"comma": l.msg("delim.comma"), "tab": l.msg("delim.tab")}[rep.Delimiter]
			for _, c := range []classCount{
				{"count.sendable", rep.Sendable}, {"count.duplicates", rep.Duplicates}, {"count.landline", rep.Landline},
				{"count.voip", rep.VoIP}, {"count.tollfree", rep.TollFree}, {"count.pager", rep.Pager},
				{"count.invalid", rep.Invalid}, {"count.empty", rep.Empty}, {"count.optedout", rep.OptedOut},
				{"count.blank", rep.BlankRows},
			} {
				if c.N > 0 || c.Label == "count.sendable" {
					v.Counts = append(v.Counts, classCount{l.msg(c.Label), c.N})
				}
			}
		}
	}
	s.render(w, r, http.StatusOK, "list", pageData{Title: l.msg("list.title"), Nav: "list", Data: v})
}

// check reads the list as `smscast check` does: roster.Check with the region and every opt-out.
func (s *Server) check(ctx context.Context, j *journal.Journal, path string) (*roster.CheckReport, error) {
	optOut, err := campaign.OptOuts(ctx, s.cfg.Settings, j)
	if err != nil {
		return nil, err
	}
	return roster.Check(path, roster.Options{Region: s.cfg.Settings.Region,
		OptOut: func(e164 string) bool { return optOut[e164] }})
}

// maxUpload bounds an uploaded list: a clinic's list is a few hundred kilobytes.
const maxUpload = 32 << 20

func (s *Server) listPost(w http.ResponseWriter, r *http.Request) {
	if isMultipart(r) {
		s.upload(w, r)
		return
	}
	path := strings.TrimSpace(r.PostFormValue("path"))
	if path == "" {
		path = strings.TrimSpace(r.PostFormValue("last"))
	}
	if path != "" {
		path = strings.Trim(path, `"`) // Windows' "copy as path" quotes it
		s.mu.Lock()
		s.draft.ListPath, s.draft.ListName, s.draft.Uploaded = path, path, false
		s.mu.Unlock()
	}
	http.Redirect(w, r, "/list", http.StatusSeeOther)
}

// upload keeps the uploaded list in the server's private temporary directory, under its own
// name, so that errors name it as the CLI names a file.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	l := s.lang(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		s.forbidden(w, r, l.msg("csrf.body"))
		return
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "csrf" {
		s.forbidden(w, r, l.msg("csrf.body"))
		return
	}
	var tok bytes.Buffer
	if _, err := tok.ReadFrom(http.MaxBytesReader(w, part, 256)); err != nil || !s.validCSRF(tok.String()) {
		s.forbidden(w, r, l.msg("csrf.body"))
		return
	}
	for {
		part, err = mr.NextPart()
		if err != nil {
			http.Redirect(w, r, "/list", http.StatusSeeOther) // no file chosen
			return
		}
		if part.FormName() == "file" && part.FileName() != "" {
			break
		}
	}
	name := uploadName(part.FileName())
	s.mu.Lock()
	s.uploads++
	dir := filepath.Join(s.tmpDir, fmt.Sprint(s.uploads))
	s.mu.Unlock()
	if err := os.Mkdir(dir, 0o700); err != nil {
		s.fail(w, r, http.StatusInternalServerError, s.errorOf(l, l.msg("error.title"), err, ""))
		return
	}
	path := filepath.Join(dir, name)
	f, err := private.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY)
	if err == nil {
		_, err = f.ReadFrom(part)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = fmt.Errorf("%s: larger than %d MB: not a patient list", name, maxUpload>>20)
		}
		s.fail(w, r, http.StatusRequestEntityTooLarge, s.errorOf(l, l.msg("list.readerror"), err, "re-export the list from Excel as CSV"))
		return
	}
	s.mu.Lock()
	s.draft.ListPath, s.draft.ListName, s.draft.Uploaded = path, name, true
	s.mu.Unlock()
	http.Redirect(w, r, "/list", http.StatusSeeOther)
}

// uploadName is the uploaded file's own name, without any directory a browser sent.
func uploadName(name string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`:*?"<>|`, r) {
			return '_'
		}
		return r
	}, name)
	if name == "" || name == "." || name == ".." {
		name = "list.csv"
	}
	return name
}

type varField struct {
	Name, Description, Sample, Default, Value string
}

type messageView struct {
	NeedList  bool
	ListName  string
	Templates []*message.Template
	Template  *message.Template
	Vars      []varField
	Delivery  *campaign.DryRunDelivery
	Index     int // 1-based
	Total     int
	Prev      int
	Next      int
	Info      message.Info
	Summary   *campaign.Summary
}

func (s *Server) messagePage(w http.ResponseWriter, r *http.Request) {
	l := s.lang(r)
	d := s.getDraft()
	v := messageView{NeedList: d.ListPath == "", ListName: d.ListName}
	pd := pageData{Title: l.msg("msg.title"), Nav: "message", Data: &v}
	cat, err := s.catalog()
	if err != nil {
		pd.Error = s.errorOf(l, l.msg("error.title"), err, "fix the template file: nothing was sent")
		s.render(w, r, http.StatusOK, "message", pd)
		return
	}
	v.Templates = cat.Templates()
	if d.Template != "" {
		if t, err := cat.Lookup(d.Template); err == nil {
			v.Template = t
			for _, tv := range t.Vars {
				v.Vars = append(v.Vars, varField{Name: tv.Name, Description: tv.Description, Sample: tv.Sample,
					Default: tv.Default, Value: d.Vars[tv.Name]})
			}
		}
	}
	if v.Template != nil && !v.NeedList {
		plan, err := s.prepare(r.Context(), d, false)
		if err != nil {
			pd.Error = s.errorOf(l, l.msg("error.title"), err, "")
		} else {
			dry := plan.DryRun()
			sum := plan.Summary()
			v.Summary = &sum
			v.Total = len(dry.Deliveries)
			if v.Total > 0 {
				i := 1
				fmt.Sscan(r.URL.Query().Get("i"), &i)
				i = min(max(i, 1), v.Total)
				v.Index, v.Prev, v.Next = i, i-1, i+1
				if v.Next > v.Total {
					v.Next = 0
				}
				v.Delivery = &dry.Deliveries[i-1]
				v.Info = message.Count(v.Delivery.Body)
			}
		}
	}
	s.render(w, r, http.StatusOK, "message", pd)
}

func (s *Server) messagePost(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("template"))
	s.mu.Lock()
	if name != s.draft.Template {
		s.draft.Template, s.draft.Vars = name, map[string]string{}
	} else {
		vars := map[string]string{}
		for k, vs := range r.PostForm {
			if n, ok := strings.CutPrefix(k, "var."); ok && len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
				vars[n] = strings.TrimSpace(vs[0]) // an empty field is not given: its default or the config applies
			}
		}
		s.draft.Vars = vars
	}
	s.mu.Unlock()
	http.Redirect(w, r, "/message", http.StatusSeeOther)
}

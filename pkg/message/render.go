package message

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// FieldOutageAdvice is the clinic's own advice for an outage notice (config outage_advice), such
// as what to eat or when to call: smscast writes no medical advice of its own. Like Clinic and
// ClinicPhone it comes from the run and is "" when unset, so a template writes
// {{with .OutageAdvice}}…{{end}}; a template must still declare it with "# var OutageAdvice: …".
const FieldOutageAdvice = "OutageAdvice"

// runField reports the fields that come from the run's configuration and are "" when unset.
func runField(name string) bool {
	return name == FieldClinic || name == FieldClinicPhone || name == FieldOutageAdvice
}

var errEmpty = errors.New("the message is empty: every part of the template printed nothing")

// maxRowsShown is how many rows an error lists before it only counts them.
const maxRowsShown = 20

// Rendered is one recipient's message.
type Rendered struct {
	Row          int
	Lang         string // the language of the text used: ja or en
	Body         string
	Replacements []Replacement // made by smart encoding (Env.Smart), for the preview
}

// RenderAll renders t for every input. A value missing for any input is an error naming the rows.
func (t *Template) RenderAll(in []Input, env Env) ([]string, error) {
	rs, err := t.RenderEach(in, env)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Body
	}
	return out, nil
}

// RenderEach renders t for every input, in order. Every row is rendered before an error is
// returned, so the error covers them all: a *MissingError when fields are missing (each field with
// all its rows), else a *RowError (a value a helper cannot read, such as a date). Each input's
// language is its Lang when the template has that language, else Env.Lang, else ja, else en.
// Templates are safe for concurrent use; each call keeps its own state.
func (t *Template) RenderEach(in []Input, env Env) ([]Rendered, error) {
	r, err := t.NewRenderer(env)
	if err != nil {
		return nil, err
	}
	out := make([]Rendered, len(in))
	for i := range in {
		row := in[i].Row
		if row == 0 {
			row = i + 1
		}
		if out[i], _, err = r.render(&in[i], row); err != nil {
			return nil, err
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Renderer renders a template one input at a time, for a list read row by row: RenderEach
// without holding every input and every message. It keeps the same state a RenderEach call
// does (the memo of bodies, the problems found so far); one Renderer serves one goroutine.
type Renderer struct {
	t         *Template
	env       Env
	envLang   string
	renderers map[rendererKey]*renderer
	last      *renderer
	lastKey   rendererKey
	problems  problemSet
	buf       bytes.Buffer
	rendered  int // rows given to Render
}

type rendererKey struct {
	x    *Text
	lang string
}

// NewRenderer prepares to render t under env.
func (t *Template) NewRenderer(env Env) (*Renderer, error) {
	if env.Now.IsZero() {
		return nil, errors.New("message: Env.Now is not set")
	}
	envLang := LangJA
	if env.Lang != "" {
		if envLang = NormalizeLang(env.Lang); envLang == "" {
			return nil, fmt.Errorf("unknown language %q: use ja or en", env.Lang)
		}
	}
	return &Renderer{t: t, env: env, envLang: envLang, renderers: map[rendererKey]*renderer{}}, nil
}

// Render renders the message for in (in.Row names it in errors). ok is false when the row has a
// problem: it is kept for Err, which reports it with every other row's. An error is one that
// stops the whole render (a template without a text).
func (r *Renderer) Render(in Input) (rendered Rendered, ok bool, err error) {
	r.rendered++
	return r.render(&in, in.Row)
}

func (r *Renderer) render(in *Input, row int) (Rendered, bool, error) {
	x, lang := r.t.resolve(in.Lang, r.envLang)
	if x == nil {
		return Rendered{}, false, fmt.Errorf("template %q has no text", r.t.Name)
	}
	k := rendererKey{x, lang}
	rr := r.last
	if rr == nil || k != r.lastKey {
		if rr = r.renderers[k]; rr == nil {
			var err error
			if rr, err = newRenderer(x, lang, r.env); err != nil {
				return Rendered{}, false, err
			}
			r.renderers[k] = rr
		}
		r.last, r.lastKey = rr, k
	}
	body, ok := rr.render(&r.buf, in, row, &r.problems)
	if !ok {
		return Rendered{}, false, nil
	}
	if body == "" {
		r.problems.add(problem{kind: "other", msg: errEmpty.Error()}, row, errEmpty)
		return Rendered{}, false, nil
	}
	out := Rendered{Row: row, Lang: lang, Body: body}
	if r.env.Smart {
		out.Body, out.Replacements = Smart(body)
	}
	return out, true, nil
}

// Err reports the problems of every row rendered so far, as RenderEach does: a *MissingError or
// a *RowError; nil when there were none.
func (r *Renderer) Err() error {
	err := r.problems.err(r.t.displayName())
	switch e := err.(type) {
	case *MissingError:
		e.Of = r.rendered
	case *RowError:
		e.Of = r.rendered
	}
	return err
}

func (t *Template) displayName() string {
	if t.AdHoc {
		return ""
	}
	return t.Name
}

// resolve picks the text and the language of the helpers for one input.
func (t *Template) resolve(rowLang, envLang string) (*Text, string) {
	l := NormalizeLang(rowLang)
	if l == "" || !t.AdHoc && t.Texts[l] == nil {
		l = envLang
	}
	x := t.Text(l)
	if x != nil && x.Lang != "" {
		l = x.Lang
	}
	return x, l
}

// Sample renders the text for lang with each variable's sample value (its default when it has no
// sample; [NAME] when neither), a sample patient, and env (Clinic, ClinicPhone and any Vars given,
// which win over the samples).
func (t *Template) Sample(lang string, env Env) (string, error) {
	x := t.Text(lang)
	if x == nil {
		return "", fmt.Errorf("template %q has no text", t.Name)
	}
	if lang == "" {
		lang = x.Lang
	}
	fields := map[string]string{FieldName: "山田 太郎", FieldPhone: "+819012345678"}
	if lang == LangEN {
		fields[FieldName] = "Taro Yamada"
	}
	for _, r := range x.refs.keys {
		if !isBuiltin(r.name) && !runField(r.name) {
			fields[r.name] = "[" + r.name + "]"
		}
	}
	for _, v := range x.Vars {
		switch {
		case runField(v.Name):
			// A sample shows what this run would send: the configured value or nothing.
		case v.Sample != "":
			fields[v.Name] = v.Sample
		case v.Default != "":
			fields[v.Name] = v.Default
		}
	}
	env.Lang = lang
	rs, err := t.RenderEach([]Input{{Row: 1, Lang: lang, Fields: fields}}, env)
	if err != nil {
		return "", err
	}
	return rs[0].Body, nil
}

// stubFuncs declare the helpers for parsing; each render binds its own (see newRenderer).
var stubFuncs = template.FuncMap{
	"field":    func(string) (string, error) { return "", nil },
	"optional": func(string) string { return "" },
	"day":      func(string) (string, error) { return "", nil },
	"longday":  func(string) (string, error) { return "", nil },
	"time":     func(string) (string, error) { return "", nil },
}

// renderer renders one text in one language for one RenderEach call.
type renderer struct {
	x     *Text
	lang  string
	env   *Env
	tmpl  *template.Template
	data  map[string]string // the current row's fields; reused row after row
	today string
	dates map[string]string // day/longday results by kind and value: most rows share one date

	// memo holds bodies by the values of the fields the text reads. A text that does not use its
	// data whole prints a pure function of those values (the helpers depend only on them, the
	// language and Now), and in a broadcast most rows share them: the outage notice is one body for
	// every patient. Executing text/template is most of the cost of a render.
	memo     map[string]string
	memoKey  []byte
	sizeHint int // the longest body so far, to size the next one in one allocation
}

// maxMemo bounds the memo of one RenderEach call.
const maxMemo = 4096

func newRenderer(x *Text, lang string, env Env) (*renderer, error) {
	t, err := x.tmpl.Clone()
	if err != nil {
		return nil, err
	}
	r := &renderer{x: x, lang: lang, env: &env, tmpl: t, data: map[string]string{},
		today: FormatDay(env.Now, lang), dates: map[string]string{}}
	if !x.refs.dynamic {
		r.memo = map[string]string{}
	}
	t.Funcs(template.FuncMap{
		"field":    r.field,
		"optional": r.optional,
		"day":      func(s string) (string, error) { return r.date(s, FormatDay, "d") },
		"longday":  func(s string) (string, error) { return r.date(s, FormatLongDay, "l") },
		"time":     r.clock,
	})
	return r, nil
}

// missingFieldError is a field the template needs and the row does not give.
type missingFieldError struct{ name string }

func (e *missingFieldError) Error() string { return fmt.Sprintf("no value for field %q", e.name) }

func (r *renderer) field(name string) (string, error) {
	if v, ok := r.data[name]; ok {
		return v, nil
	}
	return "", &missingFieldError{name: name}
}

func (r *renderer) optional(name string) string {
	return r.data[name]
}

func (r *renderer) date(s string, format func(time.Time, string) string, kind string) (string, error) {
	if s == "" {
		return "", nil // only a placeholder for a missing field reaches here: that is reported
	}
	if v, ok := r.dates[kind+s]; ok {
		return v, nil
	}
	t, err := ParseDate(s, r.env.Now)
	if err != nil {
		return "", err
	}
	v := format(t, r.lang)
	if len(r.dates) < 1024 {
		r.dates[kind+s] = v
	}
	return v, nil
}

// clock is {{time .x}}: a time of day written as the message's language says it.
func (r *renderer) clock(s string) (string, error) {
	if s == "" {
		return "", nil // only a placeholder for a missing field reaches here: that is reported
	}
	if v, ok := r.dates["t"+s]; ok {
		return v, nil
	}
	h, m, err := ParseTime(s)
	if err != nil {
		return "", err
	}
	v := FormatTime(h, m, r.lang)
	if len(r.dates) < 1024 {
		r.dates["t"+s] = v
	}
	return v, nil
}

// lookup finds one field for the current input, by precedence.
func (r *renderer) lookup(name string, in *Input) (string, bool) {
	if name == FieldToday {
		return r.today, true
	}
	if v := r.env.LangVars[r.lang][name]; !blank(v) {
		return v, true
	}
	if v := r.env.Vars[name]; !blank(v) {
		return v, true
	}
	if v := in.field(name); !blank(v) {
		return v, true
	}
	for _, v := range r.x.Vars {
		if v.Name == name && v.Default != "" {
			return v.Default, true
		}
	}
	if runField(name) {
		return "", true
	}
	return "", false
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// fill sets r.data to the input's fields: only those the text names, unless it uses the data whole.
func (r *renderer) fill(in *Input) {
	clear(r.data)
	if !r.x.refs.dynamic {
		for _, k := range r.x.refs.keys {
			if v, ok := r.lookup(k.name, in); ok {
				r.data[k.name] = v
			}
		}
		return
	}
	for _, v := range r.x.Vars {
		if v.Default != "" {
			r.data[v.Name] = v.Default
		}
	}
	for k, v := range in.Fields {
		if in.Person && (k == FieldName || k == FieldPhone) {
			continue
		}
		if !blank(v) {
			r.data[k] = v
		}
	}
	if in.Person && !blank(in.Name) {
		r.data[FieldName] = in.Name
	}
	if in.Person && !blank(in.Phone) {
		r.data[FieldPhone] = in.Phone
	}
	for _, m := range []map[string]string{r.env.Vars, r.env.LangVars[r.lang]} {
		for k, v := range m {
			if !blank(v) {
				r.data[k] = v
			}
		}
	}
	for _, k := range []string{FieldClinic, FieldClinicPhone, FieldOutageAdvice} {
		if _, ok := r.data[k]; !ok {
			r.data[k] = ""
		}
	}
	r.data[FieldToday] = r.today
}

// render renders the text for one input. On a missing field it records it, gives the field a
// placeholder and runs again, to find every missing field of the row.
func (r *renderer) render(buf *bytes.Buffer, in *Input, row int, ps *problemSet) (string, bool) {
	r.fill(in)
	memoized := r.memo != nil
	if memoized {
		r.memoKey = r.memoKey[:0]
		for _, k := range r.x.refs.keys {
			v, ok := r.data[k.name]
			if !ok {
				memoized = false // a missing field: execute to report it
				break
			}
			r.memoKey = strconv.AppendInt(r.memoKey, int64(len(v)), 10)
			r.memoKey = append(r.memoKey, ':')
			r.memoKey = append(r.memoKey, v...)
		}
		if memoized {
			if body, ok := r.memo[string(r.memoKey)]; ok {
				return body, true
			}
		}
	}
	var body string
	ok := false
	if p := r.x.prog; p != nil {
		var b strings.Builder
		b.Grow(r.sizeHint)
		if ok = r.run(p, &b, ""); ok {
			body = strings.TrimSpace(b.String())
			r.sizeHint = max(r.sizeHint, b.Len())
		}
	}
	if !ok {
		body, ok = r.execute(buf, row, ps)
	}
	if ok && memoized && len(r.memo) < maxMemo {
		r.memo[string(r.memoKey)] = body
	}
	return body, ok
}

// execute runs the template on r.data.
func (r *renderer) execute(buf *bytes.Buffer, row int, ps *problemSet) (string, bool) {
	failed := false
	for range 64 {
		buf.Reset()
		err := r.tmpl.Execute(buf, r.data)
		if err == nil {
			break
		}
		if name, ok := missingKey(err); ok {
			if _, seen := r.data[name]; seen {
				ps.add(problem{kind: "other", msg: err.Error()}, row, err)
				return "", false
			}
			ps.add(problem{kind: "missing", msg: name}, row, nil)
			r.data[name] = ""
			failed = true
			continue
		}
		if !failed {
			uerr := userError(err)
			ps.add(problem{kind: "other", msg: uerr.Error()}, row, uerr)
		}
		return "", false
	}
	if failed {
		return "", false
	}
	return strings.TrimSpace(buf.String()), true
}

// missingKey tells whether err is a missing field, and which.
func missingKey(err error) (string, bool) {
	var mf *missingFieldError
	if errors.As(err, &mf) {
		return mf.name, true
	}
	const marker = "map has no entry for key "
	msg := err.Error()
	if i := strings.LastIndex(msg, marker); i >= 0 {
		if name, err := strconv.Unquote(msg[i+len(marker):]); err == nil {
			return name, true
		}
	}
	return "", false
}

// userError keeps what a user can act on from an execution error.
func userError(err error) error {
	var de *DateError
	if errors.As(err, &de) {
		return de
	}
	var te *TimeError
	if errors.As(err, &te) {
		return te
	}
	return err
}

// TimeError is a value {{time}} could not read as a time of day.
type TimeError struct {
	Value string
}

func (e *TimeError) Error() string {
	return fmt.Sprintf("%q is not a time of day: write 13:00, 9:30, 13時30分, 午後1時 or 1 pm", e.Value)
}

// ParseTime reads a time of day as clinic staff write it: 13:00, 9:30, ９：３０ (any width),
// 13時, 13時30分, 9時半, 午後1時, 午前9時30分, 正午, 1 pm, 1:30PM, 9 a.m. It returns the hour
// (0-23) and the minute. 午前12時 and 12 am are midnight, 午後0時 and 12 pm noon.
func ParseTime(s string) (hour, minute int, err error) {
	bad := &TimeError{Value: s}
	t := strings.ToLower(norm.NFKC.String(s))
	t = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '.' {
			return -1
		}
		return r
	}, t)
	if t == "正午" {
		return 12, 0, nil
	}
	half := 0 // 0: a 24-hour clock; 1: before noon; 2: after noon
	for _, p := range []struct {
		s     string
		half  int
		front bool
	}{{"午前", 1, true}, {"午後", 2, true}, {"am", 1, false}, {"pm", 2, false}} {
		if p.front && strings.HasPrefix(t, p.s) {
			t, half = strings.TrimPrefix(t, p.s), p.half
			break
		}
		if !p.front && strings.HasSuffix(t, p.s) {
			t, half = strings.TrimSuffix(t, p.s), p.half
			break
		}
	}
	var hs, ms string
	switch {
	case strings.Contains(t, ":"):
		hs, ms, _ = strings.Cut(t, ":")
		if len(ms) != 2 {
			return 0, 0, bad
		}
	case strings.HasSuffix(t, "時半"):
		hs, ms = strings.TrimSuffix(t, "時半"), "30"
	case strings.HasSuffix(t, "分") && strings.Contains(t, "時"):
		hs, ms, _ = strings.Cut(strings.TrimSuffix(t, "分"), "時")
	case strings.HasSuffix(t, "時"):
		hs, ms = strings.TrimSuffix(t, "時"), "0"
	case half != 0:
		hs, ms = t, "0" // 1pm
	default:
		return 0, 0, bad
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || len(hs) > 2 || len(ms) > 2 || h < 0 || m < 0 || m > 59 || strings.ContainsAny(hs+ms, "+-") {
		return 0, 0, bad
	}
	switch half {
	case 0:
		if h > 23 {
			return 0, 0, bad
		}
	case 1:
		if h > 12 {
			return 0, 0, bad
		}
		h %= 12 // 午前12時, 12 am: midnight
	case 2:
		if h > 12 {
			return 0, 0, bad
		}
		if h < 12 {
			h += 12 // 午後0時 and 12 pm stay noon
		}
	}
	return h, m, nil
}

// FormatTime writes a time of day as a Japanese clinic says it, with 午前 and 午後: 午後1時,
// 午前9時30分, 午前0時 (midnight), 午後0時 (noon); in English 1:00 PM, 9:30 AM, 12:00 AM, 12:00 PM.
// It is what {{time .x}} prints.
func FormatTime(hour, minute int, lang string) string {
	h12 := hour % 12
	if lang == LangEN {
		if h12 == 0 {
			h12 = 12
		}
		half := "AM"
		if hour >= 12 {
			half = "PM"
		}
		return fmt.Sprintf("%d:%02d %s", h12, minute, half)
	}
	half := "午前"
	if hour >= 12 {
		half = "午後"
	}
	s := half + strconv.Itoa(h12) + "時"
	if minute != 0 {
		s += strconv.Itoa(minute) + "分"
	}
	return s
}

type problem struct {
	kind string // "missing" (msg is the field) or "other"
	msg  string
}

// problemSet collects problems with their rows, in order of first appearance.
type problemSet struct {
	order []problem
	rows  map[problem][]int
	errs  map[problem]error // the first error of each problem
}

func (ps *problemSet) add(p problem, row int, err error) {
	if ps.rows == nil {
		ps.rows = map[problem][]int{}
		ps.errs = map[problem]error{}
	}
	if _, ok := ps.rows[p]; !ok {
		ps.order = append(ps.order, p)
		ps.errs[p] = err
	}
	ps.rows[p] = append(ps.rows[p], row)
}

func (ps *problemSet) err(name string) error {
	var me MissingError
	var other []problem
	for _, p := range ps.order {
		if p.kind == "missing" {
			me.Fields = append(me.Fields, MissingField{Field: p.msg, Rows: ps.rows[p]})
		} else {
			other = append(other, p)
		}
	}
	if len(me.Fields) > 0 {
		me.Template = name
		return &me
	}
	if len(other) > 0 {
		return &RowError{Template: name, Rows: ps.rows[other[0]], Err: ps.errs[other[0]], Others: len(other) - 1}
	}
	return nil
}

// MissingError is a field the template needs that some rows do not give: no --var, no column, or
// an empty cell. It lists every such field with all its rows.
type MissingError struct {
	Template string // "" for an ad-hoc text
	Fields   []MissingField
	Of       int // rows rendered: a field missing on all of them is missing "for every row"
}

// Every reports whether f is missing on every row rendered (then a --var is what is missing,
// not a cell here and there).
func (e *MissingError) Every(f MissingField) bool { return e.Of > 1 && len(f.Rows) == e.Of }

// MissingField is one missing field and the rows missing it.
type MissingField struct {
	Field string
	Rows  []int
}

func (e *MissingError) Error() string {
	var b strings.Builder
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString("\n")
		}
		if e.Template == "" {
			b.WriteString("the message")
		} else {
			fmt.Fprintf(&b, "template %q", e.Template)
		}
		rows := formatRows(f.Rows)
		if e.Every(f) {
			rows = fmt.Sprintf("every row (%d)", e.Of)
		}
		fmt.Fprintf(&b, " needs field %q for %s: add --var %s=VALUE or a %s column", f.Field, rows, f.Field, f.Field)
	}
	return b.String()
}

// RowError is a problem other than a missing field (a value that is not a date...), with the rows
// it affects; Others counts further, different problems.
type RowError struct {
	Template string
	Rows     []int
	Err      error
	Others   int
	Of       int // rows rendered
}

// Every reports whether the problem is on every row rendered (a --var, not a cell).
func (e *RowError) Every() bool { return e.Of > 1 && len(e.Rows) == e.Of }

func (e *RowError) Error() string {
	who := "the message"
	if e.Template != "" {
		who = fmt.Sprintf("template %q", e.Template)
	}
	rows := formatRows(e.Rows)
	if e.Every() {
		rows = fmt.Sprintf("every row (%d)", e.Of)
	}
	msg := fmt.Sprintf("%s, %s: %v", who, rows, e.Err)
	if e.Others > 0 {
		msg += fmt.Sprintf(" (and %d other problems)", e.Others)
	}
	return msg
}

func (e *RowError) Unwrap() error { return e.Err }

// formatRows writes "row 2", "rows 2, 3, 5" or "rows 2, 3, … (45 rows)" (the first 20 rows).
func formatRows(rows []int) string {
	if len(rows) == 1 {
		return "row " + strconv.Itoa(rows[0])
	}
	var b strings.Builder
	b.WriteString("rows ")
	for i, r := range rows {
		if i == maxRowsShown {
			fmt.Fprintf(&b, ", … (%d rows)", len(rows))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(r))
	}
	return b.String()
}

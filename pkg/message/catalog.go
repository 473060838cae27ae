package message

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/smscast/smscast/templates"
)

// FileError is a problem in a template file, at a line when known.
type FileError struct {
	Path string
	Line int // 0 when the problem is the whole file
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return e.Path + ": " + e.Msg
}

// LoadCatalog loads the embedded templates and overrides them by name from userDir ("" for none).
//
// A user file NAME.LANG.tmpl replaces the shipped file of the same name and language only, so a
// clinic may rewrite the Japanese outage text and keep the shipped English one. A userDir that does
// not exist holds no templates; files not ending in .tmpl are ignored.
func LoadCatalog(userDir string) (*Catalog, error) {
	texts := map[string]map[string]*Text{}
	if err := loadFS(texts, templates.FS, "templates", true); err != nil {
		return nil, err
	}
	if userDir != "" {
		if _, err := os.Stat(userDir); err == nil {
			if err := loadFS(texts, os.DirFS(userDir), userDir, false); err != nil {
				return nil, err
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("templates directory: %w", err)
		}
	}
	c := &Catalog{byName: map[string]*Template{}}
	for _, name := range sortedKeys(texts) {
		t, err := newTemplate(name, texts[name])
		if err != nil {
			return nil, err
		}
		c.byName[name] = t
		c.names = append(c.names, name)
	}
	return c, nil
}

var templateName = regexp.MustCompile(`^[\p{L}\p{N}_-]+$`)

func loadFS(into map[string]map[string]*Text, fsys fs.FS, dir string, builtin bool) error {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return fmt.Errorf("read templates in %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tmpl") {
			continue
		}
		p := path.Join(dir, e.Name())
		if !builtin {
			p = filepath.Join(dir, e.Name())
		}
		name, lang, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".tmpl"), ".")
		if !ok || !templateName.MatchString(name) {
			return &FileError{Path: p, Msg: "name a template file NAME.LANG.tmpl, e.g. outage.ja.tmpl"}
		}
		if lang != LangJA && lang != LangEN {
			return &FileError{Path: p, Msg: fmt.Sprintf("unknown language %q in the file name: use ja or en, e.g. %s.ja.tmpl", lang, name)}
		}
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return fmt.Errorf("read template %s: %w", p, err)
		}
		x, err := ParseText(p, lang, data)
		if err != nil {
			return err
		}
		x.Builtin = builtin
		if into[name] == nil {
			into[name] = map[string]*Text{}
		}
		into[name][lang] = x
	}
	return nil
}

var (
	headerKey   = regexp.MustCompile(`^([A-Za-z_]+)\s*[:：]\s*(.*)$`)
	varLine     = regexp.MustCompile(`^var\s+([^:：\s]+)\s*[:：]\s*(.*)$`)
	varParens   = regexp.MustCompile(`\s*[(（]\s*((?:sample|default|例|既定)\s*[:：].*?)\s*[)）]\s*$`)
	optionSplit = regexp.MustCompile(`\s*[;；]\s*`)
)

// ParseText reads one template file: its header, then its body. path names the file in errors.
func ParseText(path, lang string, data []byte) (*Text, error) {
	if !utf8.Valid(data) {
		return nil, &FileError{Path: path, Msg: "not UTF-8 text: save the file as UTF-8"}
	}
	src := normalizeNewlines(strings.TrimPrefix(string(data), "\ufeff"))
	x := &Text{Lang: lang, Path: path, Source: src}
	lines := strings.Split(src, "\n")
	missing := `start the file with a header: "# description: …", "# class: emergency|reminder|test", "# var NAME: …" lines, then a line "---" and the message`
	if len(lines) == 0 || !strings.HasPrefix(strings.TrimSpace(lines[0]), "#") {
		return nil, &FileError{Path: path, Line: 1, Msg: "no header: " + missing}
	}
	end := -1
	for i, raw := range lines {
		l := strings.TrimSpace(raw)
		if l == "---" {
			end = i
			break
		}
		if l == "" || strings.HasPrefix(l, "##") {
			continue
		}
		if !strings.HasPrefix(l, "#") {
			return nil, &FileError{Path: path, Line: i + 1, Msg: `the header has no closing "---" line before the message: add it`}
		}
		if err := x.headerLine(strings.TrimSpace(l[1:])); err != "" {
			return nil, &FileError{Path: path, Line: i + 1, Msg: err}
		}
	}
	if end < 0 {
		return nil, &FileError{Path: path, Msg: `the header has no closing "---" line: ` + missing}
	}
	switch {
	case x.Description == "":
		return nil, &FileError{Path: path, Msg: `the header has no "# description: …" line: add one`}
	case x.Class == "":
		return nil, &FileError{Path: path, Msg: `the header has no "# class: emergency|reminder|test" line: add one`}
	}
	x.BodyLine = end + 2
	// Leading blank lines belong to no message; keep BodyLine pointing at the first body line.
	rest := lines[end+1:]
	for len(rest) > 0 && strings.TrimSpace(rest[0]) == "" {
		rest = rest[1:]
		x.BodyLine++
	}
	x.Body = strings.TrimRightFunc(strings.Join(rest, "\n"), isSpace)
	if x.Body == "" {
		return nil, &FileError{Path: path, Msg: `no message after the "---" line: write it there`}
	}
	if err := x.parse(true); err != nil {
		return nil, err
	}
	return x, nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\u3000' }

// headerLine reads one "# key: value" line (without the #); it returns a message on error.
func (x *Text) headerLine(l string) string {
	if m := varLine.FindStringSubmatch(l); m != nil {
		v := Var{Name: m[1], Description: m[2]}
		if p := varParens.FindStringSubmatchIndex(v.Description); p != nil {
			opts := v.Description[p[2]:p[3]]
			v.Description = strings.TrimSpace(v.Description[:p[0]])
			for _, o := range optionSplit.Split(opts, -1) {
				k, val, _ := strings.Cut(strings.Replace(o, "：", ":", 1), ":")
				val = strings.TrimSpace(val)
				switch strings.TrimSpace(k) {
				case "sample", "例":
					v.Sample = val
				case "default", "既定":
					v.Default = val
				default:
					return fmt.Sprintf("unknown %q in (sample: …; default: …)", k)
				}
			}
		}
		if v.Description == "" {
			return fmt.Sprintf("variable %s has no description: write # var %s: what it is (sample: …)", v.Name, v.Name)
		}
		for _, w := range x.Vars {
			if w.Name == v.Name {
				return fmt.Sprintf("variable %s is declared twice", v.Name)
			}
		}
		x.Vars = append(x.Vars, v)
		return ""
	}
	m := headerKey.FindStringSubmatch(l)
	if m == nil {
		return "" // a comment
	}
	key, val := strings.ToLower(m[1]), strings.TrimSpace(m[2])
	switch key {
	case "description":
		x.Description = val
	case "class":
		switch val {
		case ClassEmergency, ClassReminder, ClassTest:
			x.Class = val
		default:
			return fmt.Sprintf("class %q: use emergency, reminder or test", val)
		}
	case "ack":
		switch strings.ToLower(val) {
		case "true", "yes":
			x.Ack = true
		case "false", "no":
		default:
			return fmt.Sprintf("ack %q: write ack: true to ask patients to reply, or leave the line out", val)
		}
	case "var":
		return `write a variable as "# var NAME: description (sample: VALUE)"`
	default:
		return fmt.Sprintf("unknown header key %q: the keys are description, class, ack and var (start a comment line with ##)", m[1])
	}
	return ""
}

// parse compiles the body. declared: every field used must be a built-in or a declared var.
func (x *Text) parse(declared bool) error {
	t, err := template.New(x.Path).Option("missingkey=error").Funcs(stubFuncs).Parse(x.Body)
	if err != nil {
		return x.parseError(err)
	}
	x.tmpl = t
	x.refs = collectRefs(t)
	if !x.refs.dynamic {
		x.prog = compile(t.Tree.Root)
	}
	if !declared {
		return nil
	}
	for _, r := range x.refs.keys {
		if isBuiltin(r.name) || x.hasVar(r.name) {
			continue
		}
		return &FileError{Path: x.Path, Line: x.lineOf(r.pos),
			Msg: fmt.Sprintf("field %q is not declared: add a header line \"# var %s: what it is (sample: …)\"", r.name, r.name)}
	}
	return nil
}

func (x *Text) hasVar(name string) bool {
	for _, v := range x.Vars {
		if v.Name == name {
			return true
		}
	}
	return false
}

// parseError turns text/template's "template: NAME:LINE: msg" into a FileError with the file's
// line (the body starts after the header).
func (x *Text) parseError(err error) error {
	msg := err.Error()
	prefix := "template: " + x.Path + ":"
	if rest, ok := strings.CutPrefix(msg, prefix); ok {
		if n, tail, ok := strings.Cut(rest, ":"); ok {
			if line, err := strconv.Atoi(n); err == nil {
				return &FileError{Path: x.Path, Line: line + x.BodyLine - 1, Msg: explainParse(strings.TrimSpace(tail))}
			}
		}
		return &FileError{Path: x.Path, Msg: strings.TrimSpace(rest)}
	}
	return &FileError{Path: x.Path, Msg: msg}
}

// explainParse adds what to do to text/template's terser parse errors. A "bad character" inside
// an action almost always means its closing }} is missing: the lexer read on into the text.
func explainParse(msg string) string {
	switch {
	case strings.HasPrefix(msg, "bad character"), strings.Contains(msg, "unclosed action"):
		return msg + ": a {{ … }} is not closed: write }} after the field name, e.g. {{.Today}}"
	case strings.Contains(msg, "unexpected EOF"):
		return msg + ": a {{if}}, {{with}} or {{range}} has no {{end}}"
	}
	return msg
}

// lineOf maps a body line (from the parse tree's "name:line:col") to the file's line.
func (x *Text) lineOf(loc string) int {
	parts := strings.Split(strings.TrimPrefix(loc, x.Path+":"), ":")
	if n, err := strconv.Atoi(parts[0]); err == nil {
		return n + x.BodyLine - 1
	}
	return 0
}

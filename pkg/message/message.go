// Package message renders templates into message bodies and counts their encoding, segments and cost.
//
// A template is one file per language, NAME.LANG.tmpl (LANG is ja or en), shipped in the binary
// (templates/) or in the user's templates directory, which overrides a shipped file of the same
// name and language. A file opens with a header and a line "---", then the body in Go text/template
// syntax:
//
//	# description: 透析の開始時刻を変更し、新しい時刻での来院をお願いする
//	# class: emergency
//	# var new_time: 新しい開始時刻 (sample: 13:00)
//	# var date: 透析日 (sample: 11/22; default: today)
//	## a line starting with ## (or # without "key:") is a comment
//	---
//	{{with .Clinic}}【{{.}}】{{end}}{{day .date}}の透析は{{.new_time}}にお越しください。
//
// class is emergency, reminder or test. Every field the body uses must be a built-in or declared
// with "# var NAME: description (sample: VALUE; default: VALUE)"; sample is what `templates show`
// renders with, default is used when no --var or column gives a value.
//
// Fields, by precedence: the run's per-language variables (Env.LangVars), --var (Env.Vars), the
// patient list's columns by header (Input.Fields, including Name and Phone), a declared default.
// An empty value counts as missing. Built-ins: Clinic and ClinicPhone (always defined, "" when
// unset: write {{with .Clinic}}…{{end}} or {{or .Clinic "当院"}}), Name, Phone, and Today (the
// run's day, 11月22日(日) or Sun 22 Nov).
//
// Functions besides text/template's own:
//
//	{{field "電話 番号"}}   a field whose name is not a Go identifier (spaces, symbols); {{.電話番号}} works for plain Japanese names
//	{{optional "note"}}    a field, or "" when no value is given (no error)
//	{{day .date}}          11月22日(日) / Sun 22 Nov, from 2026-11-22, 2026/11/22, 11/22, today, tomorrow
//	{{longday .date}}      11月22日(日曜日) / Sunday, November 22
//
// Values are data: a value containing {{…}} is printed as written, never executed.
package message

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/smscast/smscast/pkg/internal/editdist"
)

// Template classes.
const (
	ClassEmergency = "emergency"
	ClassReminder  = "reminder"
	ClassTest      = "test"
)

// Built-in field names, always available to a template.
const (
	FieldName        = "Name"
	FieldPhone       = "Phone"
	FieldClinic      = "Clinic"
	FieldClinicPhone = "ClinicPhone"
	FieldToday       = "Today"
)

func isBuiltin(name string) bool {
	switch name {
	case FieldName, FieldPhone, FieldClinic, FieldClinicPhone, FieldToday:
		return true
	}
	return false
}

// Catalog holds the shipped templates and the user's overrides.
type Catalog struct {
	byName map[string]*Template
	names  []string // sorted
}

// Template is one named message in one or more languages.
type Template struct {
	Name        string
	Description string // from the Japanese text when there is one
	Class       string // emergency, reminder, test
	Ack         bool   // any of its texts asks the patient to reply
	Langs       []string
	Vars        []Var            // every declared variable, Japanese text's first
	Texts       map[string]*Text // by language; an ad-hoc template has one text under ""
	AdHoc       bool             // from --body / --body-file: one text for every language
}

// Var is a field a template needs, as declared in its header.
type Var struct {
	Name        string
	Description string
	Sample      string // for sample renders; "" when not declared
	Default     string // used when no value is given; "" means the field is required
}

// Text is one language of a template: one file.
type Text struct {
	Lang        string
	Path        string // templates/NAME.LANG.tmpl for shipped files, else the user's file
	Builtin     bool
	Description string
	Class       string
	Ack         bool // "# ack: true": the message asks the patient to reply (smscast acks)
	Vars        []Var
	Source      string // the whole file, header included
	Body        string // the template text after the header
	BodyLine    int    // line of the file where Body starts

	tmpl *template.Template
	refs refs
	prog program // nil when the body uses more than the fast path's subset
}

// Env is what a run adds to every render.
type Env struct {
	Lang  string            // default language: "ja" when empty
	Vars  map[string]string // --var values and built-ins (Clinic, ClinicPhone)
	Now   time.Time         // for Today and date helpers; must be set
	Smart bool              // smart encoding: replace look-alikes with GSM-7 characters
	// LangVars overrides Vars for one language, e.g. LangVars["en"]["Clinic"] = "Sakura Clinic"
	// so English messages do not turn UCS-2 for a Japanese clinic name.
	LangVars map[string]map[string]string
}

// Input is one recipient's fields.
type Input struct {
	Row    int    // spreadsheet row number, for errors
	Lang   string // from the list's lang / 言語 column, as written; "" for the run's language
	Fields map[string]string
	// With Person set, Name and Phone are the fields Name and Phone (FieldName, FieldPhone),
	// whatever Fields holds under those headers: a list's row is rendered as it was read, without
	// copying its cells into a new map to add the patient's name and number.
	Person      bool
	Name, Phone string
}

// field is the input's own value for a field: its cell, or its Name or Phone.
func (in *Input) field(name string) string {
	if in.Person {
		switch name {
		case FieldName:
			return in.Name
		case FieldPhone:
			return in.Phone
		}
	}
	return in.Fields[name]
}

// Lookup returns a template by name; an unknown name is an error listing the known ones.
func (c *Catalog) Lookup(name string) (*Template, error) {
	if t, ok := c.byName[name]; ok {
		return t, nil
	}
	return nil, &UnknownTemplateError{Name: name, Known: slices.Clone(c.names)}
}

// Templates lists all templates by name.
func (c *Catalog) Templates() []*Template {
	out := make([]*Template, 0, len(c.names))
	for _, n := range c.names {
		out = append(out, c.byName[n])
	}
	return out
}

// UnknownTemplateError is a template name the catalog does not have.
type UnknownTemplateError struct {
	Name  string
	Known []string
}

func (e *UnknownTemplateError) Error() string {
	msg := fmt.Sprintf("unknown template %q: the templates are %s", e.Name, strings.Join(e.Known, ", "))
	if s := closest(e.Name, e.Known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}

// Suggestion is the known name the unknown one was probably meant to be, or "".
func (e *UnknownTemplateError) Suggestion() string { return closest(e.Name, e.Known) }

// closest returns the known name within edit distance 2 of name, if any.
func closest(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editdist.Distance(strings.ToLower(name), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// Text returns the text used for lang: that language when the template has it, else the first of
// ja, en that it has. An ad-hoc template has one text for every language.
func (t *Template) Text(lang string) *Text {
	if x, ok := t.Texts[lang]; ok {
		return x
	}
	if x, ok := t.Texts[""]; ok {
		return x
	}
	for _, l := range langOrder {
		if x, ok := t.Texts[l]; ok {
			return x
		}
	}
	for _, l := range t.Langs {
		return t.Texts[l]
	}
	return nil
}

// newTemplate assembles a template from its texts; they must agree on the class.
func newTemplate(name string, texts map[string]*Text) (*Template, error) {
	t := &Template{Name: name, Texts: texts}
	for _, l := range langOrder {
		if _, ok := texts[l]; ok {
			t.Langs = append(t.Langs, l)
		}
	}
	var first *Text
	for _, l := range t.Langs {
		x := texts[l]
		if first == nil {
			first = x
			t.Description, t.Class = x.Description, x.Class
		} else if x.Class != first.Class {
			return nil, fmt.Errorf("%s says class %s but %s says %s: make them agree", x.Path, x.Class, first.Path, first.Class)
		}
		t.Ack = t.Ack || x.Ack
		for _, v := range x.Vars {
			if !slices.ContainsFunc(t.Vars, func(w Var) bool { return w.Name == v.Name }) {
				t.Vars = append(t.Vars, v)
			}
		}
	}
	return t, nil
}

// AdHoc makes a template of text given on the command line (send --body) or in a file
// (--body-file). It is rendered like any template (fields, Clinic, Today, day...), but has no
// header, so any field may be used and a missing one is reported like any other. It is sent as
// written to every patient whatever their language. Its class is emergency; set Class to change it.
func AdHoc(text string) (*Template, error) {
	text = normalizeNewlines(strings.TrimPrefix(text, "\ufeff"))
	body := strings.TrimSpace(text)
	if body == "" {
		return nil, fmt.Errorf("the message text is empty: write the text to send")
	}
	x := &Text{Path: "--body", Class: ClassEmergency, Source: text, Body: body, BodyLine: 1,
		Description: "ad-hoc text"}
	if err := x.parse(false); err != nil {
		return nil, err
	}
	return &Template{Name: "--body", Description: x.Description, Class: ClassEmergency, AdHoc: true,
		Texts: map[string]*Text{"": x}}, nil
}

func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

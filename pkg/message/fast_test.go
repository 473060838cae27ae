package message

import (
	"fmt"
	"testing"
)

// slowTwin returns a copy of t whose texts always go through text/template.
func slowTwin(t *Template) *Template {
	c := *t
	c.Texts = map[string]*Text{}
	for l, x := range t.Texts {
		y := *x
		y.prog = nil
		c.Texts[l] = &y
	}
	return &c
}

var pathInputs = []Input{
	{Row: 2, Fields: map[string]string{"new_time": "13:00", "old_time": "9:00", "date": "11/24", "time": "10:30", "when": "15時", "x": "X", "y": "", "備考": "{{.x}}"}},
	{Row: 3, Lang: "en", Fields: map[string]string{"new_time": "1 pm", "old_time": "9 am", "date": "tomorrow", "time": "10:30", "x": ""}},
	{Row: 4, Fields: map[string]string{"date": "来週", "x": "X"}},
	{Row: 5, Fields: map[string]string{}},
}

func renderBoth(t *testing.T, tm *Template, env Env) (fast, slow string) {
	t.Helper()
	results := func(tm *Template) string {
		var s string
		for i := range pathInputs {
			rs, err := tm.RenderEach(pathInputs[i:i+1], env)
			if err != nil {
				s += "error: " + err.Error() + "\n"
				continue
			}
			s += fmt.Sprintf("%s %q\n", rs[0].Lang, rs[0].Body)
		}
		return s
	}
	return results(tm), results(slowTwin(tm))
}

func TestFastPathMatchesTextTemplate(t *testing.T) {
	c, _ := LoadCatalog("")
	envs := []Env{
		{Now: testNow},
		{Now: testNow, Vars: map[string]string{"Clinic": "さくら", "new_time": "14:00"}},
	}
	var tms []*Template
	for _, tm := range c.Templates() {
		for _, x := range tm.Texts {
			if x.prog == nil {
				t.Errorf("%s is not compiled for the fast path", x.Path)
			}
		}
		tms = append(tms, tm)
	}
	for _, body := range []string{
		`{{or .Clinic "当院"}}: {{.x}}`,
		`{{with .y}}[{{.}}]{{else}}none{{end}} {{if .x}}yes{{else if .Clinic}}clinic{{else}}no{{end}}`,
		`{{with optional "y"}}{{.}}{{else with .x}}x={{.}}{{end}}`,
		`{{day (or (optional "date") "today")}} {{longday "2026-12-24"}} {{field "備考"}}`,
		`{{with .x}}{{day $.date}}{{end}}`, // outside the subset ($): text/template only
		`{{or .y .x "z"}}{{- " trimmed " -}} end`,
	} {
		tm, err := AdHoc(body)
		if err != nil {
			t.Fatal(err)
		}
		tms = append(tms, tm)
	}
	for _, tm := range tms {
		for _, env := range envs {
			fast, slow := renderBoth(t, tm, env)
			if fast != slow {
				t.Errorf("%s: fast path\n%s\ntext/template\n%s", tm.Name, fast, slow)
			}
		}
	}
}

func FuzzFastPath(f *testing.F) {
	for _, s := range []string{`{{or .Clinic "当院"}}{{.x}}`, `{{with .y}}{{.}}{{else}}{{day .date}}{{end}}`,
		`{{if optional "y"}}a{{else if .x}}b{{end}}{{longday (or .date "today")}}`, `{{field "x"}}{{/* c */}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		tm, err := AdHoc(body)
		if err != nil {
			return
		}
		fast, slow := renderBoth(t, tm, Env{Now: testNow})
		if fast != slow {
			t.Fatalf("%q: fast path\n%s\ntext/template\n%s", body, fast, slow)
		}
	})
}

package message

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestShippedCatalog(t *testing.T) {
	c, err := LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tm := range c.Templates() {
		names = append(names, tm.Name)
		if !reflect.DeepEqual(tm.Langs, []string{"ja", "en"}) {
			t.Errorf("%s has languages %v, want ja and en", tm.Name, tm.Langs)
		}
		if tm.Description == "" || tm.Texts["ja"].Description == "" || tm.Texts["en"].Description == "" {
			t.Errorf("%s lacks a description", tm.Name)
		}
		for _, x := range tm.Texts {
			if !x.Builtin || !strings.HasPrefix(x.Path, "templates/") {
				t.Errorf("%s: path %q builtin %v", tm.Name, x.Path, x.Builtin)
			}
			for _, v := range x.Vars {
				if v.Description == "" || v.Sample == "" {
					t.Errorf("%s: var %s needs a description and a sample", x.Path, v.Name)
				}
			}
		}
	}
	want := []string{"appointment", "bloodwork", "outage", "reschedule", "resume", "test"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("templates %v, want %v", names, want)
	}
	classes := map[string]string{"outage": ClassEmergency, "reschedule": ClassEmergency, "resume": ClassEmergency,
		"bloodwork": ClassReminder, "appointment": ClassReminder, "test": ClassTest}
	for n, cl := range classes {
		tm, _ := c.Lookup(n)
		if tm.Class != cl {
			t.Errorf("%s class %s, want %s", n, tm.Class, cl)
		}
	}
	rs, _ := c.Lookup("reschedule")
	var vars []string
	for _, v := range rs.Vars {
		vars = append(vars, v.Name)
	}
	if !reflect.DeepEqual(vars, []string{"new_time", "old_time", "date"}) {
		t.Errorf("reschedule vars %v", vars)
	}
	if rs.Vars[2].Default != "today" || rs.Vars[2].Sample != "11/22" {
		t.Errorf("reschedule date var %+v", rs.Vars[2])
	}
}

func TestShippedJapaneseFitsOneSegmentWithTypicalValues(t *testing.T) {
	c, _ := LoadCatalog("")
	env := Env{Now: testNow, Vars: map[string]string{"Clinic": "さくら透析クリニック"}}
	for _, tm := range c.Templates() {
		s, err := tm.Sample("ja", env)
		if err != nil {
			t.Fatal(err)
		}
		if in := Count(s); in.Segments != 1 {
			t.Errorf("%s.ja takes %d segments (%d units): %s", tm.Name, in.Segments, in.Units, s)
		}
		s, _ = tm.Sample("en", Env{Now: testNow, Vars: map[string]string{"Clinic": "Sakura Dialysis Clinic"}})
		if in := Count(s); in.Segments != 1 || in.Encoding != GSM7 {
			t.Errorf("%s.en is %s in %d segments: %s", tm.Name, in.Encoding, in.Segments, s)
		}
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestUserFileOverridesOneLanguageOfAShippedTemplate(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"outage.ja.tmpl": "\ufeff# description: 当院版\r\n# class: emergency\r\n---\r\n本日の透析は中止です。\r\n自宅でお待ちください。\r\n",
		"water.ja.tmpl":  "# description: 断水\n# class: emergency\n# var until: 復旧見込み (例: 15時)\n---\n断水のため{{.until}}まで休診です。\n",
		"README.txt":     "ignored",
	})
	c, err := LoadCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := c.Lookup("outage")
	if o.Texts["ja"].Builtin || o.Texts["ja"].Path != filepath.Join(dir, "outage.ja.tmpl") || !o.Texts["en"].Builtin {
		t.Fatalf("ja from %s, en builtin %v", o.Texts["ja"].Path, o.Texts["en"].Builtin)
	}
	if o.Description != "当院版" {
		t.Errorf("description %q", o.Description)
	}
	got, err := o.RenderAll([]Input{{Row: 2}}, Env{Now: testNow})
	if err != nil || got[0] != "本日の透析は中止です。\n自宅でお待ちください。" {
		t.Fatalf("CRLF file renders %q, %v", got, err)
	}
	w, err := c.Lookup("water")
	if err != nil || w.Vars[0].Sample != "15時" || !reflect.DeepEqual(w.Langs, []string{"ja"}) {
		t.Fatalf("water: %+v %v", w, err)
	}
}

func TestMissingUserDirIsEmpty(t *testing.T) {
	if _, err := LoadCatalog(filepath.Join(t.TempDir(), "none")); err != nil {
		t.Fatal(err)
	}
}

func TestBadTemplateFiles(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		text  string
		wants []string // substrings of the error
	}{
		{"a file without its header names the file", "a.ja.tmpl", "本日の透析は中止です。\n",
			[]string{"a.ja.tmpl:1: no header"}},
		{"a header without --- is an error", "a.ja.tmpl", "# description: x\n# class: test\n",
			[]string{"a.ja.tmpl", `no closing "---"`}},
		{"a header running into the body is an error at that line", "a.ja.tmpl", "# description: x\n# class: test\n本文\n",
			[]string{"a.ja.tmpl:3:", `no closing "---"`}},
		{"a header without description", "a.ja.tmpl", "# class: test\n---\nx\n", []string{"description"}},
		{"a header without class", "a.ja.tmpl", "# description: x\n---\nx\n", []string{"class"}},
		{"an unknown class", "a.ja.tmpl", "# description: x\n# class: urgent\n---\nx\n", []string{"a.ja.tmpl:2:", `class "urgent"`}},
		{"an unknown header key", "a.ja.tmpl", "# description: x\n# clas: test\n---\nx\n", []string{"a.ja.tmpl:2:", `unknown header key "clas"`}},
		{"broken syntax is reported with the file's line", "a.ja.tmpl", "# description: x\n# class: test\n---\n一行目\n{{if .Clinic}}\n",
			[]string{"a.ja.tmpl:5:", "unexpected EOF"}},
		{"an unclosed action", "a.ja.tmpl", "# description: x\n# class: test\n---\n{{.Clinic\n", []string{"a.ja.tmpl:4:"}},
		{"an unknown function", "a.ja.tmpl", "# description: x\n# class: test\n---\n\n{{jdate .Today}}\n",
			[]string{"a.ja.tmpl:5:", `function "jdate" not defined`}},
		{"an undeclared field, with its line", "a.ja.tmpl", "# description: x\n# class: test\n---\nok\n{{.new_time}}\n",
			[]string{"a.ja.tmpl:5:", `field "new_time" is not declared`, "# var new_time:"}},
		{"an undeclared field through field()", "a.ja.tmpl", "# description: x\n# class: test\n---\n{{field \"電話 番号\"}}\n",
			[]string{"a.ja.tmpl:4:", `field "電話 番号" is not declared`}},
		{"an empty body", "a.ja.tmpl", "# description: x\n# class: test\n---\n\n", []string{"no message"}},
		{"a variable without description", "a.ja.tmpl", "# description: x\n# class: test\n# var x: (sample: 1)\n---\n{{.x}}\n", []string{"a.ja.tmpl:3:", "no description"}},
		{"a file name without language", "a.tmpl", "# description: x\n# class: test\n---\nx\n", []string{"a.tmpl", "NAME.LANG.tmpl"}},
		{"an unknown language", "a.fr.tmpl", "# description: x\n# class: test\n---\nx\n", []string{"a.fr.tmpl", `unknown language "fr"`}},
		{"a file that is not UTF-8", "a.ja.tmpl", "# description: \x93\x92\x93d\n# class: test\n---\nx\n", []string{"a.ja.tmpl", "UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{tt.file: tt.text})
			_, err := LoadCatalog(dir)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Errorf("error is %T, want *FileError", err)
			}
		})
	}
}

func TestLanguagesOfOneTemplateMustAgreeOnClass(t *testing.T) {
	dir := writeFiles(t, map[string]string{"outage.en.tmpl": "# description: x\n# class: test\n---\nx\n"})
	_, err := LoadCatalog(dir)
	if err == nil || !strings.Contains(err.Error(), "outage.en.tmpl says class test") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnknownTemplateListsTheKnownOnes(t *testing.T) {
	c, _ := LoadCatalog("")
	_, err := c.Lookup("outgae")
	want := `unknown template "outgae": the templates are appointment, bloodwork, outage, reschedule, resume, test (did you mean "outage"?)`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant  %s", err, want)
	}
	var ue *UnknownTemplateError
	if !errors.As(err, &ue) || len(ue.Known) != 6 {
		t.Fatalf("%T %+v", err, ue)
	}
	if _, err := c.Lookup("zzzzzzz"); strings.Contains(err.Error(), "did you mean") {
		t.Errorf("suggests for a far name: %v", err)
	}
}

func TestVarHeaderForms(t *testing.T) {
	x, err := ParseText("v.ja.tmpl", "ja", []byte("# description: d\n# class: reminder\n"+
		"# var a: 説明 (sample: 1; default: 2)\n"+
		"# var b: 説明（例：三時）\n"+
		"# var c: plain description (not options)\n"+
		"## comment: ignored\n"+
		"# 注意: 日本語のコメント\n---\n{{.a}}{{.b}}{{.c}}"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Var{{"a", "説明", "1", "2"}, {"b", "説明", "三時", ""}, {"c", "plain description (not options)", "", ""}}
	if !reflect.DeepEqual(x.Vars, want) {
		t.Fatalf("vars %+v\nwant %+v", x.Vars, want)
	}
	if x.BodyLine != 9 {
		t.Errorf("body line %d", x.BodyLine)
	}
}

func FuzzParseText(f *testing.F) {
	entries, _ := os.ReadDir("../../templates")
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join("../../templates", e.Name())); err == nil && strings.HasSuffix(e.Name(), ".tmpl") {
			f.Add(data)
		}
	}
	f.Add([]byte("# description: x\n# class: test\n# var a: b (sample: c)\n---\n{{field \"a\"}}{{with .a}}{{.}}{{end}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := ParseText("f.ja.tmpl", "ja", data)
		if err != nil {
			return
		}
		tm, err := newTemplate("f", map[string]*Text{"ja": x})
		if err != nil {
			return
		}
		_, _ = tm.Sample("ja", Env{Now: testNow})
	})
}

func TestParseErrorsSayWhatToDo(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"an action without its closing braces", "本日{{.Today。ご自宅で", "outage.ja.tmpl:4: bad character U+3002 '。': a {{ … }} is not closed"},
		{"an if without end", "{{if .Clinic}}【{{.Clinic}}】", "has no {{end}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseText("outage.ja.tmpl", "ja", []byte("# description: x\n# class: emergency\n---\n"+tt.body+"\n"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

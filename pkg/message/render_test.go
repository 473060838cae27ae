package message

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

var testNow = time.Date(2026, 11, 22, 7, 30, 0, 0, time.FixedZone("JST", 9*60*60))

func lookup(t *testing.T, name string) *Template {
	t.Helper()
	c, err := LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	tm, err := c.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func adHoc(t *testing.T, text string) *Template {
	t.Helper()
	tm, err := AdHoc(text)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestOutageRendersWithNoVarsAndNoConfig(t *testing.T) {
	tm := lookup(t, "outage")
	got, err := tm.RenderAll([]Input{{Row: 2}, {Row: 3, Lang: "英語"}}, Env{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"本日11月22日(日)の透析は中止になりました。ご自宅でお待ちください。再開の日時は改めてご連絡します。",
		"Dialysis is cancelled today, Sun 22 Nov. Please stay at home. We will tell you when it restarts.",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d:\n got %s\nwant %s", i+2, got[i], want[i])
		}
	}
}

func TestMissingFieldListsEveryRow(t *testing.T) {
	tm := lookup(t, "reschedule")
	var in []Input
	for row := 2; row < 47; row++ {
		in = append(in, Input{Row: row, Fields: map[string]string{"Name": "x"}})
	}
	_, err := tm.RenderAll(in, Env{Now: testNow, Vars: map[string]string{"old_time": "9:00"}})
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("err = %T %v, want *MissingError", err, err)
	}
	want := `template "reschedule" needs field "new_time" for rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, … (45 rows): add --var new_time=VALUE or a new_time column`
	if err.Error() != want {
		t.Fatalf("err:\n%s\nwant:\n%s", err, want)
	}
	if len(me.Fields) != 1 || len(me.Fields[0].Rows) != 45 {
		t.Fatalf("%+v", me.Fields)
	}
}

func TestMissingFieldsAreAllFoundInEveryRow(t *testing.T) {
	tm := lookup(t, "reschedule")
	in := []Input{
		{Row: 2, Fields: map[string]string{"new_time": "13:00", "old_time": "9:00"}},
		{Row: 3, Fields: map[string]string{"new_time": "", "old_time": ""}}, // empty cells are missing
		{Row: 5, Fields: map[string]string{"new_time": "14:00"}},
		{Row: 6, Fields: map[string]string{"new_time": " ", "old_time": "9:00"}},
	}
	_, err := tm.RenderAll(in, Env{Now: testNow})
	want := `template "reschedule" needs field "new_time" for rows 3, 6: add --var new_time=VALUE or a new_time column
template "reschedule" needs field "old_time" for rows 3, 5: add --var old_time=VALUE or a old_time column`
	if err == nil || err.Error() != want {
		t.Fatalf("err:\n%v\nwant:\n%s", err, want)
	}
}

func TestFieldPrecedence(t *testing.T) {
	tm := adHoc(t, "{{.x}}")
	env := Env{Now: testNow, Vars: map[string]string{"x": "var"}, LangVars: map[string]map[string]string{"en": {"x": "english var"}}}
	got, err := tm.RenderAll([]Input{
		{Fields: map[string]string{"x": "column"}},
		{Fields: map[string]string{"x": "column"}, Lang: "en"},
	}, env)
	if err != nil || got[0] != "var" || got[1] != "english var" {
		t.Fatalf("got %q, %v", got, err)
	}
	got, _ = tm.RenderAll([]Input{{Fields: map[string]string{"x": "column"}}}, Env{Now: testNow})
	if got[0] != "column" {
		t.Fatalf("without --var the column is used: %q", got[0])
	}
	// A declared default is used only when nothing else gives a value.
	rs := lookup(t, "reschedule")
	got, _ = rs.RenderAll([]Input{{Fields: map[string]string{"new_time": "13:00", "old_time": "9:00"}},
		{Fields: map[string]string{"new_time": "13:00", "old_time": "9:00", "date": "11/25"}}}, Env{Now: testNow})
	if !strings.HasPrefix(got[0], "11月22日(日)") || !strings.HasPrefix(got[1], "11月25日(水)") {
		t.Fatalf("got %q", got)
	}
}

func TestLanguagePerRunAndPerPatient(t *testing.T) {
	tm := lookup(t, "test")
	in := []Input{{Lang: ""}, {Lang: "ja"}, {Lang: "English"}, {Lang: "英語"}, {Lang: "日本語"}, {Lang: "fr"}, {Lang: "EN-us"}}
	for _, tt := range []struct {
		envLang string
		want    string
	}{{"", "jjeejje"}, {"en", "ejeejee"}, {"英語", "ejeejee"}} {
		rs, err := tm.RenderEach(in, Env{Now: testNow, Lang: tt.envLang})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		for _, r := range rs {
			got += r.Lang[:1]
			if (r.Lang == "ja") != strings.HasPrefix(r.Body, "【テスト】") {
				t.Errorf("lang %s body %s", r.Lang, r.Body)
			}
		}
		if got != tt.want {
			t.Errorf("Env.Lang %q: languages %s, want %s", tt.envLang, got, tt.want)
		}
	}
	if _, err := tm.RenderAll(in, Env{Now: testNow, Lang: "fr"}); err == nil || !strings.Contains(err.Error(), `unknown language "fr"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestTemplateWithOneLanguageServesEveryPatient(t *testing.T) {
	dir := writeFiles(t, map[string]string{"only.en.tmpl": "# description: x\n# class: test\n---\nHello {{.Today}}\n"})
	c, err := LoadCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	tm, _ := c.Lookup("only")
	rs, err := tm.RenderEach([]Input{{Lang: "ja"}, {}}, Env{Now: testNow})
	if err != nil || rs[0].Body != "Hello Sun 22 Nov" || rs[1].Lang != "en" {
		t.Fatalf("%+v %v", rs, err)
	}
}

func TestValuesAreDataNeverTemplates(t *testing.T) {
	tm := adHoc(t, "{{.Name}}様 {{field \"備考\"}} {{.Clinic}}")
	in := []Input{{Fields: map[string]string{
		"Name": `{{.Clinic}}{{template "x"}}`,
		"備考":   `{{printf "%s" "pwned"}}`,
	}}}
	got, err := tm.RenderAll(in, Env{Now: testNow, Vars: map[string]string{"Clinic": "{{.Name}}"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{{.Clinic}}{{template "x"}}様 {{printf "%s" "pwned"}} {{.Name}}`
	if got[0] != want {
		t.Fatalf("got %s\nwant %s", got[0], want)
	}
}

func TestFieldsByHeader(t *testing.T) {
	tm := adHoc(t, `{{.電話番号}} {{field "患者 氏名"}} {{field "No."}}[{{optional "メモ"}}] {{.Name}} {{.Phone}}`)
	got, err := tm.RenderAll([]Input{{Fields: map[string]string{
		"電話番号": "090-1234-5678", "患者 氏名": "山田 太郎", "No.": "17", "Name": "山田", "Phone": "+819012345678",
	}}}, Env{Now: testNow})
	if err != nil || got[0] != "090-1234-5678 山田 太郎 17[] 山田 +819012345678" {
		t.Fatalf("got %q, %v", got, err)
	}
	_, err = adHoc(t, `{{field "患者 氏名"}}`).RenderAll([]Input{{Row: 4}}, Env{Now: testNow})
	if err == nil || err.Error() != `the message needs field "患者 氏名" for row 4: add --var 患者 氏名=VALUE or a 患者 氏名 column` {
		t.Fatalf("err = %v", err)
	}
}

func TestUsingTheWholeDataStillFindsFields(t *testing.T) {
	tm := adHoc(t, `{{index . "a b"}}|{{with $x := .}}{{$x.c}}{{end}}|{{$.Today}}`)
	got, err := tm.RenderAll([]Input{{Fields: map[string]string{"a b": "1", "c": "2"}}}, Env{Now: testNow})
	if err != nil || got[0] != "1|2|11月22日(日)" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestDateHelpers(t *testing.T) {
	tm := adHoc(t, "{{day .d}} / {{longday .d}} / {{.Today}}")
	tests := []struct{ lang, d, want string }{
		{"ja", "2026-11-22", "11月22日(日) / 11月22日(日曜日) / 11月22日(日)"},
		{"en", "2026/11/22", "Sun 22 Nov / Sunday, November 22 / Sun 22 Nov"},
		{"ja", "11/24", "11月24日(火) / 11月24日(火曜日) / 11月22日(日)"},
		{"en", "tomorrow", "Mon 23 Nov / Monday, November 23 / Sun 22 Nov"},
		{"ja", "１２月１日", "12月1日(火) / 12月1日(火曜日) / 11月22日(日)"},
		{"ja", "1/5", "1月5日(火) / 1月5日(火曜日) / 11月22日(日)"}, // next January
	}
	for _, tt := range tests {
		got, err := tm.RenderAll([]Input{{Lang: tt.lang, Fields: map[string]string{"d": tt.d}}}, Env{Now: testNow})
		if err != nil || got[0] != tt.want {
			t.Errorf("%s %s: got %q, %v; want %q", tt.lang, tt.d, got, err, tt.want)
		}
	}
}

func TestBadValuesAreReportedForAllRows(t *testing.T) {
	tm := lookup(t, "bloodwork")
	in := []Input{
		{Row: 2, Fields: map[string]string{"date": "11/24"}},
		{Row: 3, Fields: map[string]string{"date": "来週"}},
		{Row: 4, Fields: map[string]string{"date": "来週"}},
		{Row: 5, Fields: map[string]string{"date": "2/30"}},
	}
	_, err := tm.RenderAll(in, Env{Now: testNow})
	var re *RowError
	if !errors.As(err, &re) {
		t.Fatalf("err = %T %v", err, err)
	}
	want := `template "bloodwork", rows 3, 4: "来週" is not a date: write today, tomorrow, +2d, 2026-11-22 or 11月22日 (and 1 other problems)`
	if err.Error() != want {
		t.Fatalf("err:\n%s\nwant:\n%s", err, want)
	}
	var de *DateError
	if !errors.As(err, &de) {
		t.Errorf("RowError does not unwrap to *DateError")
	}
}

func TestSmartEncodingInRender(t *testing.T) {
	tm := adHoc(t, "{{.Clinic}}: “Stay home” — {{.Name}}…")
	rs, err := tm.RenderEach([]Input{{Fields: map[string]string{"Name": "Ｔａｒｏ"}}},
		Env{Now: testNow, Smart: true, Vars: map[string]string{"Clinic": "Sakura"}})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Body != `Sakura: "Stay home" - Taro...` || len(rs[0].Replacements) != 8 {
		t.Fatalf("%q %+v", rs[0].Body, rs[0].Replacements)
	}
	ja := lookup(t, "outage")
	rs, _ = ja.RenderEach([]Input{{}}, Env{Now: testNow, Smart: true})
	if !strings.Contains(rs[0].Body, "。") || rs[0].Replacements != nil {
		t.Fatalf("Japanese text changed by smart encoding: %q", rs[0].Body)
	}
}

func TestAdHoc(t *testing.T) {
	tm := adHoc(t, "\ufeff停電のため本日は休診です。\r\n{{with .ClinicPhone}}{{.}}{{end}}\r\n")
	if tm.Class != ClassEmergency || !tm.AdHoc || tm.Langs != nil {
		t.Fatalf("%+v", tm)
	}
	got, err := tm.RenderAll([]Input{{Lang: "en"}}, Env{Now: testNow})
	if err != nil || got[0] != "停電のため本日は休診です。" {
		t.Fatalf("%q %v", got, err)
	}
	for _, tt := range []struct{ text, want string }{
		{"  \n", "empty"},
		{"line one\n{{.x", "--body:2:"},
		{"{{jdate .Today}}", `--body:1: function "jdate" not defined`},
	} {
		if _, err := AdHoc(tt.text); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("AdHoc(%q) err = %v, want %q", tt.text, err, tt.want)
		}
	}
}

func TestAnEmptyMessageIsAnError(t *testing.T) {
	_, err := adHoc(t, `{{optional "note"}}`).RenderAll([]Input{{Row: 2, Fields: map[string]string{"note": "x"}}, {Row: 3}}, Env{Now: testNow})
	if err == nil || err.Error() != "the message, row 3: the message is empty: every part of the template printed nothing" {
		t.Fatalf("err = %v", err)
	}
}

func TestEnvNowMustBeSet(t *testing.T) {
	if _, err := lookup(t, "outage").RenderAll([]Input{{}}, Env{}); err == nil {
		t.Fatal("no error for a zero Env.Now")
	}
}

func TestRenderingIsSafeForConcurrentUse(t *testing.T) {
	tm := lookup(t, "reschedule")
	in := make([]Input, 200)
	for i := range in {
		in[i] = Input{Row: i + 2, Lang: []string{"ja", "en"}[i%2], Fields: map[string]string{"new_time": fmt.Sprintf("%d:%02d", i/60, i%60)}}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := tm.RenderAll(in, Env{Now: testNow, Vars: map[string]string{"old_time": "9:00"}})
			if err != nil || !strings.Contains(got[199], "3:19 AM") {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestSampleRendersEveryShippedTemplate(t *testing.T) {
	c, _ := LoadCatalog("")
	for _, tm := range c.Templates() {
		for _, l := range tm.Langs {
			s, err := tm.Sample(l, Env{Now: testNow})
			if err != nil || strings.Contains(s, "[") {
				t.Errorf("%s.%s: %q %v", tm.Name, l, s, err)
			}
		}
	}
	s, err := adHoc(t, "{{.x}} {{.Name}}").Sample("", Env{Now: testNow})
	if err != nil || s != "[x] 山田 太郎" {
		t.Errorf("ad-hoc sample %q %v", s, err)
	}
}

package message

import (
	"errors"
	"strings"
	"testing"
)

func TestTimeIsWrittenWithGozenAndGogo(t *testing.T) {
	tests := []struct {
		in     string
		ja, en string
	}{
		{"13:00", "午後1時", "1:00 PM"},
		{"9:30", "午前9時30分", "9:30 AM"},
		{"0:00", "午前0時", "12:00 AM"},
		{"11:59", "午前11時59分", "11:59 AM"},
		{"12:00", "午後0時", "12:00 PM"},
		{"23:59", "午後11時59分", "11:59 PM"},
		{"09:05", "午前9時5分", "9:05 AM"},
		{"１３：００", "午後1時", "1:00 PM"},
		{"13時", "午後1時", "1:00 PM"},
		{"13時30分", "午後1時30分", "1:30 PM"},
		{"9時半", "午前9時30分", "9:30 AM"},
		{"午後1時", "午後1時", "1:00 PM"},
		{"午前9時30分", "午前9時30分", "9:30 AM"},
		{"午後0時", "午後0時", "12:00 PM"},
		{"午前12時", "午前0時", "12:00 AM"},
		{"正午", "午後0時", "12:00 PM"},
		{"1 pm", "午後1時", "1:00 PM"},
		{"1:30PM", "午後1時30分", "1:30 PM"},
		{"9 a.m.", "午前9時", "9:00 AM"},
		{"12 am", "午前0時", "12:00 AM"},
		{"12 pm", "午後0時", "12:00 PM"},
	}
	for _, tt := range tests {
		h, m, err := ParseTime(tt.in)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tt.in, err)
			continue
		}
		if ja, en := FormatTime(h, m, LangJA), FormatTime(h, m, LangEN); ja != tt.ja || en != tt.en {
			t.Errorf("%q prints %s / %s, want %s / %s", tt.in, ja, en, tt.ja, tt.en)
		}
	}
}

func TestATimeThatIsNotOneIsRefused(t *testing.T) {
	for _, s := range []string{"", "25:00", "24:00", "9:60", "9:5", "13 pm", "午後13時", "1300", "13", "-1:00", "朝", "13:00頃", "+1:00"} {
		if _, _, err := ParseTime(s); err == nil {
			t.Errorf("ParseTime(%q) gave no error", s)
		}
	}
}

// The boundaries of 午前 and 午後 through the shipped reschedule template, in both languages and
// on both render paths.
func TestRescheduleWritesTheTimeAsPatientsSayIt(t *testing.T) {
	tm := lookup(t, "reschedule")
	tests := []struct{ in, ja, en string }{
		{"0:00", "午前0時", "12:00 AM"},
		{"11:59", "午前11時59分", "11:59 AM"},
		{"12:00", "午後0時", "12:00 PM"},
		{"23:59", "午後11時59分", "11:59 PM"},
	}
	for _, tt := range tests {
		for _, x := range []*Template{tm, slowTwin(tm)} {
			got, err := x.RenderAll([]Input{
				{Row: 2, Fields: map[string]string{"new_time": tt.in, "old_time": "9:00"}},
				{Row: 3, Lang: "en", Fields: map[string]string{"new_time": tt.in, "old_time": "9:00"}},
			}, Env{Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			if want := "11月22日(日)の透析は、" + tt.ja + "にお越しください。いつもの午前9時から変わりました。"; got[0] != want {
				t.Errorf("ja %s:\n got %s\nwant %s", tt.in, got[0], want)
			}
			if want := "Please come at " + tt.en + ", not 9:00 AM."; !strings.Contains(got[1], want) {
				t.Errorf("en %s: %s does not say %q", tt.in, got[1], want)
			}
		}
	}
}

func TestABadTimeNamesItsRowsBeforeAnythingIsSent(t *testing.T) {
	tm := lookup(t, "reschedule")
	_, err := tm.RenderAll([]Input{
		{Row: 2, Fields: map[string]string{"new_time": "13:00", "old_time": "9:00"}},
		{Row: 3, Fields: map[string]string{"new_time": "25:00", "old_time": "9:00"}},
	}, Env{Now: testNow})
	var te *TimeError
	if !errors.As(err, &te) {
		t.Fatalf("err = %T %v, want a *TimeError", err, err)
	}
	want := `template "reschedule", row 3: "25:00" is not a time of day: write 13:00, 9:30, 13時30分, 午後1時 or 1 pm`
	if err.Error() != want {
		t.Errorf("err\n got %s\nwant %s", err, want)
	}
}

func TestTheTimeHelperTakesTheFastPath(t *testing.T) {
	tm := adHoc(t, `{{time .new_time}} {{with .x}}{{time "9:30"}}{{end}} {{time (or (optional "t") "12:00")}}`)
	if tm.Texts[""].prog == nil {
		t.Fatal("{{time}} is not compiled for the fast path")
	}
	for _, env := range []Env{{Now: testNow}, {Now: testNow, Lang: "en"}} {
		if fast, slow := renderBoth(t, tm, env); fast != slow {
			t.Errorf("fast path\n%s\ntext/template\n%s", fast, slow)
		}
	}
}

var typicalClinic = Env{Now: testNow, Vars: map[string]string{"Clinic": "さくら透析クリニック", "ClinicPhone": "03-1234-5678"},
	LangVars: map[string]map[string]string{"en": {"Clinic": "Sakura Dialysis Clinic"}}}

func TestTheOutageNoticeWithClinicAndPhoneFitsTwoSegments(t *testing.T) {
	tm := lookup(t, "outage")
	for _, lang := range []string{LangJA, LangEN} {
		s, err := tm.Sample(lang, typicalClinic)
		if err != nil {
			t.Fatal(err)
		}
		in := Count(s)
		if in.Segments > 2 || in.Characters > 134 && in.Encoding == UCS2 {
			t.Errorf("%s: %d characters in %d segments:\n%s", lang, in.Characters, in.Segments, s)
		}
		if !strings.Contains(s, "03-1234-5678") || !strings.Contains(s, "クリニック") && lang == LangJA {
			t.Errorf("%s: the notice must name the clinic and its phone:\n%s", lang, s)
		}
	}
}

func TestEveryEmergencyTemplateGivesTheClinicPhoneOnlyWhenConfigured(t *testing.T) {
	c, _ := LoadCatalog("")
	for _, tm := range c.Templates() {
		if tm.Class != ClassEmergency {
			continue
		}
		for _, lang := range tm.Langs {
			with, err := tm.Sample(lang, typicalClinic)
			if err != nil {
				t.Fatal(err)
			}
			without, err := tm.Sample(lang, Env{Now: testNow, Vars: map[string]string{"Clinic": "さくら透析クリニック"}})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(with, "03-1234-5678") {
				t.Errorf("%s.%s does not give the clinic's phone:\n%s", tm.Name, lang, with)
			}
			for _, word := range []string{"お問い合わせ", "Questions", "call"} {
				if strings.Contains(without, word) {
					t.Errorf("%s.%s says %q with no phone configured:\n%s", tm.Name, lang, word, without)
				}
			}
		}
	}
}

func TestOutageAdviceIsAddedOnlyWhenTheClinicSetsIt(t *testing.T) {
	tm := lookup(t, "outage")
	env := typicalClinic
	env.Vars = map[string]string{"Clinic": "さくら透析クリニック", "OutageAdvice": "水分と塩分は控えめにしてください。"}
	for _, x := range []*Template{tm, slowTwin(tm)} {
		got, err := x.RenderAll([]Input{{Row: 2}}, env)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(got[0], "ご連絡します。\n水分と塩分は控えめにしてください。") {
			t.Errorf("the advice must close the notice on its own line:\n%s", got[0])
		}
		got, err = x.RenderAll([]Input{{Row: 2}}, Env{Now: testNow})
		if err != nil || strings.Contains(got[0], "水分") || strings.HasSuffix(got[0], "\n") {
			t.Errorf("without outage_advice nothing is added: %q %v", got[0], err)
		}
	}
	// The declared sample documents the field; a sample render shows only what the run would send.
	s, err := tm.Sample(LangJA, Env{Now: testNow})
	if err != nil || strings.Contains(s, "水分") {
		t.Errorf("sample %q %v", s, err)
	}
}

func TestEveryTemplateRendersWithItsSamplesInBothLanguages(t *testing.T) {
	c, _ := LoadCatalog("")
	for _, tm := range c.Templates() {
		for _, lang := range []string{LangJA, LangEN} {
			for _, env := range []Env{{Now: testNow}, typicalClinic} {
				s, err := tm.Sample(lang, env)
				if err != nil || s == "" || strings.Contains(s, "[") || strings.Contains(s, "<no value>") {
					t.Errorf("%s.%s: %q %v", tm.Name, lang, s, err)
				}
				if (lang == LangJA) != (Count(s).Encoding == UCS2) {
					t.Errorf("%s.%s is %s: %s", tm.Name, lang, Count(s).Encoding, s)
				}
			}
		}
	}
}

// The Japanese texts are written for elderly readers: polite, plain words, no orders.
func TestTheJapaneseTextsAvoidStiffWords(t *testing.T) {
	c, _ := LoadCatalog("")
	for _, tm := range c.Templates() {
		body := tm.Texts[LangJA].Body
		for _, stiff := range []string{"待機", "不要", "実施", "至急"} {
			if strings.Contains(body, stiff) {
				t.Errorf("%s.ja says %q: write it as a clinic would say it to a patient", tm.Name, stiff)
			}
		}
	}
}

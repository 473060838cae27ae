package web

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/roster"
)

// verbs are the fmt verbs of a catalog sentence, in order: what the code passes must fit both.
func verbs(f string) []string {
	var out []string
	for _, v := range verbRE.FindAllString(f, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	return out
}

func TestBothLanguagesHaveTheSameKeysAndTheSamePlaceholders(t *testing.T) {
	for key, jaText := range messagesJA {
		enText, ok := messagesEN[key]
		if !ok {
			t.Errorf("%q has no English twin in messages_en.go", key)
			continue
		}
		if (jaText == "") != (enText == "") {
			t.Errorf("%q: Japanese %q, English %q: one of them is empty", key, jaText, enText)
		}
		if j, e := verbs(jaText), verbs(enText); !slices.Equal(j, e) {
			t.Errorf("%q: Japanese placeholders %v, English %v", key, j, e)
		}
	}
	for key := range messagesEN {
		if _, ok := messagesJA[key]; !ok {
			t.Errorf("%q is English only: add it to messages.go", key)
		}
	}
}

func TestAPluralNounFollowsANumberAndJapaneseHasNone(t *testing.T) {
	nouns := regexp.MustCompile(`\{[^{}]*\}`)
	after := regexp.MustCompile(`%d \{[^{}|]*\|[^{}|]*\}`)
	for key, f := range messagesEN {
		if n, a := len(nouns.FindAllString(f, -1)), len(after.FindAllString(f, -1)); n != a {
			t.Errorf("%q: %q: a {one|other} must follow a %%d and a space", key, f)
		}
	}
	for key, f := range messagesJA {
		if strings.ContainsAny(f, "{}") {
			t.Errorf("%q: Japanese has no plural forms: %q", key, f)
		}
	}
	for _, tc := range []struct {
		name string
		args []any
		want string
	}{
		{"one is singular", []any{1}, "This send is 1 message."},
		{"two is plural", []any{2}, "This send is 2 messages."},
		{"zero is plural", []any{0}, "This send is 0 messages."},
	} {
		if got := en.msg("confirm.tosend", tc.args...); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := en.msg("confirm.recipients", 1, 2); got != "Recipients: 1 patient, 2 messages" {
		t.Errorf("each number picks its own noun: %q", got)
	}
	if got := en.msg("confirm.cost", 1.0, "JPY", 1); got != "Estimated cost: about 1.00 JPY (1 segment)" {
		t.Errorf("a number after a %%.2f: %q", got)
	}
}

func TestEveryStateAndClassHasWordsInBothLanguages(t *testing.T) {
	states := []journal.State{journal.Pending, journal.Sending, journal.Submitted, journal.Sent, journal.Delivered,
		journal.Undelivered, journal.Failed, journal.Skipped, journal.Unknown}
	classes := []roster.Class{roster.Landline, roster.VoIP, roster.TollFree, roster.Pager, roster.Invalid,
		roster.Empty, roster.OptedOut, roster.Duplicate, campaign.ClassProvider}
	for _, l := range langs {
		for _, st := range states {
			if _, ok := catalog[l]["state."+string(st)]; !ok {
				t.Errorf("%s: state %s has no word", l, st)
			}
		}
		for _, c := range classes {
			if _, ok := catalog[l]["class."+string(c)]; !ok {
				t.Errorf("%s: class %s has no word", l, c)
			}
		}
	}
}

// hasJapanese reports whether s has kana, kanji or Japanese punctuation.
func hasJapanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
			r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef {
			return true
		}
	}
	return false
}

// patientData is what the test lists hold: the patients' names, the list's own file name and its
// column headers (patients(n) has 氏名 and 携帯電話).
var patientData = regexp.MustCompile(`架空 患者\d+|固定 電話|誤り 番号|患者名簿\.csv|"?携帯電話"?|氏名`)

// japaneseOutsideData is the text of page, and of the attributes a person reads, with Japanese
// in it outside the elements marked as holding data: translate="no" (patient data, the
// templates' text) and lang="ja" (the switch's 日本語). Patient names are data inside a sentence
// too ("Row 2: 架空 患者1"), so they are taken out of the text first.
func japaneseOutsideData(t *testing.T, page string) []string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var found []string
	var stack []bool // whether each open element holds data
	inData := func() bool { return len(stack) > 0 && stack[len(stack)-1] }
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return found
		}
		if err != nil {
			t.Fatalf("page does not parse: %v\n%s", err, page)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			data := inData()
			for _, a := range e.Attr {
				data = data || a.Name.Local == "translate" && a.Value == "no" || a.Name.Local == "lang" && a.Value == "ja" && e.Name.Local != "html"
			}
			if !data {
				for _, a := range e.Attr {
					switch a.Name.Local {
					case "placeholder", "title", "aria-label", "alt":
						if hasJapanese(patientData.ReplaceAllString(a.Value, "")) {
							found = append(found, e.Name.Local+" "+a.Name.Local+"="+a.Value)
						}
					}
				}
			}
			stack = append(stack, data)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(e)); !inData() && hasJapanese(patientData.ReplaceAllString(s, "")) {
				found = append(found, s)
			}
		}
	}
}

func TestTheDataScanFindsJapaneseOutsideDataOnly(t *testing.T) {
	page := `<!DOCTYPE html><html lang="en"><body><p>Row 2: 架空 患者1</p><div translate="no"><p>本日は中止</p></div>` +
		`<a lang="ja" href="?lang=ja">日本語</a><input placeholder="例"><p>送信中</p><br></body></html>`
	if got := japaneseOutsideData(t, page); !slices.Equal(got, []string{"input placeholder=例", "送信中"}) {
		t.Errorf("found %q, want the placeholder and 送信中", got)
	}
}

// Every page of a send, in English: nothing Japanese but the patients' data and the templates'
// text, the html lang is en, and the call list and the progress speak English too.
func TestEveryPageInEnglishHasNoJapaneseButPatientDataAndTemplates(t *testing.T) {
	ts := newServer(t, tconfig{lang: "en", test: []string{"090-9999-0001"}})
	page := ts.login()
	pages := map[string]string{"list (empty)": page}
	_, pages["list"] = ts.upload("患者名簿.csv", cp932(t, patients(8)), ts.csrf)
	_, pages["message (none chosen)"] = ts.get("/message")
	_, pages["message"] = ts.post("/message", url.Values{"template": {"outage"}})
	_, pages["message, third patient"] = ts.get("/message?i=3")
	_, pages["confirm"] = ts.get("/confirm")
	_, pages["confirm, wrong count"] = ts.post("/send", url.Values{"count": {"185"}, "shown": {"8"}})
	id := startSend(t, ts, cp932(t, patients(8)), "8")
	for _, p := range events(t, ts, id) {
		if hasJapanese(p.Text + p.How + p.Rate + p.Left) {
			t.Errorf("progress event in Japanese: %+v", p)
		}
	}
	_, pages["run"] = ts.get("/run/" + id)
	_, pages["result"] = ts.get("/campaigns/" + id)
	_, pages["result, skipped"] = ts.get("/campaigns/" + id + "?state=skipped")
	_, pages["call"] = ts.get("/campaigns/" + id + "/call")
	_, pages["history"] = ts.get("/history")
	_, pages["confirm, all sent"] = ts.get("/confirm")
	_, pages["error"] = ts.get("/campaigns/no-such-campaign")
	anon := &http.Client{}
	resp, err := anon.Get(ts.base + "/list")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pages["forbidden"] = string(b)

	for name, page := range pages {
		if !strings.Contains(page, `<html lang="en">`) {
			t.Errorf("%s: not <html lang=\"en\">", name)
		}
		if found := japaneseOutsideData(t, page); len(found) > 0 {
			t.Errorf("%s page has Japanese outside data: %q", name, found)
		}
	}
	for name, want := range map[string]string{
		"list": "Rows that cannot be texted (2)", "message": "The message the patient receives (1 of 8)",
		"confirm": "This send is 8 messages.", "run": "Phone the 1 patient it did not reach",
		"result": "Call list (3 patients)", "history": "practice", "forbidden": "This page cannot be opened",
	} {
		if !strings.Contains(text(pages[name]), want) {
			t.Errorf("%s page lacks %q: %s", name, want, text(pages[name]))
		}
	}
	_, call := ts.get("/campaigns/" + id + "/call-page")
	if !strings.Contains(call, `lang="en"`) || !strings.Contains(call, "Call list") || strings.Contains(call, "電話連絡リスト") {
		t.Errorf("the call list in the page is not the English one: %s", text(call))
	}
}

func TestTheLanguageSwitchIsRememberedAndLeavesTheTokenOut(t *testing.T) {
	ts := newServer(t, tconfig{})
	page := ts.login()
	if !strings.Contains(page, `<html lang="ja">`) || !strings.Contains(page, `href="/?lang=en"`) || strings.Contains(page, "token=") {
		t.Fatalf("the first page: Japanese, with a switch to /?lang=en and no token in it: %s", page)
	}
	resp, err := ts.c.Get(ts.base + "/message?i=2&lang=en")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == langCookie {
			c = k
		}
	}
	if c == nil || c.Value != "en" || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.MaxAge <= 0 {
		t.Fatalf("the switch's cookie: %+v, want en, HttpOnly, SameSite=Strict, kept", c)
	}
	if !strings.Contains(string(b), `<html lang="en">`) || !strings.Contains(string(b), `href="/message?i=2&amp;lang=ja"`) {
		t.Errorf("the page switched to English keeps its other parameters in the switch: %s", b)
	}
	if _, page := ts.get("/history"); !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "Sends so far") {
		t.Errorf("the next page is not English: %s", text(page))
	}
	if _, page := ts.get("/history?lang=ja"); !strings.Contains(page, "これまでの送信") {
		t.Errorf("back to Japanese: %s", text(page))
	}
	if _, page := ts.get("/list"); !strings.Contains(page, `<html lang="ja">`) {
		t.Errorf("Japanese is remembered too: %s", text(page))
	}
	if _, page := ts.get("/list?lang=fr"); !strings.Contains(page, `<html lang="ja">`) {
		t.Errorf("an unknown language changes nothing: %s", text(page))
	}

	// Without the session the switch changes the words of the refusal, and remembers nothing.
	anon := &http.Client{}
	resp, err = anon.Get(ts.base + "/list?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), "This page cannot be opened") || len(resp.Cookies()) != 0 {
		t.Errorf("without the session: %d, cookies %v: %s", resp.StatusCode, resp.Cookies(), text(string(b)))
	}
	req, _ := http.NewRequest("GET", ts.base+"/", nil)
	req.URL.Path = "//elsewhere.example/"
	resp, err = anon.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(b), `href="//`) || !strings.Contains(string(b), `href="/elsewhere.example/?lang=en"`) {
		t.Errorf("the switch on a page asked for by //elsewhere.example/ must stay on this server: %s", b)
	}
}

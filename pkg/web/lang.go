package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/report"
	"github.com/smscast/smscast/pkg/roster"
)

// lang is the language a page is shown in. Each request has its own: a nurse who prefers
// Japanese on a laptop set to English switches her browser's pages without touching the config.
type lang string

const (
	ja lang = report.LangJA
	en lang = "en"
)

// langs are the page languages, in the order the switch offers them.
var langs = []lang{ja, en}

// catalog is every page sentence by language; messages_test keeps the two key sets and their
// placeholders equal.
var catalog = map[lang]map[string]string{ja: messagesJA, en: messagesEN}

// parseLang reads "ja" or "en"; anything else is Japanese, the page's first language.
func parseLang(s string) lang {
	if lang(s) == en {
		return en
	}
	return ja
}

// langCookie keeps the language chosen with the switch. It outlives the session (and, as
// cookies ignore the port, the server): the choice is about the person at this browser, and
// it holds no patient data.
const langCookie = "smscast_lang"

// lang is the request's language: the switch's ?lang= on this request, else the one chosen
// before (the cookie), else the configured one.
func (s *Server) lang(r *http.Request) lang {
	if q := r.URL.Query().Get("lang"); q == string(ja) || q == string(en) {
		return lang(q)
	}
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == string(ja) || c.Value == string(en)) {
		return lang(c.Value)
	}
	return lang(s.cfg.Lang)
}

// rememberLang keeps a language chosen with the switch for the next pages. It changes only
// what the pages look like, so a GET may do it; SameSite keeps other sites from doing it.
func rememberLang(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("lang")
	if q != string(ja) && q != string(en) {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// langLink is one link of the language switch: this page again, in another language.
type langLink struct {
	Lang    lang
	Label   string
	Href    string
	Current bool
}

// langLinks are the switch's links for r's page. The one-time token is left out: it has been
// exchanged, and an address holding it should not linger in the page. The path keeps one
// leading slash, so that a request for //elsewhere/ (the refusal page answers any path) cannot
// make the switch a link to another site.
func langLinks(r *http.Request, cur lang) []langLink {
	path := "/" + strings.TrimLeft(r.URL.Path, `/\`)
	var out []langLink
	for _, l := range langs {
		q := r.URL.Query()
		q.Del("token")
		q.Set("lang", string(l))
		u := url.URL{Path: path, RawQuery: q.Encode()}
		out = append(out, langLink{Lang: l, Label: catalog[l]["lang.name"], Href: u.String(), Current: l == cur})
	}
	return out
}

// msg formats the message key in l with args; an unknown key is a bug that the page tests catch.
func (l lang) msg(key string, args ...any) string {
	f, ok := catalog[l][key]
	if !ok {
		panic("web: no message " + key + " in " + string(l))
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(plural(f, args), args...)
}

// verbRE matches one fmt verb as the catalog writes them (no explicit argument indexes).
var verbRE = regexp.MustCompile(`%[-+# 0]*(?:\d+)?(?:\.\d+)?[a-zA-Z%]`)

// nounRE is the "{one|other}" after a number's verb: " {message|messages}".
var nounRE = regexp.MustCompile(`^ \{([^{}|]*)\|([^{}|]*)\}`)

// plural keeps, after each %d, the singular of "{one|other}" when its number is 1 and the
// plural otherwise. English needs no more than that; x/text's plural.Selectf would, but it
// selects on one number per message and these sentences often count two things.
func plural(f string, args []any) string {
	if !strings.Contains(f, "{") {
		return f
	}
	var b strings.Builder
	arg := 0
	for {
		loc := verbRE.FindStringIndex(f)
		if loc == nil {
			b.WriteString(f)
			return b.String()
		}
		verb := f[loc[0]:loc[1]]
		b.WriteString(f[:loc[1]])
		f = f[loc[1]:]
		if verb == "%%" {
			continue
		}
		n := arg
		arg++
		m := nounRE.FindStringSubmatchIndex(f)
		if m == nil || !strings.HasSuffix(verb, "d") {
			continue
		}
		word := f[m[4]:m[5]]
		if n < len(args) && fmt.Sprint(args[n]) == "1" {
			word = f[m[2]:m[3]]
		}
		b.WriteString(" " + word)
		f = f[m[1]:]
	}
}

// word is the message key's text when there is one, else fallback: a state, class or encoding
// the catalog does not know is shown by its code rather than failing the page.
func (l lang) word(key, fallback string) string {
	if w, ok := catalog[l][key]; ok {
		return w
	}
	return fallback
}

// stateWord says what a delivery state means to the staff, as the report's CSV does.
func (l lang) stateWord(s journal.State) string { return l.word("state."+string(s), string(s)) }

// classWord says why rows are not texted, as in the pre-send summary.
func (l lang) classWord(c roster.Class) string { return l.word("class."+string(c), string(c)) }

func (l lang) encWord(enc string) string { return l.word("enc."+enc, enc) }

// durationWords is how long something takes, in words.
func (l lang) durationWords(d time.Duration) string {
	switch {
	case d < time.Second:
		return l.msg("duration.under")
	case d < time.Minute:
		return l.msg("duration.sec", int(d.Round(time.Second)/time.Second))
	case d < time.Hour:
		d = d.Round(time.Second)
		return l.msg("duration.min", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	d = d.Round(time.Minute)
	return l.msg("duration.hour", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

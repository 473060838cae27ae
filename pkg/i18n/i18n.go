// Package i18n is the catalog of every sentence smscast shows a person, in English and in
// Japanese, and the printer that chooses between them.
//
// A message's key is its English format string: code reads as it prints, and an English run
// formats the key itself. The Japanese texts are one table (ja.go); English sentences that change
// with a number are plural.Selectf messages (en.go). Both are loaded into one
// golang.org/x/text/message/catalog, through which Japanese and plural messages are printed.
package i18n

import (
	"fmt"
	"io"
	"sync"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The interface languages.
const (
	EN = "en"
	JA = "ja"
)

// Printer prints the sentences of one language.
type Printer struct {
	lang string
	tag  language.Tag
	mp   *message.Printer
}

// catalogOnce builds the catalog the first time a message is printed; it never changes after.
var catalogOnce = sync.OnceValue(func() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for key, text := range ja {
		if err := b.SetString(language.Japanese, key, text); err != nil {
			panic(fmt.Sprintf("i18n: %q: %v", key, err)) // a programming error: TestCatalog catches it
		}
	}
	for key, pl := range enPlural {
		if err := b.Set(language.English, key, pl.message()); err != nil {
			panic(fmt.Sprintf("i18n: %q: %v", key, err))
		}
	}
	return b
})

// For is the printer of lang: Japanese for "ja", English for anything else.
func For(lang string) *Printer {
	if lang == JA {
		return &Printer{lang: JA, tag: language.Japanese, mp: message.NewPrinter(language.Japanese, message.Catalog(catalogOnce()))}
	}
	return &Printer{lang: EN, tag: language.English, mp: message.NewPrinter(language.English, message.Catalog(catalogOnce()))}
}

// Lang is the printer's language, "ja" or "en".
func (p *Printer) Lang() string {
	if p == nil {
		return EN
	}
	return p.lang
}

// Sprintf formats the message key (an English format string) in the printer's language.
func (p *Printer) Sprintf(key string, a ...any) string {
	if p == nil || p.lang == EN {
		if _, ok := enPlural[key]; !ok {
			// English without a plural form is the key itself, formatted exactly as fmt does.
			return fmt.Sprintf(key, a...)
		}
		p = For(EN)
	}
	return p.mp.Sprintf(key, plain(a)...)
}

// Fprintf writes the message key formatted in the printer's language to w.
func (p *Printer) Fprintf(w io.Writer, key string, a ...any) (int, error) {
	return io.WriteString(w, p.Sprintf(key, a...))
}

// Fprintln writes the sentence key (no placeholders) in the printer's language and a newline.
func (p *Printer) Fprintln(w io.Writer, key string) (int, error) {
	return io.WriteString(w, p.Text(key)+"\n")
}

// Text is the sentence key in the printer's language, without formatting: for help texts and
// hints, which may hold a literal %.
func (p *Printer) Text(key string) string {
	if t, ok := p.Lookup(key); ok {
		return t
	}
	return key
}

// Lookup is the translation of a whole sentence, when the catalog has one; in English, the
// sentence itself.
func (p *Printer) Lookup(key string) (string, bool) {
	if p.Lang() == EN {
		return key, true
	}
	t, ok := ja[key]
	return t, ok
}

// Has reports whether the catalog holds key in Japanese.
func Has(key string) bool {
	_, ok := ja[key]
	return ok
}

// pluralEN is an English sentence whose words change with the number in argument Arg (1-based).
type pluralEN struct {
	Arg        int
	One, Other string
}

func (pl pluralEN) message() catalog.Message {
	return plural.Selectf(pl.Arg, "%d", plural.One, pl.One, plural.Other, pl.Other)
}

// plain wraps numbers so that they print as fmt prints them (1234, not the locale's 1,234: a row
// number, a count in a log line, bytes) while the catalog can still choose a plural form by them.
func plain(a []any) []any {
	out := make([]any, len(a))
	for i, v := range a {
		switch n := v.(type) {
		case int:
			out[i] = count(n)
		case int64:
			out[i] = count(n)
		case int32:
			out[i] = count(n)
		case uint:
			out[i] = count(n)
		case uint64:
			out[i] = count(n)
		case float64:
			out[i] = float(n)
		case float32:
			out[i] = float(n)
		default:
			out[i] = v
		}
	}
	return out
}

// count is an integer argument: printed as fmt prints it, with its plural form for the catalog.
type count int64

func (c count) Format(s fmt.State, verb rune) { fmt.Fprintf(s, fmt.FormatString(s, verb), int64(c)) }

// PluralForm implements plural.Interface.
func (c count) PluralForm(t language.Tag, _ int) (plural.Form, int) {
	n := int64(c)
	if n < 0 {
		n = -n
	}
	return plural.Cardinal.MatchPlural(t, int(n), 0, 0, 0, 0), int(n)
}

// float is a floating-point argument, printed as fmt prints it.
type float float64

func (f float) Format(s fmt.State, verb rune) { fmt.Fprintf(s, fmt.FormatString(s, verb), float64(f)) }

// addJA adds more Japanese sentences to the catalog, from a file of its own (ja_<topic>.go:
// var _ = addJA(map[string]string{…})), so that work on separate topics does not edit one table.
// A key given twice is a programming error.
func addJA(more map[string]string) bool {
	for k, v := range more {
		if _, dup := ja[k]; dup {
			panic(fmt.Sprintf("i18n: %q is in the Japanese catalog twice", k))
		}
		ja[k] = v
	}
	return true
}

package i18n

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var verbRE = regexp.MustCompile(`%(?:%|[-+# 0]*(?:\[(\d+)\])?(?:\*|\d+)?(?:\.(?:\*|\d+)?)?([a-zA-Z]))`)

// placeholders lists the verbs of a format by the argument they print: "1:d", "2:s", …; an
// explicit index ([2]) moves the count on as fmt does.
func placeholders(format string) []string {
	var out []string
	n := 0
	for _, m := range verbRE.FindAllStringSubmatch(format, -1) {
		if m[0] == "%%" {
			continue
		}
		if m[1] != "" {
			n, _ = strconv.Atoi(m[1])
		} else {
			n++
		}
		out = append(out, strconv.Itoa(n)+":"+m[2])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestPlaceholdersAgree fails when a translation prints other arguments, or the same arguments
// with other kinds of verb, than its English key: a %d that became %s, a %q lost, an argument
// dropped.
func TestPlaceholdersAgree(t *testing.T) {
	check := func(what, key, text string) {
		t.Helper()
		if want, got := placeholders(key), placeholders(text); !slices.Equal(want, got) {
			t.Errorf("%s %q:\n  %q\n  has placeholders %v, the key %v", what, key, text, got, want)
		}
	}
	for key, text := range ja {
		check("ja", key, text)
	}
	for key, pl := range enPlural {
		check("en one", key, pl.One)
		check("en other", key, pl.Other)
		if pl.Other != key {
			t.Errorf("en plural %q: Other must be the key itself, is %q", key, pl.Other)
		}
		if _, ok := ja[key]; !ok {
			t.Errorf("en plural %q has no Japanese", key)
		}
	}
}

func TestEnglishIsTheKeyFormattedAsFmtDoes(t *testing.T) {
	p := For(EN)
	if got := p.Sprintf("The journal was rewritten: %d bytes before, %d after.\n", 123456, 7890); got != "The journal was rewritten: 123456 bytes before, 7890 after.\n" {
		t.Errorf("got %q", got)
	}
	for n, want := range map[int]string{0: "0 segments", 1: "1 segment", 2: "2 segments", 1200: "1200 segments"} {
		if got := p.Sprintf("%d segments", n); got != want {
			t.Errorf("%d: got %q, want %q", n, got, want)
		}
	}
	if got := p.Text("no such sentence 100%"); got != "no such sentence 100%" {
		t.Errorf("Text changed an unknown sentence: %q", got)
	}
}

func TestJapaneseGoesThroughTheCatalog(t *testing.T) {
	p := For(JA)
	if got := p.Sprintf("Send %d messages now? [y/N] ", 185); got != "185件のSMSを送信します。よろしいですか？ [y/N] " {
		t.Errorf("got %q", got)
	}
	// Numbers print as fmt prints them, without the locale's grouping, in Japanese too.
	if got := p.Sprintf("%d segments", 1234); got != "1234通分" {
		t.Errorf("got %q", got)
	}
	if got := p.Sprintf("%s sent %d of %d (%d failed)\n", "09:30:00", 5, 185, 1); got != "09:30:00 185件中5件送信(失敗 1件)\n" {
		t.Errorf("reordered arguments: got %q", got)
	}
	if got := p.Text("No campaigns yet."); !strings.Contains(got, "キャンペーン") {
		t.Errorf("got %q", got)
	}
	// A sentence the catalog lacks stays English rather than printing nothing.
	if got := p.Sprintf("unheard of %d", 3); got != "unheard of 3" {
		t.Errorf("got %q", got)
	}
}

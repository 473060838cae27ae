package message

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/smscast/smscast/pkg/filter"
)

// Supported languages.
const (
	LangJA = "ja"
	LangEN = "en"
)

// langOrder is the order languages are listed and fallen back to.
var langOrder = [...]string{LangJA, LangEN}

// NormalizeLang maps what a patient list or a flag says about language to "ja" or "en"; anything
// else gives "". It accepts codes (ja, jp, jpn, en, eng, en-US, ja_JP), names (Japanese, English)
// and Japanese names (日本語, 英語), in any case and width.
func NormalizeLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(norm.NFKC.String(s)))
	if i := strings.IndexAny(s, "-_"); i > 0 {
		s = s[:i]
	}
	switch s {
	case "ja", "jp", "jpn", "japanese", "日本語", "日本", "にほんご", "和", "日":
		return LangJA
	case "en", "eng", "english", "英語", "えいご", "英":
		return LangEN
	}
	return ""
}

// DateError is a value a date helper could not read as a date. It is filter's error, so that a
// date in a template and a date in --where are read, and refused, alike.
type DateError = filter.DateError

// ParseDate reads a date as clinic staff write it, for {{day .date}} and {{longday .date}}: it is
// filter.ParseDate (2026-11-22, 2026/11/22, 2026年11月22日, 令和8年11月22日, 11/22, 11月22日(日),
// today, 明日, +2d, …; a date without a year is the occurrence nearest to now, and a weekday
// written after the date must match it).
func ParseDate(s string, now time.Time) (time.Time, error) {
	return filter.ParseDate(s, now)
}

var (
	jaWeekdays = [...]string{"日", "月", "火", "水", "木", "金", "土"}
	enWeekdays = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	enMonths   = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// FormatDay writes a date the short way a clinic writes it: 11月22日(日) in Japanese, Sun 22 Nov in
// English. It is what {{day .date}} and {{.Today}} print.
func FormatDay(t time.Time, lang string) string {
	if lang == LangEN {
		return enWeekdays[t.Weekday()] + " " + strconv.Itoa(t.Day()) + " " + enMonths[t.Month()-1]
	}
	return strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日(" + jaWeekdays[t.Weekday()] + ")"
}

// FormatLongDay writes a date in full: 11月22日(日曜日) in Japanese, Sunday, November 22 in
// English. It is what {{longday .date}} prints.
func FormatLongDay(t time.Time, lang string) string {
	if lang == LangEN {
		return t.Weekday().String() + ", " + t.Month().String() + " " + strconv.Itoa(t.Day())
	}
	return strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日(" + jaWeekdays[t.Weekday()] + "曜日)"
}

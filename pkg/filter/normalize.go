package filter

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// fold is the key two values are compared by: NFKC (full-width letters and digits, half-width kana
// and the ideographic space become their usual forms), case-folded, with every space and invisible
// format character (BOM, zero-width space) removed. "Ｍｏｎ 水" and "mon水" fold alike.
func fold(s string) string {
	s = cases.Fold().String(norm.NFKC.String(s))
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
}

// normalizeDate prepares a date for the date patterns: NFKC, lower case, trimmed, invisible
// characters removed; inner spaces are kept because they separate a date from its time.
func normalizeDate(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// jaWeekdays is indexed by time.Weekday.
var jaWeekdays = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// enWeekdayNames maps the English names and abbreviations of weekdays to time.Weekday.
var enWeekdayNames = map[string]int{
	"sun": 0, "sunday": 0,
	"mon": 1, "monday": 1,
	"tue": 2, "tues": 2, "tuesday": 2,
	"wed": 3, "wednesday": 3,
	"thu": 4, "thur": 4, "thurs": 4, "thursday": 4,
	"fri": 5, "friday": 5,
	"sat": 6, "saturday": 6,
}

func jaWeekday(r rune) int {
	for i, w := range jaWeekdays {
		if string(r) == w {
			return i
		}
	}
	return -1
}

func enWeekday(s string) int {
	if d, ok := enWeekdayNames[s]; ok {
		return d
	}
	return -1
}

// daySet is a set of weekdays, bit i for time.Weekday(i).
type daySet uint8

func (d daySet) String() string {
	var b strings.Builder
	for i := 1; i <= 7; i++ { // Monday first, the way a clinic lists sessions
		if d&(1<<(i%7)) != 0 {
			b.WriteString(jaWeekdays[i%7])
		}
	}
	return b.String()
}

// weekdaySeparators may stand between weekdays in a value list item or a cell.
var weekdaySeparators = strings.NewReplacer("・", " ", "/", " ", ",", " ", "、", " ", "&", " ", "+", " ", "と", " ")

// parseWeekdays reads a right-hand side item that names only weekdays: 月, 月水金, 月・水・金,
// 月曜, 月曜日, mon, Mon/Wed/Fri. ok is false when anything else is in it.
func parseWeekdays(s string) (set daySet, ok bool) {
	s = strings.ToLower(norm.NFKC.String(s))
	s = strings.NewReplacer("曜日", " ", "曜", " ").Replace(s)
	s = weekdaySeparators.Replace(s)
	for _, f := range strings.Fields(s) {
		if d := enWeekday(f); d >= 0 {
			set |= 1 << d
			continue
		}
		for _, r := range f {
			d := jaWeekday(r)
			if d < 0 {
				return 0, false
			}
			set |= 1 << d
		}
	}
	return set, set != 0
}

// notWeekdayAfter lists what, written just before a weekday kanji, makes it part of another word:
// 3月, 22日, 毎日, 隔日, 祝日, 休日, 平日, 本日, 今日, 明日, 昨日, 翌日, 今月, 来月, 先月, 前日, 月曜日.
const notWeekdayAfter = "0123456789曜毎隔祝休平本今明昨翌来先前"

// weekdaysIn collects the weekdays a cell names, wherever they stand: 月水金, 月・水・金, 水 午前,
// 月曜・木曜, Mon/Thu. Kanji that are part of a date or another word (see notWeekdayAfter) do
// not count. 毎日 therefore names no day; it is read as "not a weekday list", not as every day.
func weekdaysIn(s string) daySet {
	s = strings.ToLower(norm.NFKC.String(s))
	var set daySet
	prev := rune(0)
	for _, r := range s {
		if d := jaWeekday(r); d >= 0 && !strings.ContainsRune(notWeekdayAfter, prev) {
			set |= 1 << d
		}
		prev = r
	}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r < 'a' || r > 'z' }) {
		if d := enWeekday(f); d >= 0 {
			set |= 1 << d
		}
	}
	return set
}

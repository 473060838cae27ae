package filter

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/smscast/smscast/pkg/internal/editdist"
)

// DateHint is what every "not a date" error suggests writing instead.
const DateHint = "write today, tomorrow, +2d, 2026-11-22 or 11月22日"

// DateError is a value that could not be read as a date. Reason says what to write instead.
type DateError struct {
	Value   string // as written
	Reason  string // lowercase, no trailing period
	Suggest string // the word Value is probably a typo of (tomorrow for tomorow), or ""
}

func (e *DateError) Error() string {
	if e.Suggest != "" {
		return fmt.Sprintf("%q is not a date (did you mean %s?): %s", e.Value, e.Suggest, e.Reason)
	}
	return fmt.Sprintf("%q is not a date: %s", e.Value, e.Reason)
}

// ParseDate reads a date the way clinic staff and records systems write one, and returns midnight
// of that calendar day in today's location. It accepts:
//
//   - today, tomorrow, yesterday, 今日, 本日, 明日, 明後日, 昨日, 一昨日;
//   - +2d, -1d, +1w (days or weeks from today), 3日後, 2日前;
//   - 2026-11-22, 2026/11/22, 2026.11.22, 2026年11月22日, 20261122 (zero padding optional);
//   - 11/22, 11-22, 11月22日: the year is the one that puts the date nearest to today, so 1/5
//     read on 28 December is next January and 12/28 read on 5 January is last December;
//   - 令和8年11月22日, 令和元年5月1日, 平成30年1月5日, 昭和64年1月7日, and the short forms R8.11.22,
//     H30/1/5 (Reiwa 1 = 2019, Heisei 1 = 1989, Showa 1 = 1926).
//
// Full-width digits, any letter case and spaces are fine. A weekday after the date, such as
// 11月22日(日) or 2026-11-22 Sun, is checked against the date: a mismatch is an error, because it
// usually means the year was guessed wrong. A time after the date (2026/11/22 9:30,
// 2026-11-22T09:00:00+09:00, 11月22日 午前9時) is ignored: the calendar day is taken as written.
func ParseDate(s string, today time.Time) (time.Time, error) {
	d, err := parseDateSpec(s)
	if err != nil {
		return time.Time{}, err
	}
	return d.resolve(today)
}

// dateSpec is a date read without knowing today, so that a --where expression can be checked
// once at parse time and resolved for each run's "today".
type dateSpec struct {
	text     string // as written, for errors
	relative bool
	days     int // offset from today when relative
	year     int // 0 when the year was left out
	month    int
	day      int
	weekday  int // 0..6 as time.Weekday, or -1 when none was written
}

var (
	relativeWords = map[string]int{
		"today": 0, "今日": 0, "本日": 0, "きょう": 0,
		"tomorrow": 1, "明日": 1, "あす": 1, "あした": 1,
		"yesterday": -1, "昨日": -1, "きのう": -1,
		"明後日": 2, "あさって": 2,
		"一昨日": -2, "おととい": -2,
	}
	relativeRe   = regexp.MustCompile(`^([+-])(\d{1,4})(d|days?|日|w|weeks?|週間?)$`)
	relativeJaRe = regexp.MustCompile(`^(\d{1,4})(日|週間)(後|前)$`)

	// The core of a date, at the start of the string; what follows is checked by parseTail.
	eraRe     = regexp.MustCompile(`^(令和|平成|昭和|r|h|s)\s*(元|\d{1,2})\s*(年|[./-])\s*(\d{1,2})\s*(月|[./-])\s*(\d{1,2})(日)?`)
	ymdRe     = regexp.MustCompile(`^(\d{4})\s*(年|[./-])\s*(\d{1,2})\s*(月|[./-])\s*(\d{1,2})(日)?`)
	compactRe = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})`)
	mdRe      = regexp.MustCompile(`^(\d{1,2})\s*(月|[/-])\s*(\d{1,2})(日)?`)

	// What may follow the date in a cell.
	weekdayRe = regexp.MustCompile(`^\(?\s*(?:(月|火|水|木|金|土|日)(?:曜日|曜)?|(sunday|sun|monday|mon|tuesday|tues|tue|wednesday|wed|thursday|thurs|thur|thu|friday|fri|saturday|sat)\.?)\s*\)?`)
	timeRe    = regexp.MustCompile(`^(?:午前|午後|am|pm)?\s*t?\d{1,2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?|時(?:\d{1,2}分|半)?(?:\d{1,2}秒)?)(?:\s*(?:am|pm|a\.m\.|p\.m\.))?`)
)

var eraBase = map[string]struct {
	name  string
	first int // Gregorian year of the era's year 1
	last  int // last year of the era, 0 for the current one
}{
	"令和": {"令和", 2018 + 1, 0}, "r": {"令和", 2018 + 1, 0},
	"平成": {"平成", 1988 + 1, 31}, "h": {"平成", 1988 + 1, 31},
	"昭和": {"昭和", 1925 + 1, 64}, "s": {"昭和", 1925 + 1, 64},
}

func parseDateSpec(s string) (dateSpec, error) {
	d := dateSpec{text: s, weekday: -1}
	n := normalizeDate(s)
	if n == "" {
		return d, &DateError{Value: s, Reason: "the value is empty: " + DateHint}
	}
	compact := strings.Join(strings.Fields(n), "")
	if days, ok := relativeWords[compact]; ok {
		d.relative, d.days = true, days
		return d, nil
	}
	if m := relativeRe.FindStringSubmatch(compact); m != nil {
		n, _ := strconv.Atoi(m[2])
		if strings.HasPrefix(m[3], "w") || strings.HasPrefix(m[3], "週") {
			n *= 7
		}
		if m[1] == "-" {
			n = -n
		}
		d.relative, d.days = true, n
		return d, nil
	}
	if m := relativeJaRe.FindStringSubmatch(compact); m != nil {
		n, _ := strconv.Atoi(m[1])
		if m[2] == "週間" {
			n *= 7
		}
		if m[3] == "前" {
			n = -n
		}
		d.relative, d.days = true, n
		return d, nil
	}

	var rest string
	switch {
	case eraRe.MatchString(n):
		m := eraRe.FindStringSubmatch(n)
		if m[3] == "年" && m[5] != "月" || m[3] != "年" && (m[5] != m[3] || m[7] != "") {
			return d, &DateError{Value: s, Reason: DateHint}
		}
		era := eraBase[m[1]]
		y := 1
		if m[2] != "元" {
			y, _ = strconv.Atoi(m[2])
		}
		if y < 1 || era.last != 0 && y > era.last {
			return d, &DateError{Value: s, Reason: fmt.Sprintf("%s has no year %d", era.name, y)}
		}
		d.year = era.first + y - 1
		d.month, _ = strconv.Atoi(m[4])
		d.day, _ = strconv.Atoi(m[6])
		rest = n[len(m[0]):]
	case ymdRe.MatchString(n):
		m := ymdRe.FindStringSubmatch(n)
		if m[2] == "年" && m[4] != "月" || m[2] != "年" && (m[4] != m[2] || m[6] != "") {
			return d, &DateError{Value: s, Reason: DateHint}
		}
		d.year, _ = strconv.Atoi(m[1])
		d.month, _ = strconv.Atoi(m[3])
		d.day, _ = strconv.Atoi(m[5])
		rest = n[len(m[0]):]
	case compactRe.MatchString(n):
		m := compactRe.FindStringSubmatch(n)
		d.year, _ = strconv.Atoi(m[1])
		d.month, _ = strconv.Atoi(m[2])
		d.day, _ = strconv.Atoi(m[3])
		rest = n[len(m[0]):]
	case mdRe.MatchString(n):
		m := mdRe.FindStringSubmatch(n)
		if m[2] != "月" && m[4] != "" {
			return d, &DateError{Value: s, Reason: DateHint}
		}
		d.month, _ = strconv.Atoi(m[1])
		d.day, _ = strconv.Atoi(m[3])
		rest = n[len(m[0]):]
	default:
		return d, &DateError{Value: s, Reason: DateHint, Suggest: nearestWord(compact)}
	}
	// Digits straight after the core mean the core was cut from something longer (2026-11-223).
	if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
		return d, &DateError{Value: s, Reason: DateHint}
	}
	wd, ok := parseTail(rest)
	if !ok {
		return d, &DateError{Value: s, Reason: "cannot read " + strconv.Quote(strings.TrimSpace(rest)) + " after the date: " + DateHint}
	}
	d.weekday = wd
	if d.month < 1 || d.month > 12 {
		return d, &DateError{Value: s, Reason: fmt.Sprintf("there is no month %d", d.month)}
	}
	year := d.year
	if year == 0 {
		year = 2024 // a leap year: 2/29 is checked again once the year is known
	}
	if d.day < 1 || d.day > daysIn(year, d.month) {
		return d, &DateError{Value: s, Reason: noDay(d.year, d.month, d.day)}
	}
	return d, nil
}

// resolve turns the spec into midnight of a calendar day in today's location.
func (d dateSpec) resolve(today time.Time) (time.Time, error) {
	loc := today.Location()
	y, m, dd := today.Date()
	midnight := time.Date(y, m, dd, 0, 0, 0, 0, loc)
	if d.relative {
		return time.Date(y, m, dd+d.days, 0, 0, 0, 0, loc), nil
	}
	var t time.Time
	if d.year != 0 {
		if d.day > daysIn(d.year, d.month) {
			return time.Time{}, &DateError{Value: d.text, Reason: noDay(d.year, d.month, d.day)}
		}
		t = time.Date(d.year, time.Month(d.month), d.day, 0, 0, 0, 0, loc)
	} else {
		// The nearest occurrence to today, among last year, this year and next year.
		best := time.Duration(-1)
		for _, cy := range []int{y - 1, y, y + 1} {
			if d.day > daysIn(cy, d.month) {
				continue
			}
			c := time.Date(cy, time.Month(d.month), d.day, 0, 0, 0, 0, loc)
			diff := c.Sub(midnight)
			if diff < 0 {
				diff = -diff
			}
			if best < 0 || diff < best {
				best, t = diff, c
			}
		}
		if best < 0 {
			return time.Time{}, &DateError{Value: d.text, Reason: fmt.Sprintf("February 29 is not in %d, %d or %d: write the year", y-1, y, y+1)}
		}
	}
	if d.weekday >= 0 && int(t.Weekday()) != d.weekday {
		return time.Time{}, &DateError{Value: d.text, Reason: fmt.Sprintf("%s is a %s (%s), not %s: check the date or write its year",
			t.Format("2006-01-02"), t.Weekday(), jaWeekdays[t.Weekday()], jaWeekdays[d.weekday])}
	}
	return t, nil
}

// parseTail reads what may follow a date in a cell: a weekday and a time of day, in either order.
// It returns the weekday (-1 when none) and whether everything was read.
func parseTail(s string) (int, bool) {
	wd := -1
	seenTime := false
	for {
		s = strings.TrimLeft(s, " ,")
		if s == "" {
			return wd, true
		}
		if m := weekdayRe.FindStringSubmatch(s); m != nil && wd < 0 {
			if m[1] != "" {
				wd = jaWeekday([]rune(m[1])[0])
			} else {
				wd = enWeekday(m[2])
			}
			s = s[len(m[0]):]
			continue
		}
		if loc := timeRe.FindStringIndex(s); loc != nil && !seenTime {
			seenTime = true
			s = s[loc[1]:]
			continue
		}
		return wd, false
	}
}

// looksLikeDate says whether a right-hand side that failed to parse as a date was meant as one,
// so that a typo is reported instead of silently comparing text.
func looksLikeDate(s string) bool {
	n := strings.Join(strings.Fields(normalizeDate(s)), "")
	if n == "" {
		return false
	}
	if nearestWord(n) != "" {
		return true
	}
	if (n[0] == '+' || n[0] == '-') && len(n) > 1 && isDigit(n[1]) {
		return true
	}
	if strings.HasSuffix(n, "後") || strings.HasSuffix(n, "前") {
		return strings.ContainsAny(n, "0123456789")
	}
	for _, era := range []string{"令和", "平成", "昭和"} {
		if strings.HasPrefix(n, era) {
			return true
		}
	}
	if len(n) > 2 && strings.ContainsRune("rhs", rune(n[0])) && isDigit(n[1]) && strings.ContainsAny(n, "./年") {
		return true
	}
	if !isDigit(n[0]) {
		return false
	}
	if strings.ContainsAny(n, "/年月") {
		return true
	}
	// 2026-13-01 and 2026.11.31, but not a phone number such as 090-1234-5678.
	return len(n) > 5 && isDigit(n[1]) && isDigit(n[2]) && isDigit(n[3]) && (n[4] == '-' || n[4] == '.')
}

// nearestWord returns the relative date word s is a typo of, or "".
func nearestWord(s string) string {
	if len(s) < 4 {
		return ""
	}
	for _, w := range []string{"today", "tomorrow", "yesterday"} {
		if s != w && editdist.Distance(s, w) <= 2 {
			return w
		}
	}
	return ""
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func noDay(year, month, day int) string {
	if year == 0 {
		return fmt.Sprintf("%s has no day %d", time.Month(month), day)
	}
	return fmt.Sprintf("%s %d has no day %d", time.Month(month), year, day)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

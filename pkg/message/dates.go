package message

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
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

// DateError is a value a date helper could not read as a date.
type DateError struct {
	Value string
}

func (e *DateError) Error() string {
	return fmt.Sprintf("%q is not a date: write it as 2026-11-22, 2026/11/22, 11/22, today or tomorrow", e.Value)
}

// ParseDate reads a date as people write it on a form: 2026-11-22, 2026/11/22, 2026.11.22,
// 2026年11月22日, 11/22, 11-22, 11月22日 (a trailing weekday such as "(日)" or "(Sun)" is ignored;
// full-width digits are fine), or today, tomorrow, 今日, 本日, 明日. A date without a year is the
// occurrence nearest to now, so 1/5 written on 28 December is next January.
func ParseDate(s string, now time.Time) (time.Time, error) {
	orig := s
	s = strings.TrimSpace(norm.NFKC.String(s))
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[:i])
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	switch strings.ToLower(s) {
	case "today", "今日", "本日", "きょう":
		return today, nil
	case "tomorrow", "明日", "あす", "あした":
		return today.AddDate(0, 0, 1), nil
	}
	nums, ok := splitDate(s)
	if !ok {
		return time.Time{}, &DateError{Value: orig}
	}
	var y, m, d int
	switch len(nums) {
	case 3:
		if nums[0] < 1000 {
			return time.Time{}, &DateError{Value: orig}
		}
		y, m, d = nums[0], nums[1], nums[2]
	case 2:
		m, d = nums[0], nums[1]
		best := time.Duration(-1)
		for _, cy := range []int{now.Year() - 1, now.Year(), now.Year() + 1} {
			t := time.Date(cy, time.Month(m), d, 0, 0, 0, 0, now.Location())
			diff := t.Sub(today)
			if diff < 0 {
				diff = -diff
			}
			if best < 0 || diff < best {
				best, y = diff, cy
			}
		}
	default:
		return time.Time{}, &DateError{Value: orig}
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, now.Location())
	if m < 1 || m > 12 || t.Day() != d {
		return time.Time{}, &DateError{Value: orig}
	}
	return t, nil
}

// splitDate splits "2026-11-22", "11/22", "2026年11月22日" into numbers. The separators of one date
// must agree (a Japanese date uses 年 月 日).
func splitDate(s string) ([]int, bool) {
	if strings.ContainsAny(s, "年月日") {
		s = strings.TrimSuffix(s, "日")
		s = strings.NewReplacer("年", "/", "月", "/").Replace(s)
		if strings.ContainsAny(s, "-.日") {
			return nil, false
		}
	}
	var sep byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			continue
		}
		if c != '/' && c != '-' && c != '.' || sep != 0 && c != sep {
			return nil, false
		}
		sep = c
	}
	if sep == 0 {
		return nil, false
	}
	var nums []int
	for _, f := range strings.Split(s, string(sep)) {
		if f == "" || len(f) > 4 {
			return nil, false
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, false
		}
		nums = append(nums, n)
	}
	return nums, true
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

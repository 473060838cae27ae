package filter

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var tokyo = mustLoad("Asia/Tokyo")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// saturday is the "today" of most tests: Saturday 21 November 2026, 10:00 in Tokyo.
var saturday = time.Date(2026, 11, 21, 10, 0, 0, 0, tokyo)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, tokyo) }

func TestParseDateReadsEveryForm(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		today time.Time
		want  time.Time
	}{
		{"today is the day of the run", "today", saturday, day(2026, 11, 21)},
		{"tomorrow is the next day", "tomorrow", saturday, day(2026, 11, 22)},
		{"yesterday is the day before", "Yesterday", saturday, day(2026, 11, 20)},
		{"明日 is tomorrow in Japanese", "明日", saturday, day(2026, 11, 22)},
		{"本日 is today in Japanese", "本日", saturday, day(2026, 11, 21)},
		{"明後日 is the day after tomorrow", "明後日", saturday, day(2026, 11, 23)},
		{"+2d is two days ahead", "+2d", saturday, day(2026, 11, 23)},
		{"-1d is one day back", "-1d", saturday, day(2026, 11, 20)},
		{"+1w is a week ahead", "+1w", saturday, day(2026, 11, 28)},
		{"+10d crosses into the next month", "+10d", saturday, day(2026, 12, 1)},
		{"3日後 is three days ahead", "3日後", saturday, day(2026, 11, 24)},
		{"full-width +２ｄ reads like +2d", "＋２ｄ", saturday, day(2026, 11, 23)},
		{"ISO date", "2026-11-22", saturday, day(2026, 11, 22)},
		{"ISO date without zero padding", "2026-1-5", saturday, day(2026, 1, 5)},
		{"slash date", "2026/11/22", saturday, day(2026, 11, 22)},
		{"slash date without zero padding", "2027/1/5", saturday, day(2027, 1, 5)},
		{"dotted date", "2026.11.22", saturday, day(2026, 11, 22)},
		{"compact date from a records system", "20261122", saturday, day(2026, 11, 22)},
		{"month and day with a slash take the nearest year", "11/22", saturday, day(2026, 11, 22)},
		{"月日 takes the nearest year", "11月22日", saturday, day(2026, 11, 22)},
		{"月日 without 日 is read too", "11月22", saturday, day(2026, 11, 22)},
		{"月日 in full-width digits", "１１月２２日", saturday, day(2026, 11, 22)},
		{"月日 with a matching weekday", "11月22日(日)", saturday, day(2026, 11, 22)},
		{"月日 with a full-width weekday in brackets", "11月22日（日曜日）", saturday, day(2026, 11, 22)},
		{"January read in late December is next year", "1/5", time.Date(2026, 12, 28, 9, 0, 0, 0, tokyo), day(2027, 1, 5)},
		{"December read in early January is last year", "12月28日", time.Date(2027, 1, 5, 9, 0, 0, 0, tokyo), day(2026, 12, 28)},
		{"年月日", "2026年11月22日", saturday, day(2026, 11, 22)},
		{"年月日 with spaces", "2026年 11月 22日", saturday, day(2026, 11, 22)},
		{"令和 year", "令和8年11月22日", saturday, day(2026, 11, 22)},
		{"令和元年 is 2019", "令和元年5月1日", saturday, day(2019, 5, 1)},
		{"the ㋿ ligature is 令和", "㋿8年11月22日", saturday, day(2026, 11, 22)},
		{"平成 year", "平成30年1月5日", saturday, day(2018, 1, 5)},
		{"昭和 year", "昭和64年1月7日", saturday, day(1989, 1, 7)},
		{"short 令和 with dots", "R8.11.22", saturday, day(2026, 11, 22)},
		{"short 令和 in lower case with slashes", "r8/11/22", saturday, day(2026, 11, 22)},
		{"short 平成", "H30.1.5", saturday, day(2018, 1, 5)},
		{"slash date with a time", "2026/11/22 9:30", saturday, day(2026, 11, 22)},
		{"RFC 3339 timestamp keeps its calendar day", "2026-11-22T23:30:00-05:00", saturday, day(2026, 11, 22)},
		{"weekday then time", "11月22日(日) 14:00", saturday, day(2026, 11, 22)},
		{"Japanese time of day", "2026年11月22日 午後2時", saturday, day(2026, 11, 22)},
		{"English weekday after an ISO date", "2026-11-22 Sun", saturday, day(2026, 11, 22)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDate(tt.in, tt.today)
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) || got.Location() != tt.today.Location() {
				t.Errorf("ParseDate(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDateUsesTodaysLocation(t *testing.T) {
	// 20:00 UTC on the 21st is already 05:00 on the 22nd in Tokyo.
	now := time.Date(2026, 11, 21, 20, 0, 0, 0, time.UTC)
	utc, _ := ParseDate("today", now)
	jst, _ := ParseDate("today", now.In(tokyo))
	if utc.Day() != 21 || jst.Day() != 22 || jst.Location() != tokyo {
		t.Errorf("today in UTC = %v, in Tokyo = %v; want the 21st and the 22nd", utc, jst)
	}
}

func TestParseDateRejects(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"a typo of tomorrow suggests the word", "tomorow", `"tomorow" is not a date (did you mean tomorrow?): write today, tomorrow, +2d, 2026-11-22 or 11月22日`},
		{"a word is not a date", "未定", `"未定" is not a date: write today`},
		{"an empty value is not a date", " ", "empty"},
		{"month 13 does not exist", "2026-13-01", "there is no month 13"},
		{"November has 30 days", "11/31", "November has no day 31"},
		{"February 2026 has 28 days", "2026年2月29日", "February 2026 has no day 29"},
		{"February 29 needs a leap year nearby", "2/29", "February 29 is not in 2025, 2026 or 2027"},
		{"平成 ended in its 31st year", "平成32年1月1日", "平成 has no year 32"},
		{"a weekday that disagrees with the date", "11月22日(月)", "2026-11-22 is a Sunday (日), not 月"},
		{"a two-digit year is ambiguous", "26/11/22", `cannot read "/22" after the date`},
		{"an American date is not guessed", "11/22/2026", `cannot read "/2026"`},
		{"mixed separators", "2026/11-22", "write today"},
		{"trailing digits", "2026-11-223", "write today"},
		{"a relative day needs its unit", "+2", "write today"},
		{"text after the date", "11月22日 予定", `cannot read "予定" after the date`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDate(tt.in, saturday)
			var de *DateError
			if !errors.As(err, &de) {
				t.Fatalf("ParseDate(%q) error = %v, want a *DateError", tt.in, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseDate(%q) error = %q, want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"today", "+2d", "2026-11-22", "11月22日(日) 9:00", "令和8年11月22日", "R8.11.22", "20261122", "2/29", "1/5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDate(s, saturday)
		if err == nil && (got.Hour() != 0 || got.Location() != tokyo) {
			t.Errorf("ParseDate(%q) = %v, want midnight in Tokyo", s, got)
		}
	})
}

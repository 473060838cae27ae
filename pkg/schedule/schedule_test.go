package schedule

import (
	"strings"
	"testing"
	"time"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustParse(t *testing.T, spec string, loc *time.Location) QuietHours {
	t.Helper()
	q, err := ParseQuietHours(spec, loc)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestLoadLocation(t *testing.T) {
	if loc, err := LoadLocation("Asia/Tokyo"); err != nil || loc.String() != "Asia/Tokyo" {
		t.Errorf(`LoadLocation("Asia/Tokyo") = %v, %v`, loc, err)
	}
	if loc, err := LoadLocation(""); err != nil || loc != time.Local {
		t.Errorf(`LoadLocation("") = %v, %v; want Local`, loc, err)
	}
	_, err := LoadLocation("Asia/Tokio")
	if err == nil || !strings.Contains(err.Error(), `time zone "Asia/Tokio" is unknown: write an IANA name such as Asia/Tokyo`) {
		t.Errorf(`LoadLocation("Asia/Tokio") error = %v`, err)
	}
}

func TestParseQuietHours(t *testing.T) {
	tokyo := mustLoad(t, "Asia/Tokyo")
	tests := []struct {
		name, spec, want string
	}{
		{"a window across midnight", "21:00-08:00", "21:00–08:00 (Asia/Tokyo)"},
		{"a window within a day", "12:00-13:00", "12:00–13:00 (Asia/Tokyo)"},
		{"hours without padding or minutes", "21-8", "21:00–08:00 (Asia/Tokyo)"},
		{"Japanese hours and a wave dash", "21時〜8時30分", "21:00–08:30 (Asia/Tokyo)"},
		{"full-width digits and spaces", "２１：００ ～ ０８：００", "21:00–08:00 (Asia/Tokyo)"},
		{"an en dash", "22:30–06:00", "22:30–06:00 (Asia/Tokyo)"},
		{"24:00 as the end is midnight", "21:00-24:00", "21:00–00:00 (Asia/Tokyo)"},
		{"empty means none", "", "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustParse(t, tt.spec, tokyo).String(); got != tt.want {
				t.Errorf("ParseQuietHours(%q) = %q, want %q", tt.spec, got, tt.want)
			}
		})
	}
}

func TestParseQuietHoursRejects(t *testing.T) {
	tests := []struct {
		name, spec, want string
	}{
		{"a single time", "21:00", `quiet_hours "21:00": write a start and an end such as "21:00-08:00", or "" for no quiet hours`},
		{"three times", "21:00-08:00-09:00", "write a start and an end"},
		{"an hour past 23", "25:00-08:00", `"25:00" is not a time of day: write it from 00:00 to 23:59`},
		{"minutes past 59", "21:60-08:00", `"21:60" is not a time of day`},
		{"24:00 as a start", "24:00-08:00", `"24:00" is not a time of day`},
		{"a word", "night-08:00", `"night" is not a time of day: write it as HH:MM, e.g. 08:00`},
		{"an empty window", "08:00-8", "starts and ends at the same time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseQuietHours(tt.spec, time.UTC)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseQuietHours(%q) error = %v, want it to contain %q", tt.spec, err, tt.want)
			}
		})
	}
}

func TestContainsAndEnd(t *testing.T) {
	tokyo := mustLoad(t, "Asia/Tokyo")
	ny := mustLoad(t, "America/New_York")
	at := func(loc *time.Location, mo time.Month, d, h, m int) time.Time {
		return time.Date(2026, mo, d, h, m, 0, 0, loc)
	}
	tests := []struct {
		name     string
		spec     string
		t        time.Time
		contains bool
		end      time.Time // when contains
	}{
		{"evening inside a window across midnight ends next morning", "21:00-08:00", at(tokyo, 11, 21, 22, 0), true, at(tokyo, 11, 22, 8, 0)},
		{"the start minute is inside", "21:00-08:00", at(tokyo, 11, 21, 21, 0), true, at(tokyo, 11, 22, 8, 0)},
		{"just after midnight ends the same morning", "21:00-08:00", at(tokyo, 11, 22, 0, 30), true, at(tokyo, 11, 22, 8, 0)},
		{"the last second before the end is inside", "21:00-08:00", time.Date(2026, 11, 22, 7, 59, 59, 0, tokyo), true, at(tokyo, 11, 22, 8, 0)},
		{"the end minute is outside", "21:00-08:00", at(tokyo, 11, 22, 8, 0), false, time.Time{}},
		{"midday is outside a night window", "21:00-08:00", at(tokyo, 11, 22, 12, 0), false, time.Time{}},
		{"a window across the new year", "21:00-08:00", at(tokyo, 12, 31, 23, 0), true, time.Date(2027, 1, 1, 8, 0, 0, 0, tokyo)},
		{"a lunch window contains lunch", "12:00-13:00", at(tokyo, 11, 22, 12, 30), true, at(tokyo, 11, 22, 13, 0)},
		{"a lunch window excludes the evening", "12:00-13:00", at(tokyo, 11, 22, 21, 0), false, time.Time{}},
		{"a time in another zone is read on the window's wall clock", "21:00-08:00", time.Date(2026, 11, 21, 13, 0, 0, 0, time.UTC), true, at(tokyo, 11, 22, 8, 0)},
		{"a window ending at 24:00 ends at midnight", "21:00-24:00", at(tokyo, 11, 21, 23, 0), true, at(tokyo, 11, 22, 0, 0)},
		// America/New_York: clocks go forward on 8 March 2026 and back on 1 November 2026.
		{"a night when clocks go forward is an hour shorter", "21:00-08:00", at(ny, 3, 7, 22, 0), true, time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC)},
		{"a night when clocks go back is an hour longer", "21:00-08:00", at(ny, 10, 31, 22, 0), true, time.Date(2026, 11, 1, 13, 0, 0, 0, time.UTC)},
		{"an end in the skipped hour ends at the jump", "01:00-02:30", at(ny, 3, 8, 1, 30), true, time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)},
		{"an end in the repeated hour ends at its first occurrence", "00:30-01:30", at(ny, 11, 1, 0, 45), true, time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC)},
		{"a window whose end is skipped goes on until the next end", "03:00-02:00", at(ny, 3, 8, 1, 30), true, time.Date(2026, 3, 9, 6, 0, 0, 0, time.UTC)},
		{"inside the repeated hour the window ends at the second occurrence", "00:30-01:30", time.Date(2026, 11, 1, 6, 15, 0, 0, time.UTC).In(ny), true, time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := mustParse(t, tt.spec, tt.t.Location())
			if tt.t.Location() == time.UTC {
				q = mustParse(t, tt.spec, tokyo)
			}
			if got := q.Contains(tt.t); got != tt.contains {
				t.Fatalf("%s Contains(%v) = %v, want %v", q, tt.t, got, tt.contains)
			}
			end := q.End(tt.t)
			if !tt.contains {
				if !end.Equal(tt.t) {
					t.Errorf("End(%v) = %v, want t itself outside the window", tt.t, end)
				}
				return
			}
			if !end.Equal(tt.end) || end.Location() != q.Location() {
				t.Errorf("%s End(%v) = %v, want %v", q, tt.t, end, tt.end.In(q.Location()))
			}
			if q.Contains(end) {
				t.Errorf("%s End(%v) = %v is still inside the window", q, tt.t, end)
			}
		})
	}
	t.Run("no quiet hours contain nothing", func(t *testing.T) {
		var q QuietHours
		now := at(tokyo, 11, 21, 23, 0)
		if q.Contains(now) || !q.End(now).Equal(now) || !q.IsZero() {
			t.Errorf("zero QuietHours: Contains = %v, End = %v", q.Contains(now), q.End(now))
		}
	})
}

func TestDecide(t *testing.T) {
	tokyo := mustLoad(t, "Asia/Tokyo")
	night := mustParse(t, "21:00-08:00", tokyo)
	lunch := mustParse(t, "12:00-13:00", tokyo)
	late := time.Date(2026, 11, 21, 23, 0, 0, 0, tokyo)
	early := time.Date(2026, 11, 22, 6, 0, 0, 0, tokyo)
	noon := time.Date(2026, 11, 22, 12, 15, 0, 0, tokyo)
	tests := []struct {
		name    string
		class   string
		qh      QuietHours
		now     time.Time
		wait    bool
		summary string
	}{
		{"a reminder late at night waits until morning", "reminder", night, late, true, "reminder: quiet hours 21:00–08:00 (Asia/Tokyo): waiting until 08:00 tomorrow"},
		{"a reminder early in the morning waits until 08:00 today", "reminder", night, early, true, "reminder: quiet hours 21:00–08:00 (Asia/Tokyo): waiting until 08:00"},
		{"a reminder at midday is sent", "reminder", night, noon, false, "reminder: outside quiet hours 21:00–08:00 (Asia/Tokyo): sending now"},
		{"a reminder over lunch waits until 13:00", "Reminder", lunch, noon, true, "reminder: quiet hours 12:00–13:00 (Asia/Tokyo): waiting until 13:00"},
		{"an emergency at night is sent", "emergency", night, late, false, "emergency messages ignore quiet hours 21:00–08:00 (Asia/Tokyo): sending now"},
		{"a test at night waits like a reminder", "test", night, late, true, "test: quiet hours 21:00–08:00 (Asia/Tokyo): waiting until 08:00 tomorrow"},
		{"an unknown class waits to be safe", "notice", night, late, true, "notice: quiet hours"},
		{"a template without a class waits to be safe", "", night, late, true, "messages: quiet hours"},
		{"without quiet hours everything is sent", "reminder", QuietHours{}, late, false, "reminder: no quiet hours set: sending now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.class, tt.qh, tt.now)
			if d.Wait != tt.wait || !strings.HasPrefix(d.Summary, tt.summary) {
				t.Errorf("Decide(%q, %s, %v) = %+v, want wait %v and summary %q", tt.class, tt.qh, tt.now, d, tt.wait, tt.summary)
			}
			if d.Wait != !d.Until.IsZero() {
				t.Errorf("Decide: Wait %v but Until %v", d.Wait, d.Until)
			}
			if d.Wait && !d.Until.Equal(tt.qh.End(tt.now)) {
				t.Errorf("Decide: Until %v, want %v", d.Until, tt.qh.End(tt.now))
			}
		})
	}
}

func FuzzParseQuietHours(f *testing.F) {
	for _, s := range []string{"21:00-08:00", "12:00-13:00", "", "21時〜8時", "24:00-1", "8-8"} {
		f.Add(s, int64(1795000000))
	}
	// New York, so that the property holds across clock changes too.
	ny, err := LoadLocation("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("01:00-02:30", int64(1772951400)) // 2026-03-08 01:30 EST, just before clocks go forward
	f.Add("00:30-01:30", int64(1793513400)) // 2026-11-01 01:10 EST, in the repeated hour
	f.Fuzz(func(t *testing.T, spec string, unix int64) {
		q, err := ParseQuietHours(spec, ny)
		if err != nil {
			return
		}
		now := time.Unix(unix%(1<<40), 0)
		if end := q.End(now); q.Contains(now) && (q.Contains(end) || !end.After(now) || end.Sub(now) > 48*time.Hour) {
			t.Errorf("%s End(%v) = %v", q, now, end)
		}
	})
}

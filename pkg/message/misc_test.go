package message

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	now := time.Date(2026, 12, 28, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want string // "" for an error
	}{
		{"2026-11-22", "2026-11-22"},
		{"2026/11/22", "2026-11-22"},
		{"2026.1.5", "2026-01-05"},
		{"2026年11月22日", "2026-11-22"},
		{"11/22", "2026-11-22"},
		{"11-22", "2026-11-22"},
		{"11月22日(日)", "2026-11-22"},
		{"11/22 (Sun)", "2026-11-22"},
		{"１１／２２", "2026-11-22"},
		{"1/5", "2027-01-05"}, // the nearest 5 January is next year's
		{"today", "2026-12-28"},
		{"本日", "2026-12-28"},
		{"明日", "2026-12-29"},
		{"Tomorrow", "2026-12-29"},
		{"2/30", ""},
		{"13/1", ""},
		{"26/11/22", ""},
		{"2026-11/22", ""},
		{"来週", ""},
		{"", ""},
		{"11/22/2026", ""},
		// filter.ParseDate reads these as well.
		{"令和8年11月22日", "2026-11-22"},
		{"2026/11/22 9:30", "2026-11-22"},
		{"+2d", "2026-12-30"},
		// A weekday that does not match the date usually means a wrong year: refuse it rather than
		// print a weekday the patient's sheet contradicts.
		{"11月22日(月)", ""},
		// M.D without a year is refused (filter would otherwise read 1.5 as 5 January).
		{"11.22", ""},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in, now)
		if tt.want == "" {
			var de *DateError
			if !errors.As(err, &de) {
				t.Errorf("ParseDate(%q) = %v, %v; want a *DateError", tt.in, got, err)
			}
			continue
		}
		if err != nil || got.Format("2006-01-02") != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalizeLang(t *testing.T) {
	for in, want := range map[string]string{
		"ja": "ja", "JA": "ja", "jp": "ja", "ja-JP": "ja", "Japanese": "ja", "日本語": "ja", " 日本語 ": "ja", "ｊａ": "ja",
		"en": "en", "EN": "en", "en_US": "en", "english": "en", "英語": "en", "eng": "en",
		"": "", "fr": "", "中文": "",
	} {
		if got := NormalizeLang(in); got != want {
			t.Errorf("NormalizeLang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSummarize(t *testing.T) {
	long := strings.Repeat("あ", 210) // 4 parts
	bodies := []string{"短い", "“Stay home”", "中くらいの長さの文章です", long, "Stay home — now", "abc"}
	s := Summarize(bodies)
	if s.Messages != 6 || s.Segments != 1+1+1+4+1+1 || s.UCS2 != 5 {
		t.Fatalf("%+v", s)
	}
	if s.Longest.Index != 3 || s.Longest.Info.Segments != 4 {
		t.Errorf("longest %+v", s.Longest)
	}
	if s.Typical.Index != 1 { // by length 2, 3, 11, 12, 15, 210: the lower median is 11
		t.Errorf("typical %d %q", s.Typical.Index, s.Typical.Body)
	}
	if !reflect.DeepEqual(s.OverLimit, []int{3}) {
		t.Errorf("over limit %v", s.OverLimit)
	}
	if !reflect.DeepEqual(s.ForcingUCS2, []string{"“", "”", "—"}) || s.ForcedUCS2 != 2 {
		t.Errorf("forcing %q (%d)", s.ForcingUCS2, s.ForcedUCS2)
	}
	want := []string{
		"1 of 6 messages take more than 3 parts (the longest 4): some phones show parts out of order; shorten the text",
		`2 of 6 messages are sent as UCS-2 (70 characters a segment instead of 160) only because of "“" (U+201C) "”" (U+201D) "—" (U+2014): replace them or use --smart-encoding`,
	}
	if !reflect.DeepEqual(s.Warnings, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(s.Warnings, "\n"), strings.Join(want, "\n"))
	}
	if s := SummarizeLimit(bodies, 5); len(s.OverLimit) != 0 || len(s.Warnings) != 1 {
		t.Errorf("limit 5: %+v", s)
	}
	if s := Summarize(nil); s.Messages != 0 || s.Warnings != nil {
		t.Errorf("empty: %+v", s)
	}
}

func TestEstimate(t *testing.T) {
	p := Prices{"JP": {PerSegment: 0.0819, Currency: "USD"}, "+1": {PerSegment: 0.0079, Currency: "USD"}}
	c := p.Estimate([]Billable{{Region: "JP", Segments: 1}, {Region: "jp", Segments: 2}, {Region: "US", CallingCode: "1", Segments: 3}, {Region: "GB", Segments: 1}})
	if c.Messages != 4 || c.Segments != 7 || c.Unpriced != 1 || !reflect.DeepEqual(c.UnpricedRegions, []string{"GB"}) || !c.Priced() {
		t.Fatalf("%+v", c)
	}
	if got := c.Totals["USD"]; math.Abs(got-(3*0.0819+3*0.0079)) > 1e-9 {
		t.Errorf("total %v", got)
	}
	if c := (Prices{}).Estimate([]Billable{{Region: "JP", Segments: 2}}); c.Priced() || c.Segments != 2 {
		t.Errorf("no prices: %+v", c)
	}
}

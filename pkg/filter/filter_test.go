package filter

import (
	"errors"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		name string
		expr string
		cell string
		want bool
	}{
		// Text.
		{"text equal to the value matches", "性別=女", "女", true},
		{"text different from the value does not match", "性別=女", "男", false},
		{"any value of a list matches", "病棟=A,B", "B", true},
		{"a value outside the list does not match", "病棟=A,B", "C", false},
		{"the Japanese comma separates values too", "病棟=A、B", "B", true},
		{"text is not matched by substring", "氏名=山田", "山田太郎", false},
		{"letter case is ignored", "lang=JA", "ja", true},
		{"full-width letters equal half-width ones", "lang=ja", "ＪＡ", true},
		{"half-width kana equal full-width kana", "区分=カナ", "ｶﾅ", true},
		{"spaces, including the ideographic space, are ignored", "氏名=山田太郎", "山田　太郎 ", true},
		{"spaces in the value are ignored", "氏名=山田 太郎", "山田太郎", true},
		{"!= matches a different value", "性別!=女", "男", true},
		{"!= does not match a listed value", "病棟!=A,B", "a", false},
		{"an empty value selects empty cells", "備考=", " ", true},
		{"an empty value does not select filled cells", "備考=", "要連絡", false},
		{"!= with an empty value selects filled cells", "備考!=", "要連絡", true},
		{"quotes around the value are removed", `病棟="A"`, "A", true},
		{"full-width operator", "病棟＝A", "A", true},
		{"≠ is !=", "病棟≠A", "B", true},

		// Weekdays.
		{"one weekday matches a combined cell", "透析曜日=水", "月水金", true},
		{"a weekday list matches a combined cell", "透析曜日=月,水,金", "水金", true},
		{"a weekday list does not match other days", "透析曜日=月,水,金", "火木土", false},
		{"a cell with dots between days", "透析曜日=金", "月・水・金", true},
		{"a cell with a session after the days", "透析曜日=水", "月水金 午前", true},
		{"a cell written with 曜", "透析曜日=木", "火曜・木曜", true},
		{"a cell written with 曜日 does not count 日 as Sunday", "透析曜日=日", "月曜日", false},
		{"a combined value reads like a list", "透析曜日=月水金", "水", true},
		{"a value with 曜日", "透析曜日=月曜日", "月水金", true},
		{"a value with dots", "透析曜日=火・木", "火木土", true},
		{"English weekday names match kanji cells", "透析曜日=Mon,Wed", "月水金", true},
		{"kanji match English cells", "day=金", "Mon/Wed/Fri", true},
		{"a date in the cell is not a weekday", "透析曜日=月", "11月22日", false},
		{"毎日 is not Sunday", "透析曜日=日", "毎日", false},
		{"!= with weekdays selects cells naming none of them", "透析曜日!=月,水,金", "火木土", true},
		{"!= with weekdays rejects cells naming one of them", "透析曜日!=月", "月水金", false},
		{"an empty cell names no weekday", "透析曜日=月", "", false},
		{"full-width dots between days", "透析曜日=土", "火･木･土", true},

		// Dates (today is Saturday 2026-11-21 in Tokyo).
		{"tomorrow matches an ISO cell", "bloodwork_date=tomorrow", "2026-11-22", true},
		{"tomorrow matches a 月日 cell with its weekday", "採血日=tomorrow", "11月22日(日)", true},
		{"tomorrow matches a 令和 cell", "採血日=明日", "令和8年11月22日", true},
		{"tomorrow matches a slash cell with a time", "採血日=tomorrow", "2026/11/22 9:30", true},
		{"tomorrow does not match today", "採血日=tomorrow", "2026/11/21", false},
		{"an ISO value matches a Japanese cell", "採血日=2026-11-22", "2026年11月22日", true},
		{"a slash value matches an unpadded cell", "採血日=2026/11/22", "2026/11/22", true},
		{"a 月日 value matches an ISO cell", "採血日=11月22日", "2026-11-22", true},
		{"a 年月日 value", "採血日=2026年11月22日", "R8.11.22", true},
		{"a 令和 value", "採血日=令和8年11月22日", "2026-11-22", true},
		{"a short 令和 value", "採血日=R8.11.22", "11/22", true},
		{"relative days", "採血日=+2d", "11/23", true},
		{"relative days backwards", "採血日=-1d", "11/20", true},
		{"a list of dates", "採血日=today,tomorrow", "11/22", true},
		{"!= with a date", "採血日!=today", "11/22", true},
		{"!= with the same date", "採血日!=today", "11/21", false},
		{"an empty cell is not a date", "採血日=today", "", false},
		{"an empty cell is not today either", "採血日!=today", "", true},
		{"<= +7d includes the seventh day", "bloodwork_date<=+7d", "2026-11-28", true},
		{"<= +7d excludes the eighth day", "bloodwork_date<=+7d", "2026-11-29", false},
		{"< today selects past dates", "bloodwork_date<today", "2026-11-20", true},
		{"> today excludes today", "bloodwork_date>today", "2026-11-21", false},
		{">= today includes today", "bloodwork_date>=today", "2026-11-21", true},
		{"full-width <= compares dates", "採血日＜＝2026/11/30", "11月30日", true},

		// Numbers.
		{">= compares numbers", "年齢>=75", "80", true},
		{">= excludes smaller numbers", "年齢>=75", "74", false},
		{"full-width digits are numbers", "年齢>=75", "７５", true},
		{"thousands separators are ignored", "金額<1,000", "999", true},
		{"an empty cell is no number", "年齢<75", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.expr, err)
			}
			got, err := f.Match(map[string]string{f.Column(): tt.cell, "other": "x"}, saturday)
			if err != nil {
				t.Fatalf("Match(%q) on %q: %v", tt.expr, tt.cell, err)
			}
			if got != tt.want {
				t.Errorf("Match(%q) on %q = %v, want %v", tt.expr, tt.cell, got, tt.want)
			}
		})
	}
}

func TestMatchUnreadableCellIsACellError(t *testing.T) {
	tests := []struct {
		name, expr, cell, want string
	}{
		{"a word in a date column", "採血日=tomorrow", "未定", `--where "採血日=tomorrow": 採血日 "未定" is not a date`},
		{"a day that does not exist", "採血日=tomorrow", "11月31日", "November has no day 31"},
		{"a weekday that disagrees", "採血日<=+7d", "11月22日(月)", "2026-11-22 is a Sunday"},
		{"!= does not select an unreadable date", "採血日!=today", "不明", `"不明" is not a date`},
		{"a word in a number column", "年齢>=75", "七十", `"七十" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			ok, err := f.Match(map[string]string{f.Column(): tt.cell}, saturday)
			var ce *CellError
			if ok || !errors.As(err, &ce) {
				t.Fatalf("Match on %q = %v, %v; want false and a *CellError", tt.cell, ok, err)
			}
			if ce.Value != tt.cell || ce.Column != f.Column() || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q (%+v), want it to contain %q", err, ce, tt.want)
			}
		})
	}
}

func TestColumns(t *testing.T) {
	header := []string{"氏名", "電話番号", "透析曜日", "Bloodwork Date"}
	row := map[string]string{"氏名": "山田", "電話番号": "090", "透析曜日": "月水金", "Bloodwork Date": "2026-11-22"}

	t.Run("a column found by folding case, width and spaces", func(t *testing.T) {
		f, _ := Parse("ＢＬＯＯＤＷＯＲＫＤＡＴＥ=tomorrow")
		if err := f.Check(header); err != nil {
			t.Fatal(err)
		}
		if ok, err := f.Match(row, saturday); !ok || err != nil {
			t.Errorf("Match = %v, %v; want true", ok, err)
		}
	})
	t.Run("a missing column names it and the known columns", func(t *testing.T) {
		f, _ := Parse("採血日=tomorrow")
		err := f.Check(header)
		var ce *ColumnError
		if !errors.As(err, &ce) {
			t.Fatalf("Check = %v, want a *ColumnError", err)
		}
		want := `--where "採血日=tomorrow": the list has no column "採血日": its columns are 氏名, 電話番号, 透析曜日, Bloodwork Date`
		if err.Error() != want {
			t.Errorf("Check =\n%s\nwant\n%s", err, want)
		}
		if _, err := f.Match(row, saturday); !errors.As(err, &ce) {
			t.Errorf("Match = %v, want a *ColumnError", err)
		}
	})
	t.Run("a column that folds to two headers is ambiguous", func(t *testing.T) {
		f, _ := Parse("DATE=today")
		err := f.Check([]string{"Date", "date "})
		if err == nil || !strings.Contains(err.Error(), `could mean any of the columns Date, date `) {
			t.Errorf("Check = %v, want an ambiguity error", err)
		}
	})
	t.Run("an exact header wins over folded ones", func(t *testing.T) {
		f, _ := Parse("Date=today")
		if err := f.Check([]string{"Date", "date"}); err != nil {
			t.Error(err)
		}
	})
}

func TestFiltersAndTogether(t *testing.T) {
	fs, err := ParseAll([]string{"透析曜日=月,水,金", "採血日=tomorrow"})
	if err != nil {
		t.Fatal(err)
	}
	if got := fs.String(); got != "透析曜日=月,水,金 and 採血日=tomorrow" {
		t.Errorf("String() = %q", got)
	}
	tests := []struct {
		name     string
		days     string
		date     string
		want     bool
		wantCell bool
	}{
		{"a row matching both is selected", "月水金", "11/22", true, false},
		{"a row failing one is not selected", "火木土", "11/22", false, false},
		{"an unreadable date on a row otherwise selected is a warning", "月水金", "未定", false, true},
		{"an unreadable date on a row rejected anyway is no warning", "火木土", "未定", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := fs.Match(map[string]string{"透析曜日": tt.days, "採血日": tt.date}, saturday)
			var ce *CellError
			if ok != tt.want || errors.As(err, &ce) != tt.wantCell || err != nil && !tt.wantCell {
				t.Errorf("Match = %v, %v; want %v, cell error %v", ok, err, tt.want, tt.wantCell)
			}
		})
	}
	t.Run("no filters select every row", func(t *testing.T) {
		if ok, err := Filters(nil).Match(map[string]string{}, saturday); !ok || err != nil {
			t.Errorf("Match = %v, %v", ok, err)
		}
	})
	t.Run("Check reports every missing column", func(t *testing.T) {
		err := fs.Check([]string{"氏名"})
		if err == nil || strings.Count(err.Error(), "the list has no column") != 2 {
			t.Errorf("Check = %v, want two missing columns", err)
		}
	})
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		{"a mistyped date", "採血日=tomorow", `--where "採血日=tomorow": "tomorow" is not a date (did you mean tomorrow?): write today, tomorrow, +2d, 2026-11-22 or 11月22日`},
		{"a month that does not exist", "採血日=2026-13-01", "there is no month 13"},
		{"a day that does not exist", "採血日=11月31日", "November has no day 31"},
		{"a 平成 year after the era", "採血日=平成35年1月1日", "平成 has no year 35"},
		{"a relative day without unit", "採血日=+2", `"+2" is not a date`},
		{"an empty expression", "  ", "the expression is empty"},
		{"no operator", "透析曜日:月", "no =, != or <= in it"},
		{"no column", "=月", `no column name before "="`},
		{"=< instead of <=", "採血日=<today", "write <= rather than =<"},
		{"=> instead of >=", "採血日=>today", "write >= rather than =>"},
		{"a lone !", "採血日!today", `write != for "is not"`},
		{"two operators", "採血日<==today", "two operators in a row"},
		{"nothing after <", "採血日<", "nothing after <"},
		{"text with <", "氏名<山田", `< compares dates or numbers, and "山田" is neither`},
		{"dates mixed with words", "採血日=today,未定", "mixes dates and other values"},
		{"a list of commas only", "病棟=,,", "lists no values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.expr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error = %v, want it to contain %q", tt.expr, err, tt.want)
			}
		})
	}
	t.Run("ParseAll reports every bad expression", func(t *testing.T) {
		_, err := ParseAll([]string{"a=tomorow", "ok=1", "b<c"})
		if err == nil || !strings.Contains(err.Error(), `"a=tomorow"`) || !strings.Contains(err.Error(), `"b<c"`) {
			t.Errorf("ParseAll error = %v, want both bad expressions", err)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"透析曜日=月,水,金", "bloodwork_date<=+7d", "採血日=11月22日(日)", "採血日!=令和8年11月22日",
		"年齢>=75", "a=", "=", "a=<b", "ｘ＝１", "a<>b", "a=today,tomorrow", `a="b"`} {
		f.Add(s, "2026-11-22")
	}
	f.Fuzz(func(t *testing.T, expr, cell string) {
		flt, err := Parse(expr)
		if err != nil {
			return
		}
		again, err := Parse(flt.String())
		if err != nil || again.String() != flt.String() {
			t.Fatalf("Parse(%q).String() = %q does not parse back: %v", expr, flt.String(), err)
		}
		_ = flt.Check([]string{flt.Column(), "x"})
		_, _ = flt.Match(map[string]string{flt.Column(): cell}, saturday)
		_, _ = flt.Match(map[string]string{"x": cell}, saturday)
	})
}

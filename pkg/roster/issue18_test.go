package roster

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/smscast/smscast/pkg/internal/rss"
	"github.com/smscast/smscast/pkg/roster/internal/genlist"
)

func oneNumberList(t testing.TB, rows int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := genlist.WriteOneNumber(&b, rows, "090-1234-5601"); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestANumberOnMoreRowsThanMaxShareIsADataProblemNamedCompactly(t *testing.T) {
	list := oneNumberList(t, 50)
	rep, err := CheckReader(bytes.NewReader(list), "home.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Sendable != 1 || rep.Duplicates != 49 || rep.MaxShare != DefaultMaxShare {
		t.Fatalf("report %+v", rep)
	}
	want := []Shared{{Phone: "090-1234-5601", FirstRow: 2, Count: 50, Rows: "2–51"}}
	if len(rep.Shared) != 1 || rep.Shared[0].Phone != want[0].Phone || rep.Shared[0].FirstRow != 2 ||
		rep.Shared[0].Count != 50 || rep.Shared[0].Rows != "2–51" {
		t.Errorf("shared = %+v, want %+v", rep.Shared, want)
	}
	if len(rep.Problems) != 1 {
		t.Fatalf("the repeats of one number must be one problem, got %d", len(rep.Problems))
	}
	p := rep.Problems[0]
	if p.Row != 3 || p.Rows != "3–51" || p.Count != 49 || p.Class != Duplicate || p.Reason != "same number as row 2, on 50 rows in all" {
		t.Errorf("problem = %+v", p)
	}
	wantWarning := "090-1234-5601 is on 50 rows (rows 2–51), more than 20: one message reaches them all and the call list " +
		"cannot tell the patients apart; check whether an office number was entered for every patient or the export is damaged"
	if len(rep.Warnings) != 1 || rep.Warnings[0] != wantWarning {
		t.Errorf("warnings = %q\nwant %q", rep.Warnings, wantWarning)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"warning: " + wantWarning, "  rows 3–51: 090-1234-5601 in 携帯電話: same number as row 2, on 50 rows in all"} {
		if !strings.Contains(text.String(), line+"\n") {
			t.Errorf("text lacks %q:\n%s", line, text.String())
		}
	}
	js, _ := json.Marshal(rep)
	if !bytes.Contains(js, []byte(`"shared":[{"phone":"090-1234-5601","first_row":2,"count":50,"rows":"2–51"}]`)) {
		t.Errorf("json: %s", js)
	}

	// Load (what send reads) names it too; a family of three is not a problem.
	dir := t.TempDir()
	path := filepath.Join(dir, "home.csv")
	os.WriteFile(path, list, 0o600)
	l, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Shared) != 1 || l.Shared[0].E164 != "+819012345601" || l.Shared[0].Rows != "2–51" {
		t.Errorf("List.Shared = %+v", l.Shared)
	}
	if rep, _ := CheckReader(bytes.NewReader(list), "home.csv", Options{MaxShare: 50}); len(rep.Shared) != 0 || len(rep.Problems) != 49 {
		t.Errorf("with max_share 50: shared %v, %d problems", rep.Shared, len(rep.Problems))
	}
	if rep, _ := CheckReader(bytes.NewReader(list), "home.csv", Options{MaxShare: -1}); len(rep.Shared) != 0 || len(rep.Problems) != 49 {
		t.Errorf("with the report off: shared %v, %d problems", rep.Shared, len(rep.Problems))
	}
}

func TestSharedRowsAreNamedAsRunsAmongOtherProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString("氏名,携帯\n")
	for i := range 30 {
		if i == 10 {
			b.WriteString("佐藤,03-1234-5678\n") // row 12: a landline between the repeats
		}
		fmt.Fprintf(&b, "入所者%d,090-1234-5601\n", i)
	}
	rep, err := CheckReader(strings.NewReader(b.String()), "home.csv", Options{MaxShare: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Shared) != 1 || rep.Shared[0].Rows != "2–11, 13–32" || rep.Shared[0].Count != 30 {
		t.Fatalf("shared = %+v", rep.Shared)
	}
	if len(rep.Problems) != 2 || rep.Problems[0].Rows != "3–11, 13–32" || rep.Problems[1].Row != 12 {
		t.Errorf("problems = %+v", rep.Problems)
	}
}

func TestRowRanges(t *testing.T) {
	tests := []struct {
		rows []int
		want string
	}{
		{nil, ""}, {[]int{5}, "5"}, {[]int{2, 3}, "2–3"}, {[]int{2, 3, 4, 9, 11, 12}, "2–4, 9, 11–12"},
	}
	for _, tt := range tests {
		if got := RowRanges(tt.rows); got != tt.want {
			t.Errorf("RowRanges(%v) = %q, want %q", tt.rows, got, tt.want)
		}
	}
}

func TestListsBeyondTheLimitsAreRefusedNamingTheLimit(t *testing.T) {
	list := oneNumberList(t, 30)
	_, err := ScanReader(bytes.NewReader(list), "big.csv", Options{maxRows: 25}, func(Row) error { return nil })
	if want := "big.csv row 27: the list has more than 25 patient rows, the most smscast reads: this is not one clinic's patient list, or rows were repeated when it was exported: check the file, or split it"; err == nil || err.Error() != want {
		t.Errorf("rows: %v\nwant %s", err, want)
	}
	if !errors.Is(err, errListTooLarge) {
		t.Errorf("not errListTooLarge: %v", err)
	}
	_, err = ScanReader(onlyReader{bytes.NewReader(list)}, "big.csv", Options{maxBytes: 1 << 10}, func(Row) error { return nil })
	if err == nil || !strings.Contains(err.Error(), ": the list is larger than 1 KiB, the most smscast reads: this is not one clinic's patient list, or the export is damaged: check the file, or split it") {
		t.Errorf("bytes from a pipe: %v", err)
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	os.WriteFile(path, list, 0o600)
	f, err := openList(path, 1<<10)
	if f != nil {
		f.Close()
	}
	if want := path + ": the list is larger than 1 KiB, the most smscast reads: this is not one clinic's patient list, or the export is damaged: check the file, or split it"; err == nil || err.Error() != want {
		t.Errorf("file: %v\nwant %s", err, want)
	}
	if MaxRows != 1_000_000 || MaxBytes != 1<<30 {
		t.Errorf("the documented limits changed: %d rows, %d bytes", MaxRows, MaxBytes)
	}
}

func TestPhoneHeadersWrittenWithTELAndBrackets(t *testing.T) {
	for _, h := range []string{"携帯TEL", "携帯ＴＥＬ", "TEL（携帯）", "TEL(携帯)", "ＴＥＬ【携帯】", "Tel [携帯]", "電話番号（携帯）", "ｹｰﾀｲ", "携帯電話TEL"} {
		t.Run(h, func(t *testing.T) {
			in := "氏名,自宅TEL," + h + "\n山田 花子,03-1234-5678,090-1234-5601\n"
			var got Row
			meta, err := ScanReader(strings.NewReader(in), "p.csv", Options{}, func(r Row) error { got = r; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if meta.PhoneColumn != h || got.Class != Sendable || got.PhoneColumn != h {
				t.Errorf("phone column %q (row from %q, %s), want %q first", meta.PhoneColumn, got.PhoneColumn, got.Class, h)
			}
		})
	}
	// TEL（自宅） is a home number: tried after the mobile column.
	meta, err := ScanReader(strings.NewReader("氏名,TEL（自宅）,携帯TEL\n山田,03-1234-5678,090-1234-5601\n"), "p.csv", Options{}, func(Row) error { return nil })
	if err != nil || strings.Join(meta.PhoneColumns, "|") != "携帯TEL|TEL（自宅）" {
		t.Errorf("phone columns %q, %v", meta.PhoneColumns, err)
	}
}

func TestAUTF8HeaderOverACP932RowNamesTheRow(t *testing.T) {
	row3, _ := japanese.ShiftJIS.NewEncoder().String("佐藤 太郎,090-1234-5602\n")
	in := "氏名,電話番号\n山田 花子,090-1234-5601\n" + row3 + "鈴木 一郎,090-1234-5603\n"
	_, err := ScanReader(strings.NewReader(in), "mixed.csv", Options{}, func(Row) error { return nil })
	want := "mixed.csv row 3: the row is not UTF-8 like the rows above it: it looks like CP932 (Shift_JIS), so the file mixes encodings: re-export the whole list from Excel in one encoding (CSV UTF-8), or retype the row"
	if err == nil || err.Error() != want {
		t.Fatalf("error\n got %v\nwant %s", err, want)
	}
	// The header is never read as mojibake, whichever row is first in CP932.
	_, err = ScanReader(strings.NewReader("氏名,電話番号\n"+row3), "mixed.csv", Options{}, func(Row) error { return nil })
	if err == nil || !strings.HasPrefix(err.Error(), "mixed.csv row 2: the row is not UTF-8 like the rows above it") {
		t.Errorf("row 2: %v", err)
	}
}

// TestCheckOneNumberOnAMillionRows is the contract of issue 18: a list of 1,000,000 rows with
// one number is checked in bounded memory and reports the number shared by too many rows. Slow,
// so it runs only when asked:
//
//	SMSCAST_BIG=1 go test -run OneNumberOnAMillion -v ./pkg/roster/
func TestCheckOneNumberOnAMillionRows(t *testing.T) {
	if os.Getenv("SMSCAST_BIG") == "" {
		t.Skip("set SMSCAST_BIG=1 to check a 1,000,000-row list with one number")
	}
	path := filepath.Join(t.TempDir(), "one-number-1m.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := genlist.WriteOneNumber(f, 1_000_000, "090-1234-5601"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	start := time.Now()
	rep, err := Check(path, Options{})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows in %v; JSON report %d bytes; peak RSS %s", rep.Rows, elapsed.Round(time.Millisecond), len(js), rss.Peak())
	if rep.Rows != 1_000_000 || len(rep.Shared) != 1 || rep.Shared[0].Rows != "2–1000001" || len(rep.Problems) != 1 || len(js) > 4096 {
		t.Errorf("shared %+v, %d problems, %d bytes of JSON", rep.Shared, len(rep.Problems), len(js))
	}
}

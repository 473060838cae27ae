package roster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/smscast/smscast/pkg/roster/internal/genlist"
)

// onlyReader hides io.Seeker, as stdin or a pipe would.
type onlyReader struct{ io.Reader }

func TestScanPassesRowsInFileOrderAcrossManyBatches(t *testing.T) {
	var buf bytes.Buffer
	const n = 2000
	if err := genlist.Write(&buf, n, 7, "utf-8"); err != nil {
		t.Fatal(err)
	}
	var rows []Row
	meta, err := ScanReader(bytes.NewReader(buf.Bytes()), "gen.csv", Options{}, func(r Row) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if meta.Rows != n || len(rows) != n {
		t.Fatalf("meta.Rows %d, %d rows, want %d", meta.Rows, len(rows), n)
	}
	for i, r := range rows {
		if r.Row != i+2 {
			t.Fatalf("row %d arrived in position %d", r.Row, i)
		}
		if r.Fields["患者ID"] != fmt.Sprint(100000+i) {
			t.Fatalf("row %d carries patient %q", r.Row, r.Fields["患者ID"])
		}
	}
	// Duplicates always point back to an earlier row, which holds the same number.
	byRow := map[int]Row{}
	for _, r := range rows {
		byRow[r.Row] = r
		if r.Class == Duplicate {
			first := byRow[r.DuplicateOf]
			if r.DuplicateOf >= r.Row || first.E164 != r.E164 || first.Class != Sendable {
				t.Fatalf("row %d duplicate of %d (%q %q)", r.Row, r.DuplicateOf, first.Class, first.E164)
			}
		}
	}
}

func TestCheckGivesTheSameReportAsLoad(t *testing.T) {
	var buf bytes.Buffer
	if err := genlist.Write(&buf, 1000, 3, "cp932"); err != nil {
		t.Fatal(err)
	}
	rep, err := CheckReader(bytes.NewReader(buf.Bytes()), "gen.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[Class]int{}
	problems := 0
	_, err = ScanReader(bytes.NewReader(buf.Bytes()), "gen.csv", Options{}, func(r Row) error {
		counts[r.Class]++
		if r.Class != Sendable {
			p := rep.Problems[problems]
			if p.Row != r.Row || p.Reason != r.Reason || p.Value != r.Phone {
				t.Fatalf("problem %d is %+v, Scan says row %d %q %q", problems, p, r.Row, r.Phone, r.Reason)
			}
			problems++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[Class]int{Sendable: rep.Sendable, Duplicate: rep.Duplicates, Landline: rep.Landline, VoIP: rep.VoIP,
		TollFree: rep.TollFree, Pager: rep.Pager, Invalid: rep.Invalid, Empty: rep.Empty, OptedOut: rep.OptedOut}
	for c, n := range got {
		if counts[c] != n {
			t.Errorf("%s: check %d, scan %d", c, n, counts[c])
		}
	}
	if problems != len(rep.Problems) || rep.Rows != 1000 || !rep.OK() {
		t.Errorf("problems %d vs %d, rows %d, OK %v", problems, len(rep.Problems), rep.Rows, rep.OK())
	}
}

func TestRowsBeforeAReadErrorArriveFirst(t *testing.T) {
	var b strings.Builder
	b.WriteString("氏名,電話番号\n")
	for i := range 700 {
		fmt.Fprintf(&b, "患者 %d,090-1111-%04d\n", i, i)
	}
	b.WriteString("壊れた,行,です\n")
	b.WriteString("山田 花子,090-1234-5601\n")
	var last int
	_, err := ScanReader(strings.NewReader(b.String()), "broken.csv", Options{}, func(r Row) error {
		last = r.Row
		return nil
	})
	var e *Error
	if !errors.As(err, &e) || e.Row != 702 {
		t.Fatalf("error %v, want one naming row 702", err)
	}
	if last != 701 {
		t.Errorf("last row passed to fn: %d, want 701", last)
	}
}

func TestAnErrorFromTheCallbackStopsTheScan(t *testing.T) {
	var buf bytes.Buffer
	if err := genlist.Write(&buf, 20_000, 1, "utf-8"); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	stop := errors.New("stop here")
	calls := 0
	_, err := ScanReader(bytes.NewReader(buf.Bytes()), "gen.csv", Options{}, func(r Row) error {
		calls++
		if r.Row == 300 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 299 {
		t.Fatalf("err %v after %d calls, want the callback's error after 299", err, calls)
	}
	// The reader and the workers are gone when Scan returns.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left running after Scan, %d before", n, before)
	}
}

// endless yields n bytes of c without holding them.
type endless struct {
	c byte
	n int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), e.n)
	for i := range p[:k] {
		p[i] = e.c
	}
	e.n -= k
	return int(k), nil
}

func TestHugeFieldsAreRefusedWithoutReadingThemIntoMemory(t *testing.T) {
	tests := []struct {
		name string
		r    io.Reader
		want string
	}{
		{"a 100 MB unquoted cell says the cell is too large and the file looks damaged", io.MultiReader(strings.NewReader("氏名,電話番号\n山田 花子,090-1234-5601\n佐藤 太郎,"), &endless{'9', 100 << 20}),
			"huge.csv row 3: a cell is larger than 1 MiB: no patient's name, number or note is that long, so the file looks damaged: open the row in Excel to see what is in it, or re-export the list from Excel as CSV"},
		{"a 100 MB quoted cell without line breaks is too large, not an open quote", io.MultiReader(strings.NewReader("氏名,電話番号\n\""), &endless{'a', 100 << 20}),
			"huge.csv row 2: a cell is larger than 1 MiB: no patient's name, number or note is that long, so the file looks damaged: open the row in Excel to see what is in it, or re-export the list from Excel as CSV"},
		{"a quote never closed before a megabyte of rows says so", io.MultiReader(strings.NewReader("氏名,電話番号\n\"山田 花子,090-1234-5601\n"),
			strings.NewReader(strings.Repeat("佐藤 太郎,090-1234-5602\n", 60_000))),
			"huge.csv row 2: the row runs on for more than 1 MiB, over hundreds of lines: a quote mark that is never closed swallows the rows after it: close the quote or re-export the file"},
		{"a 100 KB cell says the file looks damaged", io.MultiReader(strings.NewReader("氏名,電話番号\n"), &endless{'a', 100 << 10}, strings.NewReader(",090-1234-5601\n")),
			"huge.csv row 2: a cell is longer than 64 KiB: no patient's name, number or note is that long, so the file looks damaged: open the row in Excel to see what is in it, or re-export the list from Excel as CSV"},
		{"a 100 KB cell of lines is an open quote", io.MultiReader(strings.NewReader("氏名,電話番号\n\""), strings.NewReader(strings.Repeat("佐藤 太郎,090-1234-5602\n", 3000)), strings.NewReader("\",090-1234-5601\n")),
			"huge.csv row 2: a cell is longer than 64 KiB, over hundreds of lines: a quote mark that is never closed swallows the rows after it: close the quote or re-export the file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := ScanReader(tc.r, "huge.csv", Options{}, func(Row) error { return nil })
			runtime.ReadMemStats(&after)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error\n got %v\nwant %s", err, tc.want)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
				t.Errorf("allocated %d MB reading it", grew>>20)
			}
		})
	}
}

func TestEncodingIsDetectedFromJapaneseTextFarIntoTheFile(t *testing.T) {
	// 70 KB of ASCII rows first, then the first Japanese name: more than the 64 KiB sniffed.
	var b strings.Builder
	b.WriteString("name,phone,note\r\n")
	note := strings.Repeat("x", 500)
	for i := 0; b.Len() < 70<<10; i++ {
		fmt.Fprintf(&b, "Patient %d,090-2222-%04d,%s\r\n", i, i, note)
	}
	b.WriteString("山田 花子,090-1234-5601,\r\n")
	sjis, err := japanese.ShiftJIS.NewEncoder().String(b.String())
	if err != nil {
		t.Fatal(err)
	}
	var last Row
	meta, err := ScanReader(strings.NewReader(sjis), "late.csv", Options{}, func(r Row) error { last = r; return nil })
	if err != nil || meta.Encoding != EncodingCP932 || last.Name != "山田 花子" {
		t.Fatalf("seekable: %v, encoding %q, last name %q", err, meta.Encoding, last.Name)
	}
	// Without seeking, the reader cannot look ahead: it says which row broke and what to pass.
	_, err = ScanReader(onlyReader{strings.NewReader(sjis)}, "late.csv", Options{}, func(r Row) error { return nil })
	var e *Error
	if !errors.As(err, &e) || e.Msg != "text that is not valid UTF-8: it looks like CP932 (Shift_JIS)" || e.Hint != "pass --encoding cp932" || e.Row < 2 {
		t.Fatalf("unseekable: %v", err)
	}
	_, err = ScanReader(onlyReader{strings.NewReader(sjis)}, "late.csv", Options{Encoding: "cp932"}, func(r Row) error { return nil })
	if err != nil {
		t.Fatalf("unseekable with --encoding cp932: %v", err)
	}
}

func TestUTF16WithoutAByteOrderMarkIsNamed(t *testing.T) {
	in := []byte{}
	for _, r := range "name\tphone\r\nAnn\t090-1234-5601\r\n" {
		in = append(in, byte(r), 0)
	}
	_, err := ScanReader(bytes.NewReader(in), "u16.txt", Options{}, func(Row) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "UTF-16 text without a byte-order mark: pass --encoding utf-16le") {
		t.Fatalf("error %v", err)
	}
	l, err := ScanReader(bytes.NewReader(in), "u16.txt", Options{Encoding: "utf-16le"}, func(Row) error { return nil })
	if err != nil || l.Rows != 1 || l.Delimiter != '\t' {
		t.Fatalf("with --encoding utf-16le: %v %+v", err, l)
	}
}

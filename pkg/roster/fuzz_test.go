package roster

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzScan feeds arbitrary bytes to the reader: it must never panic or hang, and must end either
// with rows or with a *Error; an error found in a row names that row.
//
//	go test -run '^$' -fuzz FuzzScan -fuzztime 60s ./pkg/roster/
func FuzzScan(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 4096 {
			f.Add(b)
		}
	}
	f.Add([]byte("電話番号\n090-1234-5601\n\"0\"\"9\"\n"))
	f.Add([]byte("phone\tname\r\n+1 202 555 0101\tAnn\r\n"))

	f.Fuzz(func(t *testing.T, in []byte) {
		prevRow := 1
		rows := 0
		meta, err := ScanReader(bytes.NewReader(in), "fuzz.csv", Options{}, func(r Row) error {
			rows++
			if r.Row <= prevRow {
				t.Fatalf("row %d after row %d", r.Row, prevRow)
			}
			prevRow = r.Row
			switch r.Class {
			case Sendable:
				if r.E164 == "" || r.E164[0] != '+' || r.Reason != "" {
					t.Fatalf("sendable row %d: e164 %q reason %q", r.Row, r.E164, r.Reason)
				}
			case Duplicate:
				if r.DuplicateOf < 2 || r.DuplicateOf >= r.Row {
					t.Fatalf("row %d duplicate of %d", r.Row, r.DuplicateOf)
				}
			case Landline, VoIP, TollFree, Pager, Invalid, Empty:
				if r.Reason == "" {
					t.Fatalf("row %d is %s with no reason", r.Row, r.Class)
				}
			default:
				t.Fatalf("row %d: class %q", r.Row, r.Class)
			}
			return nil
		})
		if err == nil {
			if rows == 0 || meta.Rows != rows {
				t.Fatalf("no error, %d rows, meta.Rows %d", rows, meta.Rows)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v (%T) is not a *roster.Error", err, err)
		}
		if e.Path != "fuzz.csv" || e.Msg == "" || !strings.HasPrefix(err.Error(), "fuzz.csv") {
			t.Fatalf("error %q does not name the file", err)
		}
		if e.Row != 0 && e.Row < prevRow {
			t.Fatalf("error names row %d after row %d was read", e.Row, prevRow)
		}
	})
}

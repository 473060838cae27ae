package roster

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/roster -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test ./pkg/roster -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func checkJSON(t *testing.T, rep *CheckReport) []byte {
	t.Helper()
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestCheckJSONMatchesTheGoldenFiles(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		opts   Options
		golden string
		ok     bool
	}{
		{"a messy CP932 clinic list", "clinic.cp932.csv", Options{}, "clinic.json", true},
		{"a list with mobile and home columns", "two_phones.csv", Options{}, "two_phones.json", true},
		{"an English list with US numbers", "english_us.csv", Options{Region: "US"}, "english_us.json", true},
		{"Excel's Unicode text (UTF-16, tab-separated)", "clinic.utf16.txt", Options{}, "clinic_utf16.json", true},
		{"a list with split name columns", "split_names.csv", Options{}, "split_names.json", true},
		{"a list whose every number is invalid", "all_invalid.csv", Options{}, "all_invalid.json", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Check("testdata/"+tc.file, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() != tc.ok {
				t.Errorf("OK() = %v, want %v", rep.OK(), tc.ok)
			}
			golden(t, tc.golden, checkJSON(t, rep))
		})
	}
}

func TestCheckJSONHasTheKeysOfIssue3(t *testing.T) {
	rep, err := Check("testdata/clinic.utf8.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(checkJSON(t, rep), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"rows", "sendable", "duplicates", "landline", "invalid", "empty", "opted_out", "encoding",
		"phone_column", "problems", "voip", "tollfree", "pager", "name_column", "delimiter"} {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	var problems []map[string]any
	if err := json.Unmarshal(m["problems"], &problems); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"row", "value", "reason"} {
		if _, ok := problems[0][k]; !ok {
			t.Errorf("problem key %q missing", k)
		}
	}
	sum := rep.Sendable + rep.Duplicates + rep.Landline + rep.VoIP + rep.TollFree + rep.Pager + rep.Invalid + rep.Empty + rep.OptedOut
	if sum != rep.Rows {
		t.Errorf("classes add up to %d, rows %d", sum, rep.Rows)
	}
}

func TestTheSameListInEveryEncodingGivesTheSameCheck(t *testing.T) {
	var want *CheckReport
	for _, f := range []string{"clinic.utf8.csv", "clinic.utf8bom.csv", "clinic.cp932.csv"} {
		rep, err := Check("testdata/"+f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		rep.Encoding = ""
		if want == nil {
			want = rep
			continue
		}
		if g, w := checkJSON(t, rep), checkJSON(t, want); !bytes.Equal(g, w) {
			t.Errorf("%s: check differs from the UTF-8 list:\n%s\nvs\n%s", f, g, w)
		}
	}
}

func TestCheckTextMatchesTheGoldenFiles(t *testing.T) {
	for _, tc := range []struct{ file, golden string }{
		{"clinic.cp932.csv", "clinic.txt"},
		{"two_phones.csv", "two_phones.txt"},
		{"all_invalid.csv", "all_invalid.txt"},
	} {
		rep, err := Check("testdata/"+tc.file, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := rep.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		golden(t, tc.golden, b.Bytes())
	}
}

func TestCheckTextListsAtMost200Problems(t *testing.T) {
	var b strings.Builder
	b.WriteString("氏名,電話番号\n")
	for range 250 {
		b.WriteString("患者,03-1234-5678\n")
	}
	b.WriteString("最後,090-1234-5678\n")
	rep, err := CheckReader(strings.NewReader(b.String()), "many.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if n := strings.Count(text, ": landline: cannot receive SMS"); n != 200 {
		t.Errorf("%d problem lines, want 200", n)
	}
	if !strings.Contains(text, "… and 50 more (--json lists them all)") || len(rep.Problems) != 250 {
		t.Errorf("text:\n%s", text)
	}
}

func TestCheckOfABrokenListReturnsTheErrorAndANotOKReport(t *testing.T) {
	rep, err := Check("testdata/ragged_more.csv", Options{})
	if err == nil || rep == nil || rep.OK() || rep.Sendable != 1 {
		t.Fatalf("err %v, report %+v", err, rep)
	}
	rep, err = Check("testdata/missing.csv", Options{})
	if err == nil || rep == nil || rep.OK() {
		t.Fatalf("err %v, report %+v", err, rep)
	}
}

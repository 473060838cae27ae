package cli

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
// dirPaths are the paths under the test's directory, written with / in the golden files whatever
// the system's separator.
var dirPaths = regexp.MustCompile(`\$DIR[^\s]*`)

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/cli -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./pkg/cli -run %s -update rewrites it):\n--- got\n%s\n--- want\n%s", path, t.Name(), got, want)
	}
}

// TestHumanOutputInBothLanguages runs the main commands with the Japanese and the English
// interface and compares what a person reads with testdata/golden/*.ja.txt and *.en.txt.
func TestHumanOutputInBothLanguages(t *testing.T) {
	steps := []struct {
		name string
		args []string
	}{
		{"send-dry-run", []string{"send", "outage", "--to", fixture, "--dry-run"}},
		{"send", []string{"send", "outage", "--to", fixture, "--yes", "--campaign", "outage-1"}},
		{"send-again", []string{"send", "outage", "--to", fixture, "--yes", "--campaign", "outage-1"}},
		{"history", []string{"history"}},
		{"status", []string{"status"}},
		{"report", []string{"report", "outage-1"}},
		{"check", []string{"check", fixture}},
		{"check-landlines", []string{"check", "testdata/bad/lists/all-landlines.csv"}},
		{"check-no-phone-column", []string{"check", "testdata/bad/lists/no-phone-column.csv"}},
		{"check-xlsx", []string{"check", "testdata/bad/lists/patients.xlsx"}},
		{"check-unterminated-quote", []string{"check", "testdata/bad/lists/unterminated-quote.csv"}},
		{"audit-verify", []string{"audit", "--verify"}},
		{"purge-dry-run", []string{"purge", "--older-than", "90d", "--dry-run"}},
		{"templates-show", []string{"templates", "show", "outage"}},
		{"unknown-template", []string{"send", "outge", "--to", fixture}},
		{"no-tty", []string{"send", "outage", "--to", fixture, "--again", "--campaign", "outage-2"}},
		{"bad-var", []string{"send", "outage", "--to", fixture, "--var", "x"}},
		{"unknown-flag", []string{"send", "outage", "--bogus"}},
		{"help-send", []string{"send", "--help"}},
		{"help-exit-codes", []string{"help", "exit-codes"}},
	}
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			e := newTestEnv(t)
			e.env["SMSCAST_UI_LANG"] = lang
			e.env["SMSCAST_REPORT_DIR"] = filepath.Join(e.dir, "reports")
			for _, s := range steps {
				r := e.run(s.args...)
				got := "$ smscast " + strings.Join(s.args, " ") + "\n" + r.stdout
				if r.stderr != "" {
					got += "--- stderr\n" + r.stderr
				}
				got += "--- exit " + strconv.Itoa(r.code) + "\n"
				golden(t, s.name+"."+lang+".txt", dirPaths.ReplaceAllStringFunc(strings.ReplaceAll(got, e.dir, "$DIR"), filepath.ToSlash))
			}
		})
	}
}

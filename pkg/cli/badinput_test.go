package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// badCase is one malformed input from testdata/bad and the error it must produce. In args,
// {bad} is the absolute path of testdata/bad, {list} a good list and {dir} the run's own directory.
type badCase struct {
	name string
	args []string
	env  map[string]string
	want string // exact substring of stderr

	// pending names a known bug that makes the case fail today: its failures are logged, not
	// reported, and the test fails once the case passes, so that the note is removed.
	pending string
}

// twilioCreds are fictitious credentials for cases that must get past the credentials check.
var twilioCreds = map[string]string{
	"TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
	"TWILIO_AUTH_TOKEN":  "badInputToken123",
}

func badCases() []badCase {
	send := func(list string, extra ...string) []string {
		return append([]string{"send", "outage", "--to", list, "--yes", "--report-dir", "{dir}/reports"}, extra...)
	}
	list := func(name string) []string { return send("{bad}/lists/" + name) }
	tmpl := func(dir string, extra ...string) []string {
		return send("{list}", append([]string{"--templates-dir", "{bad}/templates/" + dir}, extra...)...)
	}
	conf := func(name string) []string { return send("{list}", "--config", "{bad}/configs/"+name) }
	// The system's own words for a missing file: "no such file or directory" on Unix, "The
	// system cannot find the file specified." (or the Japanese) on Windows.
	_, notExist := os.Open(filepath.Join("testdata", "no-such-file"))
	notExist = errors.Unwrap(notExist)
	return []badCase{
		// Lists.
		{name: "an empty file", args: list("empty.csv"), want: "empty.csv: the file is empty: export the patient list again"},
		{name: "a file with only blank lines", args: list("blank-lines.csv"), want: "blank-lines.csv: the file is empty"},
		{name: "a header and no rows", args: list("header-only.csv"), want: "header-only.csv: the list has a header but no patient rows"},
		{name: "a list without a phone column", args: list("no-phone-column.csv"),
			want: `no-phone-column.csv row 1: no phone column; the headers are "患者ID", "氏名", "住所": name the column 電話番号 or 携帯, or pass --phone-column HEADER`},
		{name: "a phone column named by flag that does not exist", args: send("{list}", "--phone-column", "電話"),
			want: `patients.csv row 1: no column "電話"; the headers are`},
		{name: "a row with more cells than the header", args: list("ragged-row.csv"),
			want: "ragged-row.csv row 3: the row has 5 cells but the header has 3"},
		{name: "a quote that is never closed", args: list("unterminated-quote.csv"),
			want: "unterminated-quote.csv row 2: unterminated quoted field: close the quote or re-export the file"},
		{name: "binary garbage", args: list("binary-garbage.csv"), want: "binary-garbage.csv: this is a binary file, not a CSV list"},
		{name: "an Excel workbook instead of CSV", args: list("patients.xlsx"),
			want: "patients.xlsx: this is an Excel workbook (.xlsx) or another zip file, not a CSV list: in Excel choose File > Save As > CSV"},
		{name: "every number invalid", args: list("all-invalid.csv"),
			want: "all-invalid.csv: no row has a number that can receive SMS: nothing to send"},
		{name: "numbers Excel turned into 9.01E+09", args: list("excel-exponent.csv"),
			want: "excel-exponent.csv: no row has a number that can receive SMS"},
		{name: "only landlines", args: list("all-landlines.csv"), want: "all-landlines.csv: no row has a number that can receive SMS"},
		{name: "every number empty", args: list("all-empty-numbers.csv"), want: "all-empty-numbers.csv: no row has a number that can receive SMS"},
		{name: "a CP932 file with bytes that are not CP932", args: list("cp932-invalid.csv"),
			want: "cp932-invalid.csv row 3: bytes that are not Shift_JIS (CP932) text"},
		{name: "a CP932 list read as UTF-8", args: send("{bad}/lists/cp932-invalid.csv", "--encoding", "utf-8"),
			want: "cp932-invalid.csv row 1: the file is not UTF-8: it looks like CP932 (Shift_JIS): drop --encoding to detect it, or use --encoding cp932"},
		{name: "a folder instead of a list", args: send("{bad}/lists"), want: "lists: this is a folder, not a list: name the CSV file inside it"},
		{name: "a 100 MB single field", args: send("{dir}/huge.csv"),
			want: "huge.csv row 3: a cell is larger than 1 MiB: no patient's name, number or note is that long, so the file looks damaged"},

		// Templates.
		{name: "a template with broken syntax", args: tmpl("broken-syntax"), want: "broken-syntax/outage.ja.tmpl:4: "},
		{name: "a template calling an unknown function", args: tmpl("unknown-function"),
			want: `unknown-function/outage.ja.tmpl:4: function "frobnicate" not defined`},
		{name: "a template without its header", args: tmpl("no-separator"),
			want: `no-separator/outage.ja.tmpl:1: no header: start the file with a header`},
		{name: "a template needing a field the list lacks", args: tmpl("field-missing"),
			want: `template "outage" needs field "bed" for every row (4): add --var bed=VALUE or a bed column`},
		{name: "a template using a field it does not declare", args: tmpl("undeclared-field"),
			want: `undeclared-field/outage.ja.tmpl:4: field "bed" is not declared: add a header line "# var bed: what it is (sample: …)"`},
		{name: "a template with an unknown class", args: tmpl("bad-class"),
			want: `bad-class/outage.ja.tmpl:2: class "urgent": use emergency, reminder or test`},
		{name: "a template in an unknown language", args: tmpl("bad-language"),
			want: `bad-language/outage.fr.tmpl: unknown language "fr" in the file name: use ja or en, e.g. outage.ja.tmpl`},
		{name: "a template whose message is empty", args: tmpl("empty-body"),
			want: `empty-body/outage.ja.tmpl: no message after the "---" line: write it there`},
		{name: "a templates directory that is a file", args: send("{list}", "--templates-dir", "{bad}/lists/empty.csv"),
			want: "read templates in "},

		// Configs.
		{name: "an unknown key", args: conf("unknown-key.yaml"), want: "unknown-key.yaml: line 2: unknown key \"workres\" (did you mean workers?)"},
		{name: "an unknown key under sim", args: conf("unknown-nested-key.yaml"),
			want: "unknown-nested-key.yaml: line 2: unknown key \"latancy\" under sim: (did you mean latency?)"},
		{name: "a word where a number belongs", args: conf("wrong-type.yaml"), want: "wrong-type.yaml: line 1: "},
		{name: "YAML indented with a tab", args: conf("bad-yaml-tab.yaml"),
			want: "bad-yaml-tab.yaml line 2: a tab indents this line, and YAML allows only spaces"},
		{name: "a YAML list where settings belong", args: conf("list-not-map.yaml"), want: "list-not-map.yaml: line 1: "},
		{name: "a duration that is not one", args: conf("bad-duration.yaml"), want: "bad-duration.yaml: line 2: "},
		{name: "quiet hours ending at 25:00", args: conf("bad-quiet-hours.yaml"),
			want: `quiet_hours "21:00-25:00": "25:00" is not a time of day: write it from 00:00 to 23:59`},
		{name: "a misspelt time zone", args: conf("bad-timezone.yaml"),
			want: `time zone "Asia/Tokio" is unknown: write an IANA name such as Asia/Tokyo`},
		{name: "an unknown provider", args: conf("unknown-provider.yaml"), want: `unknown provider "pigeon" (known: karaden, sim, smsgate, twilio)`},
		{name: "twilio without credentials", args: conf("twilio-no-credentials.yaml"), want: "twilio: no account: set TWILIO_ACCOUNT_SID"},
		{name: "twilio with a plain-http base URL to another host", args: conf("twilio-http-base-url.yaml"), env: twilioCreds,
			want: `twilio.base_url "http://twilio-proxy.example.org" uses plain http, which is allowed only for loopback addresses`},
		{name: "an unknown region", args: conf("bad-region.yaml"), want: `region "ZZ" is not a country code`},
		{name: "an unknown language", args: conf("bad-lang.yaml"), want: `lang "fr": messages are written in ja or en`},
		{name: "negative workers", args: conf("negative-workers.yaml"), want: "workers: -3 must be between 1 and 1000"},
		{name: "a test group file that does not exist", args: append(conf("missing-test-group.yaml"), "--test"),
			want: "missing-group.csv: no such file"},
		{name: "an opt-out file that does not exist", args: conf("missing-optout.yaml"),
			want: "no-such-optout.csv: no such file: check the path and the file name"},
		{name: "a config file that does not exist", args: send("{list}", "--config", "{bad}/configs/nope.yaml"),
			want: "nope.yaml: " + notExist.Error()},

		// Flags.
		{name: "a --var without =", args: send("{list}", "--var", "time"), want: `--var "time": expected KEY=VALUE`},
		{name: "a --var without a name", args: send("{list}", "--var", "=13:00"), want: `--var "=13:00": expected KEY=VALUE`},
		{name: "--rows that are not row numbers", args: send("{list}", "--rows", "two-five"),
			want: `--rows "two-five": "two-five" is not a row number or range`},
		{name: "--rows with a backwards range", args: send("{list}", "--rows", "12-3"), want: `--rows "12-3": "12-3" is not a row number or range`},
		{name: "--where with a date that is not one", args: send("{list}", "--where", "採血日=31/31"),
			want: `--where "採血日=31/31": "31/31" is not a date: there is no month 31`},
		{name: "--where without =", args: send("{list}", "--where", "透析曜日"),
			want: `--where "透析曜日": no =, != or <= in it: write COLUMN=VALUE`},
		{name: "--where on a column the list lacks", args: send("{list}", "--where", "病棟=3"),
			want: `--where "病棟=3": the list has no column "病棟": its columns are 患者ID, 氏名, 携帯電話, 透析曜日`},
		{name: "an unknown template", args: []string{"send", "outage-notice", "--to", "{list}", "--yes"},
			want: `unknown template "outage-notice": the templates are appointment, bloodwork, outage, reschedule, resume, test`},
		{name: "--body and a template name both", args: send("{list}", "--body", "本日は休診です"),
			want: "a template name, --body and --body-file each choose the message: give only one"},
		{name: "a --body-file that does not exist", args: []string{"send", "--body-file", "{dir}/nope.txt", "--to", "{list}", "--yes"},
			want: "--body-file: open "},
		{name: "an unknown --encoding", args: send("{list}", "--encoding", "latin-9"),
			want: `unknown encoding "latin-9": use utf-8, cp932 (Shift_JIS) or utf-16le`},
		{name: "--json and --events both", args: send("{list}", "--json", "--events"), want: "--json and --events both print on stdout: give only one"},
		{name: "a negative --limit", args: send("{list}", "--limit", "-1"), want: "--limit -1: give a positive number of patients"},
		{name: "a campaign ID with a slash", args: send("{list}", "--campaign", "../../etc/x"),
			want: `--campaign "../../etc/x": not a usable campaign ID (it names the report files, on Windows too): it holds '/'`},
	}
}

func TestBadInputExitsTwoSendsNothingCreatesNoCampaign(t *testing.T) {
	bad, err := filepath.Abs("testdata/bad")
	if err != nil {
		t.Fatal(err)
	}
	good, err := filepath.Abs(fixture)
	if err != nil {
		t.Fatal(err)
	}
	cases := badCases()
	if len(cases) < 30 {
		t.Fatalf("the corpus has %d cases, want at least 30", len(cases))
	}
	t.Logf("%d malformed inputs", len(cases))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			outbox := filepath.Join(e.dir, "outbox.jsonl")
			e.env["SMSCAST_SIM_OUTBOX"] = outbox
			for k, v := range tc.env {
				e.env[k] = v
			}
			if strings.Contains(tc.name, "100 MB") {
				writeHugeField(t, filepath.Join(e.dir, "huge.csv"))
			}
			args := append([]string(nil), tc.args...)
			for i, a := range args {
				a = strings.ReplaceAll(a, "{bad}", bad)
				a = strings.ReplaceAll(a, "{list}", good)
				args[i] = strings.ReplaceAll(a, "{dir}", e.dir)
			}
			r := e.run(args...)
			var problems []string
			if r.code != ExitUsage {
				problems = append(problems, fmt.Sprintf("exit %d, want 2", r.code))
			}
			// Paths are printed with the system's separator; the cases write them with /.
			if !strings.Contains(filepath.ToSlash(r.stderr), tc.want) {
				problems = append(problems, fmt.Sprintf("stderr does not say %q", tc.want))
			}
			if _, err := os.Stat(outbox); err == nil {
				problems = append(problems, "something was sent")
			}
			if fileExists(filepath.Join(e.dir, "data", "smscast", "journal.db")) {
				h := e.run("history", "--json")
				var entries []historyEntry
				if err := json.Unmarshal([]byte(h.stdout), &entries); err != nil || len(entries) > 0 {
					problems = append(problems, "a campaign was created: "+h.stdout)
				}
			}
			switch {
			case tc.pending != "" && len(problems) == 0:
				t.Errorf("known bug %q is fixed: remove the pending note", tc.pending)
			case tc.pending != "":
				t.Logf("known bug (%s): %s", tc.pending, strings.Join(problems, "; "))
			case len(problems) > 0:
				t.Errorf("%s\nstderr:\n%s", strings.Join(problems, "\n"), r.stderr)
			}
		})
	}
}

// writeHugeField writes a list whose second row holds one 100 MB cell.
func writeHugeField(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("氏名,携帯電話\n山田 花子,090-1234-5601\n佐藤 一郎,\""); err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("0901234"), 1<<16)
	for written := 0; written < 100<<20; written += len(chunk) {
		if _, err := f.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.WriteString("\"\n"); err != nil {
		t.Fatal(err)
	}
}

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/campaign"
)

const reminders = "testdata/reminders.csv"

// dryRows runs a dry run and returns the rows it would send to and the rows it would not.
func dryRows(t *testing.T, e *testEnv, args ...string) (send, notSent []int) {
	t.Helper()
	r := e.run(append([]string{"send", "--dry-run", "--json"}, args...)...)
	if r.code != ExitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	var res campaign.DryRun
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	for _, d := range res.Deliveries {
		send = append(send, d.Rows...)
	}
	for _, s := range res.NotSent {
		notSent = append(notSent, s.Row)
	}
	sort.Ints(send)
	sort.Ints(notSent)
	return send, notSent
}

func TestWhereSelectsRowsByEveryDateForm(t *testing.T) {
	tests := []struct {
		where   string
		send    []int
		notSent []int
	}{
		// Today is Saturday 2026-11-21 in the test environment; rows hold 11/22 as ISO, slash,
		// 月日, 令和 and 年月日 forms.
		{"採血日=tomorrow", []int{2, 3, 4}, []int{5, 8, 9}},
		{"採血日=2026-11-22", []int{2, 3, 4}, []int{5, 8, 9}},
		{"採血日=2026/11/22", []int{2, 3, 4}, []int{5, 8, 9}},
		{"採血日=11月22日", []int{2, 3, 4}, []int{5, 8, 9}},
		{"採血日=令和8年11月22日", []int{2, 3, 4}, []int{5, 8, 9}},
		{"採血日=+2d", []int{7}, nil},
		{"採血日=2026/11/25", []int{6}, nil},
		{"採血日=today", nil, nil},
		{"透析曜日=月,水,金", []int{2, 4, 6}, []int{8}},
	}
	for _, tt := range tests {
		t.Run(tt.where, func(t *testing.T) {
			e := newTestEnv(t)
			if tt.send == nil {
				r := e.run("send", "bloodwork", "--to", reminders, "--var", "date=tomorrow", "--where", tt.where, "--dry-run")
				if r.code != ExitOK || !strings.Contains(r.stdout, "nothing to send") {
					t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
				}
				return
			}
			send, notSent := dryRows(t, e, "bloodwork", "--to", reminders, "--var", "date=tomorrow", "--where", tt.where)
			if !slices.Equal(send, tt.send) || !slices.Equal(notSent, tt.notSent) {
				t.Errorf("send %v not sent %v; want %v and %v", send, notSent, tt.send, tt.notSent)
			}
		})
	}
}

func TestRowsAndLimitSelectSmallTrials(t *testing.T) {
	e := newTestEnv(t)
	if send, _ := dryRows(t, e, "outage", "--to", reminders, "--rows", "3,6-7"); !slices.Equal(send, []int{3, 6, 7}) {
		t.Errorf("--rows 3,6-7 sends to %v", send)
	}
	if send, _ := dryRows(t, e, "outage", "--to", reminders, "--limit", "2"); !slices.Equal(send, []int{2, 3}) {
		t.Errorf("--limit 2 sends to %v", send)
	}
}

func TestCronRunTwiceInOneDaySendsOnce(t *testing.T) {
	e := newTestEnv(t)
	outbox := filepath.Join(e.dir, "outbox.jsonl")
	e.env["SMSCAST_SIM_OUTBOX"] = outbox
	args := []string{"send", "bloodwork", "--to", reminders, "--where", "採血日=tomorrow", "--var", "date=tomorrow",
		"--campaign", "bloodwork-{{.Today}}", "--report-dir", e.dir, "--json", "--yes"}
	first := e.run(args...)
	if first.code != ExitOK {
		t.Fatalf("first run exit %d\n%s", first.code, first.stderr)
	}
	var res sendResult
	if err := json.Unmarshal([]byte(first.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.Campaign != "bloodwork-2026-11-21" || res.SentThisRun != 3 {
		t.Fatalf("first run %+v", res)
	}
	e.now = e.now.Add(3 * time.Hour)
	second := e.run(args...)
	if second.code != ExitOK {
		t.Fatalf("second run exit %d\n%s", second.code, second.stderr)
	}
	if err := json.Unmarshal([]byte(second.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.SentThisRun != 0 || !strings.Contains(second.stderr, "Nothing new to send") {
		t.Fatalf("second run %+v\n%s", res, second.stderr)
	}
	if n := lines(t, outbox); n != 3 {
		t.Errorf("outbox has %d messages, want 3", n)
	}
	body := readFile(t, outbox)
	if !strings.Contains(body, "11月22日(日)") {
		t.Errorf("the reminder must name the day: %s", body)
	}
}

func TestQuietHoursDeferRemindersButNotEmergencies(t *testing.T) {
	e := newTestEnv(t)
	outbox := filepath.Join(e.dir, "outbox.jsonl")
	e.env["SMSCAST_SIM_OUTBOX"] = outbox
	cfg := e.write("config.yaml", "quiet_hours: \"21:00-08:00\"\ntimezone: Asia/Tokyo\n")
	jst := time.FixedZone("JST", 9*3600)
	e.now = time.Date(2026, 11, 21, 22, 30, 0, 0, jst)
	args := []string{"send", "bloodwork", "--config", cfg, "--to", reminders, "--where", "採血日=2026-11-22",
		"--var", "date=2026-11-22", "--campaign", "night", "--report-dir", e.dir, "--yes"}

	r := e.run(append(args, "--no-wait")...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "quiet hours") || !strings.Contains(r.stdout, "stay pending") {
		t.Fatalf("in quiet hours with --no-wait: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if data, err := os.ReadFile(outbox); err == nil && len(data) > 0 {
		t.Fatalf("a reminder was sent in quiet hours:\n%s", data)
	}

	// An emergency goes out at once, quiet hours or not.
	if r := e.run("send", "outage", "--config", cfg, "--to", reminders, "--rows", "2", "--yes", "--report-dir", e.dir); r.code != ExitOK {
		t.Fatalf("emergency in quiet hours: exit %d\n%s", r.code, r.stderr)
	}
	if n := lines(t, outbox); n != 1 {
		t.Fatalf("outbox has %d messages after the emergency, want 1", n)
	}

	// Just before the window ends the run waits for it, then sends the deferred reminders.
	e.now = time.Date(2026, 11, 22, 7, 59, 59, 800_000_000, jst)
	start := time.Now()
	r = e.run(args...)
	if r.code != ExitOK {
		t.Fatalf("after quiet hours: exit %d\n%s", r.code, r.stderr)
	}
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Errorf("the run did not wait for quiet hours to end (%v)", waited)
	}
	if n := lines(t, outbox); n != 4 {
		t.Errorf("outbox has %d messages, want 1 emergency + 3 reminders", n)
	}
}

func TestTestBroadcastReachesOnlyTheTestGroup(t *testing.T) {
	e := newTestEnv(t)
	outbox := filepath.Join(e.dir, "outbox.jsonl")
	e.env["SMSCAST_SIM_OUTBOX"] = outbox
	group, _ := filepath.Abs("testdata/test-group.csv") // a relative path would be the config file's folder's
	cfg := e.write("config.yaml", "test_group: ["+group+", \"080-1234-5602\"]\n")
	r := e.run("send", "outage", "--config", cfg, "--to", reminders, "--test", "--yes", "--json", "--report-dir", e.dir)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var res sendResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if !res.Test || !strings.HasPrefix(res.Campaign, "test-") || res.SentThisRun != 3 {
		t.Errorf("result %+v", res)
	}
	if !strings.Contains(r.stderr, "TEST:") {
		t.Errorf("the summary must say it is a test:\n%s", r.stderr)
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(readFile(t, outbox)), "\n") {
		var m struct{ To, Body string }
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		got[m.To] = m.Body
	}
	for _, to := range []string{"+819099990001", "+819099990002", "+818012345602"} {
		if !strings.HasPrefix(got[to], "【テスト】") {
			t.Errorf("%s got %q, want a message marked 【テスト】", to, got[to])
		}
	}
	if len(got) != 3 {
		t.Errorf("sent to %d numbers, want only the 3 of the test group", len(got))
	}
	h := e.run("history", "--json")
	if !strings.Contains(h.stdout, `"test": true`) {
		t.Errorf("history must record a test campaign:\n%s", h.stdout)
	}
}

func TestCallListHoldsExactlyTheUnreachableRows(t *testing.T) {
	e := newTestEnv(t)
	e.env["SMSCAST_SIM_PERMANENT"] = "+819012345606"
	r := e.run("send", "outage", "--to", reminders, "--yes", "--campaign", "calls", "--report-dir", e.dir)
	if r.code != ExitPartial {
		t.Fatalf("exit %d, want 3 (one failed)\n%s", r.code, r.stderr)
	}
	data := readFile(t, filepath.Join(e.dir, "calls-call.csv"))
	var rows []string
	for _, l := range strings.Split(strings.TrimSpace(strings.TrimPrefix(data, "\ufeff")), "\n")[1:] {
		rows = append(rows, strings.SplitN(l, ",", 2)[0])
	}
	// Most urgent first: 7 failed at the provider; then 5 landline only; 8 invalid number; 9 no
	// number.
	if strings.Join(rows, " ") != "7 5 8 9" {
		t.Fatalf("call list rows %v, want 7 5 8 9:\n%s", rows, data)
	}
	// Every number of the patient, each in its column (携帯電話 empty, 自宅電話 the landline).
	if !strings.Contains(data, "高橋 茂,,03-1234-5604") {
		t.Errorf("the call list must show every phone as written in the list:\n%s", data)
	}
	printed := e.run("report", "calls", "--format", "call", "--out", "-")
	if printed.code != ExitOK || printed.stdout != data {
		t.Errorf("report --format call --out - must print the call list (exit %d):\n%s", printed.code, printed.stdout)
	}
	js := e.run("report", "calls", "--format", "json", "--out", filepath.Join(e.dir, "calls-only.json"))
	if js.code != ExitOK || !strings.Contains(readFile(t, filepath.Join(e.dir, "calls-only.json")), `"campaign": "calls"`) {
		t.Errorf("report --format json --out FILE: exit %d", js.code)
	}
	if bad := e.run("report", "calls", "--format", "xml", "--out", "-"); bad.code != ExitUsage {
		t.Errorf("an unknown --format must be a usage error, got exit %d", bad.code)
	}
	again := e.run("report", "calls", "--report-dir", filepath.Join(e.dir, "again"))
	if again.code != ExitOK || readFile(t, filepath.Join(e.dir, "again", "calls-call.csv")) != data {
		t.Errorf("report must regenerate the same call list (exit %d)", again.code)
	}
}

func lines(t *testing.T, path string) int {
	t.Helper()
	return strings.Count(readFile(t, path), "\n")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// A campaign's reports stay where its send wrote them: status and report after
// `send --report-dir reports` write into reports/ again, unless another folder is given; purge
// finds them there.
func TestStatusAndReportWriteWhereTheSendDid(t *testing.T) {
	e := newTestEnv(t)
	reports := filepath.Join(e.dir, "reports")
	if r := e.run("send", "outage", "--to", fixture, "--yes", "--campaign", "o1", "--report-dir", reports); r.code != ExitOK {
		t.Fatalf("send: exit %d\n%s", r.code, r.stderr)
	}
	for _, args := range [][]string{{"status"}, {"report"}} {
		r := e.run(args...)
		if r.code != ExitOK || !strings.Contains(r.stderr+r.stdout, filepath.Join(reports, "o1.csv")) {
			t.Errorf("%v: exit %d, want the report in %s\n%s%s", args, r.code, reports, r.stdout, r.stderr)
		}
	}
	other := filepath.Join(e.dir, "other")
	if r := e.run("report", "o1", "--report-dir", other); r.code != ExitOK || !strings.Contains(r.stderr+r.stdout, filepath.Join(other, "o1.csv")) {
		t.Errorf("--report-dir other: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

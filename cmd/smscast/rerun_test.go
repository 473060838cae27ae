package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests retype the command a stressed manager knows — without --campaign — after a crash,
// a trial, a re-exported list and a second terminal, and count the texts at the simulator.

type sendJSON struct {
	Campaign    string `json:"campaign"`
	Resumed     bool   `json:"resumed"`
	SentThisRun int    `json:"sent_this_run"`
	Accepted    int    `json:"accepted"`
	Pending     int    `json:"pending"`
	Skipped     int    `json:"skipped"`
}

type runOut struct {
	code   int
	stdout string
	stderr string
	res    sendJSON
}

func runBin(t *testing.T, bin, dir string, extraEnv []string, args ...string) runOut {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env(dir, extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := runOut{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%v: %v", args, err)
	}
	if args[0] == "send" && strings.Contains(strings.Join(args, " "), "--json") && r.stdout != "" {
		if err := json.Unmarshal(stdout.Bytes(), &r.res); err != nil {
			t.Fatalf("%v: stdout is not the JSON result: %v\n%s\nstderr:\n%s", args, err, r.stdout, r.stderr)
		}
	}
	return r
}

// exactlyOnce fails unless the outbox holds one message for each of the n numbers of writeList.
func exactlyOnce(t *testing.T, outbox string, n int) {
	t.Helper()
	count := map[string]int{}
	for _, l := range readOutbox(t, outbox) {
		count[l.To]++
	}
	var dup []string
	for to, k := range count {
		if k != 1 {
			dup = append(dup, fmt.Sprintf("%s×%d", to, k))
		}
	}
	sort.Strings(dup)
	if len(count) != n || len(dup) > 0 {
		t.Fatalf("%d numbers texted, want %d; not exactly once: %v", len(count), n, dup)
	}
}

func TestRetypedCommandAfterSIGKILLResumesTheSameCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	list := writeList(t, dir, 120)
	outbox := filepath.Join(dir, "outbox.jsonl")
	args := []string{"send", "outage", "--to", list, "--provider", "sim", "--yes", "--json", "--report-dir", dir, "--rate", "200"}
	slow := []string{"SMSCAST_SIM_LATENCY=5ms"}

	cmd := exec.Command(bin, args...)
	cmd.Env = env(dir, slow...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(readOutbox(t, outbox)) < 30 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no progress")
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Kill() // the laptop dies in the power cut
	cmd.Wait()
	before := len(readOutbox(t, outbox))
	if before >= 120 {
		t.Fatalf("the kill came too late (%d sent)", before)
	}

	for _, cmd := range [][]string{{"history"}, {"status", "--report-dir", dir}} {
		r := runBin(t, bin, dir, nil, cmd...)
		if !strings.Contains(r.stderr, "without finishing") || !strings.Contains(r.stderr, "run the same send command again") {
			t.Errorf("%s after a kill must say the last send stopped and how to resume; stderr:\n%s", cmd[0], r.stderr)
		}
	}

	var first runOut
	for i := 0; ; i++ {
		r := runBin(t, bin, dir, slow, args...)
		if i == 0 {
			first = r
		}
		if r.code == 0 {
			break
		}
		if i > 5 {
			t.Fatalf("never finished: exit %d\n%s", r.code, r.stderr)
		}
	}
	if !first.res.Resumed || first.res.Campaign == "" {
		t.Errorf("the retyped command must resume the killed campaign: %+v\nstderr:\n%s", first.res, first.stderr)
	}
	if !strings.Contains(first.stderr, "stopped at") || !strings.Contains(first.stderr, "without finishing") {
		t.Errorf("the summary must say the last send stopped without finishing; stderr:\n%s", first.stderr)
	}
	exactlyOnce(t, outbox, 120)

	hist := runBin(t, bin, dir, nil, "history", "--json")
	var entries []map[string]any
	if err := json.Unmarshal([]byte(hist.stdout), &entries); err != nil || len(entries) != 1 {
		t.Errorf("history holds %d campaigns, want the one campaign (%v)\n%s", len(entries), err, hist.stdout)
	}
}

func TestATrialWithLimitThenEveryoneTextsEachNumberOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	list := writeList(t, dir, 30)
	outbox := filepath.Join(dir, "outbox.jsonl")
	base := []string{"send", "outage", "--to", list, "--yes", "--json", "--report-dir", dir}

	trial := runBin(t, bin, dir, nil, append(base, "--limit", "5")...)
	if trial.code != 0 || trial.res.SentThisRun != 5 {
		t.Fatalf("trial: exit %d, %+v\n%s", trial.code, trial.res, trial.stderr)
	}
	full := runBin(t, bin, dir, nil, base...)
	if full.code != 0 || full.res.SentThisRun != 25 || full.res.Campaign != trial.res.Campaign || !full.res.Resumed {
		t.Fatalf("full send after the trial: exit %d, %+v (trial %s)\n%s", full.code, full.res, trial.res.Campaign, full.stderr)
	}
	if !strings.Contains(full.stderr, "5 already received it") {
		t.Errorf("the summary must say how many already received it; stderr:\n%s", full.stderr)
	}
	exactlyOnce(t, outbox, 30)

	again := runBin(t, bin, dir, nil, base...)
	if again.code != 0 || again.res.SentThisRun != 0 {
		t.Errorf("a third run: exit %d, %+v", again.code, again.res)
	}
	exactlyOnce(t, outbox, 30)
}

func TestACopiedListWithinTheRepeatWindowTextsNobodyAgainUnlessAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	list := writeList(t, dir, 20)
	copied := filepath.Join(dir, "患者一覧(2).csv")
	data, _ := os.ReadFile(list)
	if err := os.WriteFile(copied, data, 0o600); err != nil {
		t.Fatal(err)
	}
	outbox := filepath.Join(dir, "outbox.jsonl")

	first := runBin(t, bin, dir, nil, "send", "outage", "--to", list, "--yes", "--json", "--report-dir", dir)
	if first.code != 0 || first.res.SentThisRun != 20 {
		t.Fatalf("first send: exit %d %+v\n%s", first.code, first.res, first.stderr)
	}
	// Another ID makes another campaign: the repeat window still knows who got this text.
	for _, extra := range [][]string{nil, {"--campaign", "another-id"}} {
		args := append([]string{"send", "outage", "--to", copied, "--yes", "--json", "--report-dir", dir}, extra...)
		r := runBin(t, bin, dir, nil, args...)
		if r.code != 0 || r.res.SentThisRun != 0 {
			t.Errorf("%v: exit %d %+v\n%s", extra, r.code, r.res, r.stderr)
		}
		if !strings.Contains(r.stderr, first.res.Campaign) {
			t.Errorf("%v: the summary must name the earlier campaign %s; stderr:\n%s", extra, first.res.Campaign, r.stderr)
		}
	}
	exactlyOnce(t, outbox, 20)

	r := runBin(t, bin, dir, nil, "send", "outage", "--to", copied, "--yes", "--json", "--report-dir", dir, "--again")
	if r.code != 0 || r.res.SentThisRun != 20 {
		t.Errorf("--again: exit %d %+v\n%s", r.code, r.res, r.stderr)
	}
	if n := len(readOutbox(t, outbox)); n != 40 {
		t.Errorf("after --again the outbox holds %d messages, want 40", n)
	}
}

func TestTwoIdenticalSendsStartedTogetherMakeOneCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	for _, gap := range []time.Duration{0, 10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond} {
		t.Run(gap.String(), func(t *testing.T) {
			dir := t.TempDir()
			list := writeList(t, dir, 40)
			args := []string{"send", "outage", "--to", list, "--yes", "--json", "--report-dir", dir, "--rate", "400"}
			slow := []string{"SMSCAST_SIM_LATENCY=2ms"}
			var wg sync.WaitGroup
			outs := make([]runOut, 2)
			for i := range 2 {
				wg.Go(func() {
					outs[i] = runBin(t, bin, dir, slow, args...)
				})
				time.Sleep(gap)
			}
			wg.Wait()
			for i, r := range outs {
				if strings.Contains(r.stderr, "already exists") {
					t.Errorf("run %d was told the campaign already exists:\n%s", i, r.stderr)
				}
				if r.code != 0 && !strings.Contains(r.stderr, "being sent by process") {
					t.Errorf("run %d: exit %d without saying who is sending:\n%s", i, r.code, r.stderr)
				}
			}
			exactlyOnce(t, filepath.Join(dir, "outbox.jsonl"), 40)
		})
	}
}

func TestAnEmptyJournalIsRefusedNeverStartedAfresh(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	list := writeList(t, dir, 5)
	journal := filepath.Join(dir, "journal.db")
	if err := os.WriteFile(journal, nil, 0o600); err != nil { // `: > journal.db`
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"send", "outage", "--to", list, "--yes", "--journal", journal, "--report-dir", dir},
		{"send", "outage", "--to", list, "--yes", "--journal", journal, "--campaign", "done1", "--report-dir", dir},
		{"status", "--journal", journal, "--report-dir", dir},
		{"history", "--journal", journal},
	} {
		r := runBin(t, bin, dir, nil, args...)
		if r.code != 1 || !strings.Contains(r.stderr, journal) || !strings.Contains(r.stderr, "restore it from a backup") {
			t.Errorf("%v: exit %d, want 1 naming the file and what to do:\n%s", args[:2], r.code, r.stderr)
		}
	}
	if n := len(readOutbox(t, filepath.Join(dir, "outbox.jsonl"))); n != 0 {
		t.Errorf("%d messages sent with a damaged journal", n)
	}
	if st, err := os.Stat(journal); err != nil || st.Size() != 0 {
		t.Errorf("the refused journal was touched: %v %v", st, err)
	}
}

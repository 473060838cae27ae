package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds smscast once per test binary run.
func buildBinary(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "smscast")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeList writes a fictitious list of n mobile patients (and returns its path).
func writeList(t testing.TB, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("患者ID,氏名,携帯電話\n")
	for i := range n {
		fmt.Fprintf(&b, "P%04d,試験 患者%d,090-%04d-%04d\n", i, i, 1000+i/10000, i%10000)
	}
	p := filepath.Join(dir, "patients.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// env is a clean environment for the binary: its own HOME and XDG dirs, the simulator's outbox.
func env(dir string, extra ...string) []string {
	return append([]string{
		"HOME=" + dir,
		"PATH=" + os.Getenv("PATH"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"SMSCAST_SIM_OUTBOX=" + filepath.Join(dir, "outbox.jsonl"),
	}, extra...)
}

type outboxLine struct {
	ID   string `json:"id"`
	To   string `json:"to"`
	Body string `json:"body"`
}

func readOutbox(t testing.TB, path string) []outboxLine {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []outboxLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l outboxLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("outbox line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

func TestInterruptedBroadcastResumesAndTextsEveryPatientExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	list := writeList(t, dir, 200)
	outbox := filepath.Join(dir, "outbox.jsonl")
	args := []string{"send", "outage", "--to", list, "--yes", "--campaign", "e2e", "--report-dir", dir, "--json",
		"--rate", "100", "--workers", "4"}

	cmd := exec.Command(bin, args...)
	cmd.Env = env(dir, "SMSCAST_SIM_LATENCY=5ms")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once a quarter of the list has been sent.
	deadline := time.Now().Add(20 * time.Second)
	for len(readOutbox(t, outbox)) < 50 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no progress; stderr:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("interrupted run exit %d (%v), want 130; stderr:\n%s", code, err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "--campaign e2e") {
		t.Errorf("an interrupted run must print the command that resumes; stderr:\n%s", stderr.String())
	}
	sentBefore := len(readOutbox(t, outbox))
	if sentBefore >= 200 {
		t.Fatalf("the interrupt came too late to test anything (%d sent)", sentBefore)
	}

	again := exec.Command(bin, args...)
	again.Env = env(dir, "SMSCAST_SIM_LATENCY=5ms")
	out, err := again.Output()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	var res struct {
		SentThisRun int `json:"sent_this_run"`
		Accepted    int `json:"accepted"`
		Pending     int `json:"pending"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if res.Accepted != 200 || res.Pending != 0 || res.SentThisRun != 200-sentBefore {
		t.Errorf("resume result %+v; %d were sent before the interrupt", res, sentBefore)
	}

	exactlyOnce(t, outbox, 200)
}

// BenchmarkTimeToFirstMessage measures, from process start, how long a 200-row list takes to reach
// the simulator's outbox. Run: go test ./cmd/smscast -run '^$' -bench TimeToFirst -count 5
func BenchmarkTimeToFirstMessage(b *testing.B) {
	bin := buildBinary(b)
	dir := b.TempDir()
	list := writeList(b, dir, 200)
	outbox := filepath.Join(dir, "outbox.jsonl")
	var times []time.Duration
	b.ResetTimer()
	for i := range b.N {
		os.Remove(outbox)
		// --again: every iteration texts the same list on purpose (repeat_window would skip it).
		cmd := exec.Command(bin, "send", "outage", "--to", list, "--yes", "--campaign", fmt.Sprintf("ttfm-%d", i),
			"--report-dir", dir, "--again")
		cmd.Env = env(dir)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for {
			if st, err := os.Stat(outbox); err == nil && st.Size() > 0 {
				break
			}
			if time.Since(start) > 10*time.Second {
				b.Fatal("no message within 10 s")
			}
			time.Sleep(200 * time.Microsecond)
		}
		times = append(times, time.Since(start))
		if err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
	}
	sort.Slice(times, func(i, k int) bool { return times[i] < times[k] })
	b.ReportMetric(float64(times[len(times)/2].Milliseconds()), "ms-to-first-median")
}

package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

var (
	crashLong = flag.Bool("crash.long", false, "run the long crash harness: 2,000 recipients, ≥ 20 kill points (also SMSCAST_CRASH_LONG=1)")
	crashSeed = flag.Uint64("crash.seed", 0, "seed of the crash harness (default: from the clock, logged)")
)

const (
	crashSID   = "AC0123456789abcdef0123456789abcdef"
	crashToken = "crashToken0123456789abcdef012345"
	crashFrom  = "+15005550006"
)

// acceptGate sits in front of the fake Twilio, in the test process. It passes every request to
// the fake and, when armed, holds the answer to the k-th message the fake has accepted and tells
// the harness to kill the binary: the message then exists at the provider while the journal can
// only say "sending". It also counts the faults the binary met.
type acceptGate struct {
	fake *twiliotest.Server

	mu       sync.Mutex
	armAt    int // kill once this many creates were accepted in this run; 0 = disarmed
	accepted int // creates accepted in this run
	kill     chan struct{}
	first    time.Time // the first request of this run
	tally    map[string]int
}

func (g *acceptGate) firstRequest() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.first
}

func newAcceptGate(fake *twiliotest.Server) *acceptGate {
	return &acceptGate{fake: fake, tally: map[string]int{}}
}

// arm starts a run: with k > 0 the k-th accepted create triggers kill.
func (g *acceptGate) arm(k int) <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armAt, g.accepted, g.first = k, 0, time.Time{}
	g.kill = make(chan struct{})
	return g.kill
}

func (g *acceptGate) count(what string) {
	g.mu.Lock()
	g.tally[what]++
	g.mu.Unlock()
}

func (g *acceptGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	if g.first.IsZero() {
		g.first = time.Now()
	}
	g.mu.Unlock()
	rec := &heldWriter{w: w, header: http.Header{}}
	g.fake.Config.Handler.ServeHTTP(rec, r)
	create := r.Method == http.MethodPost
	switch {
	case rec.hijacked:
		g.count("accepted then dropped")
		return
	case create && rec.status == http.StatusTooManyRequests:
		g.count("429")
	case create && rec.status >= 500:
		g.count(fmt.Sprint(rec.status))
	case !create:
		g.count("find/fetch")
	}
	if create && rec.status == http.StatusCreated {
		g.count("accepted")
		g.mu.Lock()
		g.accepted++
		fire := g.armAt > 0 && g.accepted == g.armAt
		kill := g.kill
		g.mu.Unlock()
		if fire {
			g.count("killed right after accept")
			close(kill)
			// Never answer: the process dies waiting. Bounded so a broken harness cannot hang.
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
	}
	if rec.status == 0 {
		return // the fake wrote nothing: the client went away during its latency
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

// heldWriter keeps the fake's answer until the gate decides to pass it on; a hijack (the fake's
// accept-then-drop) goes straight to the real connection.
type heldWriter struct {
	w        http.ResponseWriter
	header   http.Header
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (h *heldWriter) Header() http.Header { return h.header }
func (h *heldWriter) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}
func (h *heldWriter) Write(p []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(p)
}
func (h *heldWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h.hijacked = true
	return h.w.(http.Hijacker).Hijack()
}

// TestCrashHarnessSIGKILLAndRerunTextsEveryPatientExactlyOnce kills `smscast send` with SIGKILL at
// random moments while the fake Twilio throttles, fails and drops connections, reruns the
// identical command until the campaign completes, and checks that every patient got exactly one
// message and that the report names the message the provider holds.
func TestCrashHarnessSIGKILLAndRerunTextsEveryPatientExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	long := *crashLong || os.Getenv("SMSCAST_CRASH_LONG") == "1"
	n, minKills := 300, 5
	if long {
		n, minKills = 2000, 20
	}
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("crash harness: %d recipients, at least %d kill points, seed %d (rerun with -crash.seed %d)", n, minKills, seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0xc4a54))
	start := time.Now()

	fake := twiliotest.NewServer(
		twiliotest.WithAccount(crashSID, crashToken),
		twiliotest.WithSeed(seed),
		twiliotest.WithFaults(twiliotest.Faults{
			Latency:         2 * time.Millisecond,
			TooManyRequests: 0.04,
			ServerErrors:    0.04,
			AcceptThenDrop:  0.02,
		}),
	)
	defer fake.Close()
	gate := newAcceptGate(fake)
	front := httptest.NewServer(gate)
	defer front.Close()

	bin := buildBinary(t)
	dir := t.TempDir()
	list := writeList(t, dir, n)
	args := []string{"send", "outage", "--to", list, "--yes", "--campaign", "crash", "--report-dir", dir,
		"--json", "--rate", "0", "--workers", "8"}
	environ := env(dir,
		"SMSCAST_PROVIDER=twilio",
		"SMSCAST_TWILIO_FROM="+crashFrom,
		"SMSCAST_TWILIO_BASE_URL="+front.URL,
		// A create answered 5xx waits twice the timeout before its deciding lookup: the fake
		// never accepts late, so a short wait keeps the harness quick.
		"SMSCAST_TWILIO_TIMEOUT=500ms",
		"SMSCAST_RECONCILE_GRACE=1s",
		"TWILIO_ACCOUNT_SID="+crashSID,
		"TWILIO_AUTH_TOKEN="+crashToken,
	)

	kills, maxRuns := 0, minKills*4+10
	throughput := 300.0               // accepted creates per second of a run, refined as runs go
	startup := 100 * time.Millisecond // from process start to the first request, refined as runs go
	kinds := rng.Perm(3)
	modes := map[string]int{} // kill points by kind
	var last []byte
	finalCode := -1
	for run := 1; ; run++ {
		if run > maxRuns {
			t.Fatalf("campaign not complete after %d runs (%d kills)", maxRuns, kills)
		}
		remaining := n - len(fake.Counts())
		// Each kill may consume at most its share of what is left, so that minKills kill points
		// fit before the campaign completes; after that the run goes to completion.
		share := max(1, remaining/(minKills-kills+1))
		if kills >= minKills {
			share = 0
		}

		// Vary the provider's behaviour from run to run: latency changes where the kill lands.
		lat := []time.Duration{0, 2 * time.Millisecond, 10 * time.Millisecond}[rng.IntN(3)]
		fake.UpdateFaults(func(f *twiliotest.Faults) {
			f.Latency = lat
			f.ServerStatus = []int{500, 503}[rng.IntN(2)]
		})

		mode, delay, armAt := "complete", time.Duration(0), 0
		if share > 0 {
			// The first kills go through every kind once, in a random order; then at random.
			kind := rng.IntN(3)
			if kills < len(kinds) {
				kind = kinds[kills]
			}
			switch kind {
			case 0: // after the k-th accepted message, before its answer reaches the binary
				mode, armAt = "after-accept", 1+rng.IntN(share)
			case 1: // a random moment from process start, startup and journal creation included
				mode = "timer"
				budget := startup + time.Duration(float64(share)/throughput*float64(time.Second))
				delay = time.Duration(rng.Int64N(int64(budget)))
			default: // a random moment after the k-th accepted message: in a journal write, mid-batch
				mode, armAt = "after-accept+jitter", 1+rng.IntN(share)
				delay = time.Duration(rng.Int64N(int64(20 * time.Millisecond)))
			}
		}
		killNow := gate.arm(0)
		if mode == "after-accept" {
			killNow = gate.arm(armAt)
		}

		before := len(fake.Messages())
		cmd := exec.Command(bin, args...)
		cmd.Env = environ
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		runStart := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		var err error
		go func() { err = cmd.Wait(); close(exited) }()

		var trigger <-chan time.Time
		switch mode {
		case "timer":
			trigger = time.After(delay)
		case "after-accept+jitter":
			poll := time.NewTicker(time.Millisecond)
			fired := make(chan time.Time, 1)
			go func() {
				defer poll.Stop()
				for range poll.C {
					if len(fake.Messages())-before >= armAt {
						time.Sleep(delay)
						fired <- time.Now()
						return
					}
					select {
					case <-exited:
						return
					default:
					}
				}
			}()
			trigger = fired
		}
		killed := false
		select {
		case <-exited:
		case <-killNow:
			killed = true
		case <-trigger:
			killed = true
		case <-time.After(5 * time.Minute):
			_ = cmd.Process.Kill()
			t.Fatalf("run %d hung; stderr:\n%s", run, stderr.String())
		}
		if killed {
			if kerr := cmd.Process.Signal(syscall.SIGKILL); kerr != nil {
				killed = false // it had already exited
			}
			<-exited
		}
		elapsed := time.Since(runStart)
		if first := gate.firstRequest(); !first.IsZero() {
			startup = min(startup, first.Sub(runStart))
		}
		sent := len(fake.Messages()) - before
		if sent > 0 && elapsed > 50*time.Millisecond {
			throughput = 0.5*throughput + 0.5*float64(sent)/elapsed.Seconds()
		}
		code := cmd.ProcessState.ExitCode()
		if killed && code != -1 {
			killed = false // it exited on its own just before the signal
		}
		t.Logf("run %2d: %-20s latency %-5v delay %-12v armAt %-4d → exit %3d after %v, %d created this run, %d/%d numbers at the fake",
			run, mode, lat, delay.Round(time.Microsecond), armAt, code, elapsed.Round(time.Millisecond), sent, len(fake.Counts()), n)
		if killed {
			kills++
			modes[mode]++
			continue
		}
		switch code {
		case 0, 3:
			finalCode = code
			last = stdout.Bytes()
		case 1:
			continue // pending left after retries: the same command resumes
		default:
			t.Fatalf("run %d: exit %d (%v), want 0, 1 or 3; stderr:\n%s", run, code, err, stderr.String())
		}
		if kills >= minKills {
			break
		}
		// It completed before enough kill points: the harness cannot reach its quota.
		t.Fatalf("the campaign completed after only %d kill points (want %d): the kills came too late", kills, minKills)
	}

	// Every number exactly once at the provider.
	counts := fake.Counts()
	var dup, missing []string
	for i := range n {
		to := crashE164(i)
		switch c := counts[to]; {
		case c == 0:
			missing = append(missing, to)
		case c > 1:
			dup = append(dup, fmt.Sprintf("%s×%d", to, c))
		}
	}
	if len(counts) != n {
		t.Errorf("%d numbers at the fake, want %d", len(counts), n)
	}

	// The report agrees with the provider's record.
	sids := map[string]string{}
	for _, m := range fake.Messages() {
		sids[m.To] = m.SID
	}
	rows := readReportCSV(t, filepath.Join(dir, "crash.csv"))
	if len(rows) != n {
		t.Errorf("report has %d rows, want %d", len(rows), n)
	}
	disagree := 0
	for _, r := range rows {
		e164 := strings.TrimPrefix(r["e164"], "'")
		if got, want := r["message_id"], sids[e164]; got != want || !reached(r["state"]) {
			disagree++
			if disagree <= 10 {
				t.Errorf("report row %s: %s state %s message %q; the fake holds %q", r["row"], e164, r["state"], got, want)
			}
		}
	}
	var res struct {
		Accepted, Pending, Failed, Unknown int
	}
	if err := json.Unmarshal(last, &res); err != nil {
		t.Errorf("final stdout is not JSON: %v\n%s", err, last)
	}
	gate.mu.Lock()
	finds, afterAccept := gate.tally["find/fetch"], gate.tally["killed right after accept"]
	gate.mu.Unlock()
	if afterAccept == 0 || finds == 0 {
		t.Errorf("%d kills right after an accept and %d reconciliation requests: the Find path was not exercised", afterAccept, finds)
	}
	if finalCode != 0 || res.Accepted != n || res.Pending != 0 {
		t.Errorf("final run: exit %d, %+v; want exit 0 and %d accepted", finalCode, res, n)
	}

	gate.mu.Lock()
	var mix []string
	for k, v := range gate.tally {
		mix = append(mix, fmt.Sprintf("%s %d", k, v))
	}
	gate.mu.Unlock()
	sort.Strings(mix)
	t.Logf("crash harness: %d kill points survived (%d timer, %d right after an accept, %d just after an accept), %d duplicates, %d missing, %d report rows disagreeing; requests at the fake: %s; wall time %v",
		kills, modes["timer"], modes["after-accept"], modes["after-accept+jitter"], len(dup), len(missing), disagree,
		strings.Join(mix, ", "), time.Since(start).Round(time.Millisecond))
	if len(dup) > 0 || len(missing) > 0 {
		t.Fatalf("not exactly once: duplicates %v; missing %v", head(dup), head(missing))
	}
}

// crashE164 is the E.164 form of writeList's i-th number.
func crashE164(i int) string { return fmt.Sprintf("+8190%04d%04d", 1000+i/10000, i%10000) }

func reached(state string) bool {
	switch state {
	case "submitted", "sent", "delivered":
		return true
	}
	return false
}

func head(s []string) []string {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}

// readReportCSV reads the delivery report (UTF-8 with BOM) into one map per row, keyed by header.
func readReportCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(recs) == 0 {
		t.Fatalf("%s is empty", path)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			if i < len(rec) {
				m[h] = rec[i]
			}
		}
		out = append(out, m)
	}
	return out
}

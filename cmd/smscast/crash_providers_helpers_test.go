package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash harness of crash_test.go, for any fake provider: createGate is acceptGate without
// Twilio's status codes, and crashRig is its kill-and-rerun loop. crash_test.go is left as it is
// (other work edits it); the few lines they share are copied rather than factored out of it.

// createGate sits in front of a fake provider, in the test process. It passes every request to
// the fake and, when armed, holds the answer to the k-th create the fake has accepted and tells
// the harness to kill the binary: the message then exists at the provider while the journal can
// only say "sending". It also counts what the binary met, by kind of answer.
type createGate struct {
	fake     http.Handler
	isCreate func(*http.Request) bool
	accepted int // the status of a create the fake accepted (Karaden 200, the phone 202)
	// before, when set, sees each create before the fake does: the phone's fake has faults by
	// number only, so the smsgate harness draws them per request there.
	before func(*http.Request)
	// answer, when set, may change the status the fake answered (never for a hijacked request).
	answer func(r *http.Request, status int) int

	mu      sync.Mutex
	armAt   int // kill once this many creates were accepted in this run; 0 = disarmed
	nAccept int // creates accepted in this run
	kill    chan struct{}
	first   time.Time // the first request of this run
	tally   map[string]int
}

func newCreateGate(fake http.Handler, accepted int, isCreate func(*http.Request) bool) *createGate {
	return &createGate{fake: fake, accepted: accepted, isCreate: isCreate, tally: map[string]int{}}
}

// arm starts a run: with k > 0 the k-th accepted create triggers kill.
func (g *createGate) arm(k int) <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armAt, g.nAccept, g.first = k, 0, time.Time{}
	g.kill = make(chan struct{})
	return g.kill
}

func (g *createGate) firstRequest() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.first
}

func (g *createGate) count(what string) {
	g.mu.Lock()
	g.tally[what]++
	g.mu.Unlock()
}

func (g *createGate) counted(what string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tally[what]
}

// mix is the tally as "kind n, …", sorted.
func (g *createGate) mix() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for k, v := range g.tally {
		out = append(out, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func (g *createGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	if g.first.IsZero() {
		g.first = time.Now()
	}
	g.mu.Unlock()
	create := g.isCreate(r)
	if create && g.before != nil {
		g.before(r)
	}
	rec := &heldWriter{w: w, header: http.Header{}}
	g.fake.ServeHTTP(rec, r)
	if g.answer != nil && !rec.hijacked && rec.status != 0 {
		if st := g.answer(r, rec.status); st != rec.status {
			g.count(fmt.Sprintf("%d made %d", rec.status, st))
			rec.status = st
		}
	}
	switch {
	case rec.hijacked:
		g.count("accepted then dropped")
		return
	case create && rec.status == g.accepted:
		g.count("accepted")
	case create && rec.status != 0:
		g.count(fmt.Sprintf("create answered %d", rec.status))
	case strings.HasSuffix(r.URL.Path, "/health"):
		g.count("health")
	case !create:
		g.count("find/fetch")
	}
	if create && rec.status == g.accepted {
		g.mu.Lock()
		g.nAccept++
		fire := g.armAt > 0 && g.nAccept == g.armAt
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

// crashRig is one kill-and-rerun campaign against a fake provider behind a createGate.
type crashRig struct {
	bin      string
	args     []string
	env      []string
	n        int // recipients
	minKills int
	rng      *rand.Rand
	gate     *createGate
	created  func() int // messages the fake holds (dropped ones included)
	numbers  func() int // distinct numbers the fake holds a message to
	// vary changes the fake's behaviour before a run (latency moves where a kill lands) and
	// says how, for the log.
	vary    func(rng *rand.Rand) string
	maxRuns int
	hang    time.Duration // a run that takes longer is a hang
}

type crashResult struct {
	runs, kills int
	modes       map[string]int // kill points by kind
	exit1       int            // runs that ended on their own with pending left (exit 1)
	finalCode   int
	last        []byte // the final run's stdout
}

// run kills the binary at random moments — right after an accepted create, at a random moment
// from process start, or a little after the k-th accepted create — and reruns the same command
// until a run ends on its own with exit 0 or 3 after at least minKills kill points.
func (c *crashRig) run(t *testing.T) crashResult {
	t.Helper()
	res := crashResult{modes: map[string]int{}, finalCode: -1}
	throughput := 300.0               // accepted creates per second of a run, refined as runs go
	startup := 100 * time.Millisecond // from process start to the first request, refined as runs go
	kinds := c.rng.Perm(3)
	for run := 1; ; run++ {
		res.runs = run
		if run > c.maxRuns {
			t.Fatalf("campaign not complete after %d runs (%d kills, %d numbers at the fake of %d)", c.maxRuns, res.kills, c.numbers(), c.n)
		}
		remaining := c.n - c.numbers()
		// Each kill may consume at most its share of what is left, so that minKills kill points
		// fit before the campaign completes; after that the run goes to completion.
		share := max(1, remaining/(c.minKills-res.kills+1))
		if res.kills >= c.minKills {
			share = 0
		}
		how := c.vary(c.rng)

		mode, delay, armAt := "complete", time.Duration(0), 0
		if share > 0 {
			kind := c.rng.IntN(3)
			if res.kills < len(kinds) {
				kind = kinds[res.kills] // the first kills go through every kind once
			}
			switch kind {
			case 0: // after the k-th accepted message, before its answer reaches the binary
				mode, armAt = "after-accept", 1+c.rng.IntN(share)
			case 1: // a random moment from process start, startup and journal creation included
				mode = "timer"
				budget := startup + time.Duration(0.8*float64(share)/throughput*float64(time.Second))
				delay = time.Duration(c.rng.Int64N(int64(budget)))
			default: // a random moment after the k-th accepted message: in a journal write, mid-batch
				mode, armAt = "after-accept+jitter", 1+c.rng.IntN(share)
				delay = time.Duration(c.rng.Int64N(int64(20 * time.Millisecond)))
			}
		}
		killNow := c.gate.arm(0)
		if mode == "after-accept" {
			killNow = c.gate.arm(armAt)
		}

		before := c.created()
		cmd := exec.Command(c.bin, c.args...)
		cmd.Env = c.env
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
			fired := make(chan time.Time, 1)
			go func() {
				poll := time.NewTicker(time.Millisecond)
				defer poll.Stop()
				for {
					select {
					case <-exited:
						return
					case <-poll.C:
					}
					if c.created()-before >= armAt {
						time.Sleep(delay)
						fired <- time.Now()
						return
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
		case <-time.After(c.hang):
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("run %d hung for %v; stderr:\n%s", run, c.hang, stderr.String())
		}
		if killed {
			if kerr := cmd.Process.Signal(syscall.SIGKILL); kerr != nil {
				killed = false // it had already exited
			}
			<-exited
		}
		elapsed := time.Since(runStart)
		if first := c.gate.firstRequest(); !first.IsZero() {
			startup = min(startup, first.Sub(runStart))
		}
		sent := c.created() - before
		if sent > 0 && elapsed > 50*time.Millisecond {
			throughput = 0.5*throughput + 0.5*float64(sent)/elapsed.Seconds()
		}
		code := cmd.ProcessState.ExitCode()
		if killed && code != -1 {
			killed = false // it exited on its own just before the signal
		}
		t.Logf("run %2d: %-20s %-22s delay %-12v armAt %-4d → exit %3d after %v, %d created this run, %d/%d numbers at the fake",
			run, mode, how, delay.Round(time.Microsecond), armAt, code, elapsed.Round(time.Millisecond), sent, c.numbers(), c.n)
		if killed {
			res.kills++
			res.modes[mode]++
			continue
		}
		switch code {
		case 0, 3:
			res.finalCode, res.last = code, stdout.Bytes()
		case 1:
			res.exit1++
			continue // pending left after retries: the same command resumes
		default:
			t.Fatalf("run %d: exit %d (%v), want 0, 1 or 3; stderr:\n%s", run, code, err, stderr.String())
		}
		if res.kills < c.minKills {
			t.Fatalf("the campaign completed after only %d kill points (want %d): the kills came too late", res.kills, c.minKills)
		}
		return res
	}
}

// notExactlyOnce lists the numbers of writeList's first n that the provider holds more than one
// message to, and those it holds none to; count is keyed by E.164.
func notExactlyOnce(n int, count map[string]int) (dup, missing []string) {
	for i := range n {
		to := crashE164(i)
		switch c := count[to]; {
		case c == 0:
			missing = append(missing, to)
		case c > 1:
			dup = append(dup, fmt.Sprintf("%s×%d", to, c))
		}
	}
	return dup, missing
}

// reportDisagrees counts the report rows whose message is not the one the provider holds to
// their number (ids, keyed by E.164), or whose state does not say it reached the provider.
func reportDisagrees(t *testing.T, path string, n int, ids map[string]string) int {
	t.Helper()
	rows := readReportCSV(t, path)
	if len(rows) != n {
		t.Errorf("report has %d rows, want %d", len(rows), n)
	}
	disagree := 0
	for _, r := range rows {
		e164 := strings.TrimPrefix(r["e164"], "'")
		if got, want := r["message_id"], ids[e164]; got != want || !reached(r["state"]) {
			disagree++
			if disagree <= 10 {
				t.Errorf("report row %s: %s state %s message %q; the fake holds %q", r["row"], e164, r["state"], got, want)
			}
		}
	}
	return disagree
}

// crashLongForm reports whether the long form of the harness was asked for.
func crashLongForm() bool { return *crashLong || os.Getenv("SMSCAST_CRASH_LONG") == "1" }

// crashSeedFor is the harness's seed: -crash.seed, else from the clock (logged by the caller).
func crashSeedFor() uint64 {
	if *crashSeed != 0 {
		return *crashSeed
	}
	return uint64(time.Now().UnixNano())
}

// reportPath is where `send --campaign name --report-dir dir` writes its CSV report.
func reportPath(dir, campaign string) string { return filepath.Join(dir, campaign+".csv") }

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms/smsgate/smsgatetest"
)

// phoneFaults draws, for each create, whether the fake phone answers it 500 before storing it,
// stores it and answers 500, or stores it and drops the connection. smsgatetest injects those
// faults by number, for every create to that number; drawing them per request (and lifting them
// for the number's next create) makes them the share of requests the other fakes offer, so that
// a number is not refused for ever.
type phoneFaults struct {
	fake *smsgatetest.Server

	mu    sync.Mutex
	rng   *rand.Rand
	drawn map[string]int
	force map[string]string // a number's first create meets this fault whatever the draw
	// shares of creates
	serverError, acceptThen500, acceptThenDrop float64
}

func (p *phoneFaults) before(r *http.Request) {
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		PhoneNumbers []string `json:"phoneNumbers"`
	}
	if err != nil || json.Unmarshal(body, &req) != nil || len(req.PhoneNumbers) != 1 {
		return // the fake answers it as it would
	}
	to := req.PhoneNumbers[0]
	p.mu.Lock()
	x := p.rng.Float64()
	kind := ""
	switch {
	case x < p.serverError:
		kind = "500"
	case x < p.serverError+p.acceptThen500:
		kind = "accept-then-500"
	case x < p.serverError+p.acceptThen500+p.acceptThenDrop:
		kind = "accept-then-drop"
	}
	if f, ok := p.force[to]; ok {
		kind = f
		delete(p.force, to)
	}
	if kind != "" {
		p.drawn[kind]++
	}
	p.mu.Unlock()
	// Only this number's entries change, and a number has one create in flight at a time: the
	// fake, which reads its faults once the body is read, applies this draw to this request.
	p.fake.UpdateFaults(func(f *smsgatetest.Faults) {
		// New slices, never the old ones changed in place: a request in flight holds a copy of
		// the Faults that shares their arrays.
		drop := func(s []string) []string {
			return slices.DeleteFunc(slices.Clone(s), func(v string) bool { return v == to })
		}
		f.ServerError, f.AcceptThen500, f.AcceptThenDrop = drop(f.ServerError), drop(f.AcceptThen500), drop(f.AcceptThenDrop)
		switch kind {
		case "500":
			f.ServerError = append(f.ServerError, to)
		case "accept-then-500":
			f.AcceptThen500 = append(f.AcceptThen500, to)
		case "accept-then-drop":
			f.AcceptThenDrop = append(f.AcceptThenDrop, to)
		}
	})
}

// newPhoneGate puts a createGate and phoneFaults in front of the fake phone.
func newPhoneGate(fake *smsgatetest.Server, seed uint64) (*createGate, *phoneFaults) {
	pf := &phoneFaults{fake: fake, rng: rand.New(rand.NewPCG(seed, seed^0x5a5a)), drawn: map[string]int{},
		// One number of each fault, so that a run meets them all whatever the draw.
		force:       map[string]string{crashE164(3): "500", crashE164(5): "accept-then-500", crashE164(7): "accept-then-drop"},
		serverError: 0.05, acceptThen500: 0.02, acceptThenDrop: 0.03}
	gate := newCreateGate(fake.Config.Handler, http.StatusAccepted, func(r *http.Request) bool {
		return r.Method == http.MethodPost && r.URL.Path == "/messages"
	})
	gate.before = pf.before
	return gate, pf
}

// TestSmsgatePhoneCrashHarnessSIGKILLAndRerunTextsEveryPatientExactlyOnce is the crash harness
// against the fake Android phone: it kills `smscast send` with SIGKILL at random moments — among
// them right after the phone stored a message and before its answer reached the journal — while
// the phone answers 500 before and after storing and drops connections after storing, reruns
// the identical command until the campaign completes, and checks that every patient got exactly
// one message and that the report names the message the phone holds. The phone refuses an id it
// already has (409), and smscast's ids are the same in every run: the test would catch an id
// that changed between runs as a second message.
func TestSmsgatePhoneCrashHarnessSIGKILLAndRerunTextsEveryPatientExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	n, minKills := 200, 5
	if crashLongForm() {
		n, minKills = 2000, 20
	}
	seed := crashSeedFor()
	t.Logf("phone crash harness: %d recipients, at least %d kill points, seed %d (rerun with -crash.seed %d)", n, minKills, seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9a7e))
	start := time.Now()

	fake := smsgatetest.NewServer(smsgatetest.WithFaults(smsgatetest.Faults{Latency: 2 * time.Millisecond}))
	defer fake.Close()
	gate, pf := newPhoneGate(fake, seed)
	front := httptest.NewServer(gate)
	defer front.Close()

	dir := t.TempDir()
	list := writeList(t, dir, n)
	cfg := filepath.Join(dir, "smscast.yaml")
	if err := os.WriteFile(cfg, []byte("smsgate:\n  sim_numbers: [1, 2]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rig := &crashRig{
		bin: buildBinary(t),
		args: []string{"send", "outage", "--to", list, "--yes", "--campaign", "crash-phone", "--report-dir", dir,
			"--json", "--rate", "0", "--workers", "8"},
		env: env(dir,
			"SMSCAST_PROVIDER=smsgate",
			"SMSCAST_SMSGATE_BASE_URL="+front.URL,
			"SMSCAST_SMSGATE_USERNAME="+fake.Username,
			"SMSGATE_PASSWORD="+fake.Password,
			// Two SIMs in turn, as a clinic's dual-SIM phone, from a config file: the variable
			// SMSCAST_SMSGATE_SIM_NUMBERS=1,2 is refused ("sim_numbers[0] cannot parse value as
			// int"), only a single SIM can be given that way. The daily limit is lifted so that
			// the long form's 2,000 fit in one day.
			"SMSCAST_CONFIG="+cfg,
			fmt.Sprintf("SMSCAST_SMSGATE_DAILY_LIMIT=%d", 2*n),
			"SMSCAST_SMSGATE_TIMEOUT=500ms",
			"SMSCAST_RECONCILE_GRACE=1s",
		),
		n: n, minKills: minKills, rng: rng, gate: gate,
		created: func() int { return len(fake.Messages()) },
		numbers: func() int { return len(fake.Counts()) },
		vary: func(rng *rand.Rand) string {
			lat := []time.Duration{0, 2 * time.Millisecond, 10 * time.Millisecond}[rng.IntN(3)]
			fake.UpdateFaults(func(f *smsgatetest.Faults) { f.Latency = lat })
			return "latency " + lat.String()
		},
		maxRuns: minKills*4 + 10,
		hang:    2 * time.Minute,
	}
	res := rig.run(t)

	count := map[string]int{}
	ids := map[string]string{}
	byAnswer := map[string]int{}
	sims := map[int]int{}
	for _, m := range fake.Messages() {
		count[m.To]++
		ids[m.To] = m.ID
		byAnswer[m.Answer]++
		sims[m.SIM]++
	}
	dup, missing := notExactlyOnce(n, count)
	if len(count) != n {
		t.Errorf("%d numbers at the phone, want %d", len(count), n)
	}
	disagree := reportDisagrees(t, reportPath(dir, "crash-phone"), n, ids)

	var sum struct{ Accepted, Pending, Failed, Unknown int }
	if err := json.Unmarshal(res.last, &sum); err != nil {
		t.Errorf("final stdout is not JSON: %v\n%s", err, res.last)
	}
	if res.finalCode != 0 || sum.Accepted != n || sum.Pending != 0 {
		t.Errorf("final run: exit %d, %+v; want exit 0 and %d accepted", res.finalCode, sum, n)
	}
	if gate.counted("killed right after accept") == 0 {
		t.Errorf("no kill right after an accept: %s", gate.mix())
	}
	if gate.counted("create answered 500") == 0 || gate.counted("accepted then dropped") == 0 {
		t.Errorf("a fault was not met: %s", gate.mix())
	}
	if sims[1] == 0 || sims[2] == 0 {
		t.Errorf("messages by SIM %v: smsgate.sim_numbers [1, 2] were not both used", sims)
	}
	pf.mu.Lock()
	drawn := fmt.Sprint(pf.drawn)
	pf.mu.Unlock()
	t.Logf("phone crash harness: %d runs, %d kill points survived (%d timer, %d right after an accept, %d just after an accept), %d runs ended 1 with pending; %d duplicates, %d missing, %d report rows disagreeing; faults drawn %s; messages at the phone by answer %v, by SIM %v; requests: %s; wall time %v",
		res.runs, res.kills, res.modes["timer"], res.modes["after-accept"], res.modes["after-accept+jitter"], res.exit1,
		len(dup), len(missing), disagree, drawn, byAnswer, sims, gate.mix(), time.Since(start).Round(time.Millisecond))
	if len(dup) > 0 || len(missing) > 0 {
		t.Fatalf("not exactly once: duplicates %v; missing %v", head(dup), head(missing))
	}
}

// TestFailoverDrillFromTheSimulatorCarriesOnThroughThePhone rehearses an outage at the binary
// level: the simulator (sim.down_after 20) stops taking messages after 20, and the same run
// carries on through the fake phone after failover_after. Across the simulator's outbox and the
// phone no number holds two messages; a number that holds none is reported unknown when nobody
// can tell whether the phone queued it (pending when the phone said it has none), and the exit
// code is 0 exactly when every patient was accepted by one provider or the other. One case kills
// the binary right after the phone stored its first message and reruns the command: the new
// process's simulator is up again for 20 messages (the line came back), and the message the
// phone holds must not be sent again through it.
func TestFailoverDrillFromTheSimulatorCarriesOnThroughThePhone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const n = 60
	refused := []string{crashE164(n - 1), crashE164(n - 2), crashE164(n - 3)}
	tests := []struct {
		name        string
		faults      smsgatetest.Faults
		failLookups bool // GET /messages/{id} of a message the phone does not have answers 500, not 404
		killAfter   int  // SIGKILL once the phone accepted this many creates in the first run; 0: never
		wantAll     bool
		wantState   string // of the numbers that hold no message
	}{
		{name: "the phone takes every message", wantAll: true},
		// The phone's 404 to the lookup proves nothing was queued: not sent, run again.
		{name: "the phone answers 500 before storing to the last three numbers, who are left pending",
			faults: smsgatetest.Faults{ServerError: refused}, wantState: "pending"},
		// Nobody can tell whether the phone queued them: neither sent nor pending. The fake
		// answers 404 to a message it does not have whatever its faults, so the gate turns
		// those 404s into 500s (the other numbers' messages all exist).
		{name: "the phone answers 500 to the last three numbers and to lookups of them, who are reported unknown",
			faults: smsgatetest.Faults{ServerError: refused}, failLookups: true, wantState: "unknown"},
		{name: "killed right after the phone took its first message, then rerun", killAfter: 1, wantAll: true},
	}
	bin := buildBinary(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.faults.Latency = 2 * time.Millisecond
			phone := smsgatetest.NewServer(smsgatetest.WithFaults(tt.faults))
			defer phone.Close()
			gate := newCreateGate(phone.Config.Handler, http.StatusAccepted, func(r *http.Request) bool {
				return r.Method == http.MethodPost && r.URL.Path == "/messages"
			})
			if tt.failLookups {
				gate.answer = func(r *http.Request, status int) int {
					if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/messages/") && status == http.StatusNotFound {
						return http.StatusInternalServerError
					}
					return status
				}
			}
			front := httptest.NewServer(gate)
			defer front.Close()
			dir := t.TempDir()
			list := writeList(t, dir, n)
			args := []string{"send", "outage", "--to", list, "--yes", "--campaign", "drill", "--report-dir", dir,
				"--json", "--rate", "0", "--workers", "4"}
			environ := env(dir,
				"SMSCAST_PROVIDER=sim",
				"SMSCAST_SIM_DOWN_AFTER=20",
				"SMSCAST_FAILOVER=smsgate",
				"SMSCAST_FAILOVER_AFTER=300ms",
				"SMSCAST_SMSGATE_BASE_URL="+front.URL,
				"SMSCAST_SMSGATE_USERNAME="+phone.Username,
				"SMSGATE_PASSWORD="+phone.Password,
				"SMSCAST_SMSGATE_TIMEOUT=500ms",
				"SMSCAST_RECONCILE_GRACE=1s",
			)
			start := time.Now()
			var stdout, stderr bytes.Buffer
			code := -1
			for run := 1; ; run++ {
				if run > 5 {
					t.Fatalf("the drill is not done after %d runs; last stderr:\n%s", run-1, stderr.String())
				}
				killNow := gate.arm(0)
				if run == 1 && tt.killAfter > 0 {
					killNow = gate.arm(tt.killAfter)
				}
				cmd := exec.Command(bin, args...)
				cmd.Env = environ
				stdout.Reset()
				stderr.Reset()
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				done := make(chan error, 1)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				go func() { done <- cmd.Wait() }()
				select {
				case <-done:
				case <-killNow:
					_ = cmd.Process.Signal(syscall.SIGKILL)
					<-done
				case <-time.After(2 * time.Minute):
					_ = cmd.Process.Kill()
					<-done
					t.Fatalf("the drill hung; stderr:\n%s", stderr.String())
				}
				code = cmd.ProcessState.ExitCode()
				t.Logf("run %d: exit %d after %v; %d in the outbox, %d at the phone",
					run, code, time.Since(start).Round(time.Millisecond), len(readOutbox(t, filepath.Join(dir, "outbox.jsonl"))), len(phone.Messages()))
				if code != -1 && (code != 1 || !tt.wantAll) {
					break // killed (-1), or pending left when all should get through (1): the same command again
				}
			}

			outbox := readOutbox(t, filepath.Join(dir, "outbox.jsonl"))
			both := map[string]int{}
			for _, l := range outbox {
				both[l.To]++
			}
			for to, k := range phone.Counts() {
				both[to] += k
			}
			var dup []string
			for to, k := range both {
				if k > 1 {
					dup = append(dup, fmt.Sprintf("%s×%d", to, k))
				}
			}
			slices.Sort(dup)
			if len(dup) > 0 {
				t.Errorf("texted more than once across the simulator and the phone: %v", head(dup))
			}
			if tt.killAfter == 0 && len(outbox) != 20 {
				t.Errorf("the simulator's outbox holds %d messages, want the 20 of sim.down_after", len(outbox))
			}
			if len(phone.Counts()) == 0 {
				t.Fatalf("nothing went through the phone (exit %d); stderr:\n%s", code, stderr.String())
			}
			if tt.killAfter > 0 && gate.counted("killed right after accept") != 1 {
				t.Errorf("the binary was not killed right after the phone's accept: %s", gate.mix())
			}

			unknown := 0
			for _, r := range readReportCSV(t, reportPath(dir, "drill")) {
				e164 := strings.TrimPrefix(r["e164"], "'")
				switch {
				case both[e164] == 0 && r["state"] != tt.wantState:
					t.Errorf("report row %s: %s holds no message anywhere but is reported %s (%s), want %q", r["row"], e164, r["state"], r["reason"], tt.wantState)
				case both[e164] == 0:
					unknown++ // neither sent nor known to be sent
				case !reached(r["state"]):
					t.Errorf("report row %s: %s holds a message but is reported %s (%s)", r["row"], e164, r["state"], r["reason"])
				}
			}
			var sum struct {
				Accepted, Pending, Failed, Unknown int
				Simulated                          bool
			}
			if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
				t.Fatalf("exit %d, stdout is not JSON: %v\n%s\nstderr:\n%s", code, err, stdout.String(), stderr.String())
			}
			allAccepted := len(both) == n && unknown == 0
			if allAccepted != (code == 0) || allAccepted != tt.wantAll {
				t.Errorf("exit %d with %d of %d numbers holding a message and %d reported unknown; want exit 0 exactly when all were accepted (all expected: %v)\nstderr:\n%s",
					code, len(both), n, unknown, tt.wantAll, stderr.String())
			}
			if !tt.wantAll && unknown != len(refused) {
				t.Errorf("%d reported %s, want the %d numbers the phone refused", unknown, tt.wantState, len(refused))
			}
			if sum.Simulated || strings.Contains(stderr.String(), "no real SMS was sent") {
				t.Errorf("the phone texted patients, but the result says simulated (%v) or \"no real SMS was sent\":\n%s", sum.Simulated, stderr.String())
			}
			if sum.Accepted != len(both) || sum.Unknown+sum.Pending != unknown {
				t.Errorf("result %+v; %d numbers hold a message, %d are reported %s", sum, len(both), unknown, tt.wantState)
			}
			t.Logf("failover drill: exit %d after %v; %d through the simulator, %d through the phone, %d neither, %d duplicates; result %+v; requests at the phone: %s",
				code, time.Since(start).Round(time.Millisecond), len(outbox), len(phone.Counts()), unknown, len(dup), sum, gate.mix())
		})
	}
}

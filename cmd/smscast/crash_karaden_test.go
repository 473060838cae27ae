package main

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/sms/karaden/karadentest"
)

// TestKaradenCrashHarnessSIGKILLAndRerunTextsEveryPatientExactlyOnce is the crash harness against
// the fake 空電プッシュ: it kills `smscast send` with SIGKILL at random moments — among them right
// after the fake stored a create and before its answer could reach the journal — while the fake
// answers 500s, HTML 503s and drops connections after storing, reruns the identical command
// until the campaign completes, and checks that every patient got exactly one message and that
// the report names the message Karaden holds. Karaden has no idempotency key: what stands
// between a rerun and a second text is the journal and Find, which lists by delivery tag.
func TestKaradenCrashHarnessSIGKILLAndRerunTextsEveryPatientExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	n, minKills := 200, 5
	if crashLongForm() {
		n, minKills = 2000, 20
	}
	seed := crashSeedFor()
	t.Logf("karaden crash harness: %d recipients, at least %d kill points, seed %d (rerun with -crash.seed %d)", n, minKills, seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x6a4a))
	start := time.Now()

	fake := karadentest.NewServer(
		karadentest.WithSeed(seed),
		karadentest.WithFaults(karadentest.Faults{
			Latency:         2 * time.Millisecond,
			ServerErrors:    0.05,
			HTMLUnavailable: 0.05,
			AcceptThenDrop:  0.02,
			// One number's message is always dropped after it was stored, so that a run meets the
			// fault whatever the draw; a second create to it would be a duplicate, caught below.
			For: []karadentest.NumberFault{{To: crashE164(7), Fault: karadentest.FaultAcceptThenDrop}},
		}),
	)
	defer fake.Close()
	createPath := "/api/" + fake.TenantID + "/messages"
	gate := newCreateGate(fake.Config.Handler, http.StatusOK, func(r *http.Request) bool {
		return r.Method == http.MethodPost && r.URL.Path == createPath
	})
	front := httptest.NewServer(gate)
	defer front.Close()

	dir := t.TempDir()
	list := writeList(t, dir, n)
	rig := &crashRig{
		bin: buildBinary(t),
		args: []string{"send", "outage", "--to", list, "--yes", "--campaign", "crash-karaden", "--report-dir", dir,
			"--json", "--rate", "0", "--workers", "8"},
		env: env(dir,
			"SMSCAST_PROVIDER=karaden",
			"SMSCAST_KARADEN_BASE_URL="+front.URL+"/api",
			"SMSCAST_KARADEN_TENANT_ID="+fake.TenantID,
			"SMSCAST_KARADEN_SERVICE_ID="+strconv.Itoa(fake.ServiceID),
			"KARADEN_API_KEY="+fake.APIKey,
			// An ambiguous create waits at least the grace (twice the timeout when longer) before
			// the Find that decides it: the fake never accepts late, so short waits keep it quick.
			"SMSCAST_KARADEN_TIMEOUT=500ms",
			"SMSCAST_RECONCILE_GRACE=1s",
		),
		n: n, minKills: minKills, rng: rng, gate: gate,
		created: func() int { return len(fake.Messages()) },
		numbers: func() int { return len(fake.Counts()) },
		vary: func(rng *rand.Rand) string {
			lat := []time.Duration{0, 2 * time.Millisecond, 10 * time.Millisecond}[rng.IntN(3)]
			fake.UpdateFaults(func(f *karadentest.Faults) { f.Latency = lat })
			return "latency " + lat.String()
		},
		maxRuns: minKills*4 + 10,
		hang:    2 * time.Minute,
	}
	res := rig.run(t)

	count := map[string]int{}
	ids := map[string]string{}
	byAnswer := map[string]int{}
	for _, m := range fake.Messages() {
		e164 := "+81" + strings.TrimPrefix(m.To, "0")
		count[e164]++
		ids[e164] = m.ID
		byAnswer[strconv.Itoa(m.Answer)]++
	}
	dup, missing := notExactlyOnce(n, count)
	if len(count) != n {
		t.Errorf("%d numbers at the fake, want %d", len(count), n)
	}
	disagree := reportDisagrees(t, reportPath(dir, "crash-karaden"), n, ids)

	var sum struct{ Accepted, Pending, Failed, Unknown int }
	if err := json.Unmarshal(res.last, &sum); err != nil {
		t.Errorf("final stdout is not JSON: %v\n%s", err, res.last)
	}
	if res.finalCode != 0 || sum.Accepted != n || sum.Pending != 0 {
		t.Errorf("final run: exit %d, %+v; want exit 0 and %d accepted", res.finalCode, sum, n)
	}
	afterAccept := gate.counted("killed right after accept")
	if afterAccept == 0 || fake.Lists() == 0 {
		t.Errorf("%d kills right after an accept and %d list requests: the Find path was not exercised", afterAccept, fake.Lists())
	}
	if gate.counted("create answered 500") == 0 || gate.counted("create answered 503") == 0 || gate.counted("accepted then dropped") == 0 {
		t.Errorf("a fault was not met: %s", gate.mix())
	}
	t.Logf("karaden crash harness: %d runs, %d kill points survived (%d timer, %d right after an accept, %d just after an accept), %d runs ended 1 with pending; %d duplicates, %d missing, %d report rows disagreeing; messages at the fake by answer %v; requests: %s; %d creates, %d fetches, %d lists; wall time %v",
		res.runs, res.kills, res.modes["timer"], res.modes["after-accept"], res.modes["after-accept+jitter"], res.exit1,
		len(dup), len(missing), disagree, byAnswer, gate.mix(), fake.Creates(), fake.Fetches(), fake.Lists(),
		time.Since(start).Round(time.Millisecond))
	if len(dup) > 0 || len(missing) > 0 {
		t.Fatalf("not exactly once: duplicates %v; missing %v", head(dup), head(missing))
	}
}

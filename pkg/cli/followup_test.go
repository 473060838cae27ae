package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAFollowUpGoesToTheRecipientsOfAnEarlierCampaign(t *testing.T) {
	e := newTestEnv(t)
	e.env["SMSCAST_SIM_OUTBOX"] = e.dir + "/outbox.jsonl"
	e.env["SMSCAST_SIM_PERMANENT"] = "+818012345602" // 佐藤 一郎: the provider refuses
	first := e.run("send", "outage", "--to", fixture, "--ack", "--campaign", "first", "--yes", "--report-dir", e.dir)
	if first.code != ExitPartial {
		t.Fatalf("first: exit %d\n%s", first.code, first.stderr)
	}
	if csv := readFile(t, filepath.Join(e.dir, "first.csv")); !strings.Contains(strings.SplitN(csv, "\n", 2)[0], "confirmed_at") {
		t.Errorf("the report of a campaign that asked for replies must keep its ack columns:\n%s", csv)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "first-unconfirmed.csv")); err != nil {
		t.Errorf("the list of the unconfirmed must be written with the report: %v", err)
	}
	dry := e.run("send", "outage", "--to", fixture, "--ack", "--dry-run", "--json")
	if !strings.Contains(dry.stdout, `確認されましたら 1 と返信してください`) {
		t.Errorf("--ack must append the reply instruction:\n%s", dry.stdout)
	}

	for _, tt := range []struct {
		only    string
		sent    int
		failed  int
		skipped int
	}{
		{"reached", 2, 0, 0},     // 山田 and the 渡辺 household (one message for two)
		{"unreached", 0, 1, 2},   // 佐藤 again fails; the landline and the empty row stay unreachable
		{"unconfirmed", 2, 1, 2}, // nobody replied: everyone but the confirmed
	} {
		r := e.run("send", "resume", "--recipients-of", "first", "--only", tt.only, "--yes", "--json", "--report-dir", e.dir)
		var res sendResult
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatalf("--only %s: exit %d %v\n%s", tt.only, r.code, err, r.stderr)
		}
		if res.SentThisRun != tt.sent || res.Failed != tt.failed || res.Skipped != tt.skipped {
			t.Errorf("--only %s: %+v, want %d sent, %d failed, %d not sendable", tt.only, res, tt.sent, tt.failed, tt.skipped)
		}
	}

	again := e.run("send", "resume", "--recipients-of", "first", "--only", "reached", "--yes", "--json", "--report-dir", e.dir)
	var res sendResult
	if err := json.Unmarshal([]byte(again.stdout), &res); err != nil || res.SentThisRun != 0 || !res.Resumed {
		t.Errorf("the same follow-up again must resume it and send nothing: %+v %v\n%s", res, err, again.stderr)
	}

	for name, args := range map[string][]string{
		"an unknown campaign":       {"--recipients-of", "nosuch"},
		"an unknown --only":         {"--recipients-of", "first", "--only", "everyone"},
		"--only without a campaign": {"--to", fixture, "--only", "reached"},
	} {
		r := e.run(append([]string{"send", "resume", "--yes"}, args...)...)
		if r.code != ExitUsage {
			t.Errorf("%s: exit %d\n%s", name, r.code, r.stderr)
		}
		if name == "an unknown campaign" && !strings.Contains(r.stderr, "first") {
			t.Errorf("an unknown campaign must list the latest ones:\n%s", r.stderr)
		}
	}
}

func TestAckIsRefusedForASenderThatCannotReceiveReplies(t *testing.T) {
	e := newTestEnv(t)
	cfg := e.write("config.yaml", "provider: twilio\ntwilio:\n  from: SakuraClinic\n  account_sid: AC00000000000000000000000000000000\n")
	e.env["TWILIO_AUTH_TOKEN"] = "x"
	r := e.run("--config", cfg, "send", "outage", "--to", fixture, "--ack", "--yes")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "alphanumeric") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
}

// A follow-up whose recipients cannot take an SMS (the landline and the empty row the first
// campaign could not text either) says so with their classes, not "invalid", and sends nothing.
func TestAFollowUpOfOnlyUntextableRowsNamesTheirClasses(t *testing.T) {
	e := newTestEnv(t)
	if r := e.run("send", "outage", "--to", fixture, "--yes", "--campaign", "o1", "--report-dir", e.dir); r.code != ExitOK {
		t.Fatalf("send: exit %d\n%s", r.code, r.stderr)
	}
	r := e.run("send", "resume", "--recipients-of", "o1", "--only", "unreached", "--yes", "--report-dir", e.dir)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "campaign o1: none of the 2 patients of this follow-up can receive SMS (1 landline, 1 no number)") ||
		!strings.Contains(r.stderr, "smscast report o1") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	// examples/patients.csv: a number too short is invalid (it has no E.164 either), not "no number".
	if r := e.run("send", "outage", "--to", "../../examples/patients.csv", "--yes", "--campaign", "o2", "--report-dir", e.dir); r.code != ExitOK {
		t.Fatalf("send: exit %d\n%s", r.code, r.stderr)
	}
	r = e.run("send", "resume", "--recipients-of", "o2", "--only", "unreached", "--dry-run")
	if !strings.Contains(r.stderr, "(1 landline, 1 IP phone (050), 1 invalid, 1 toll-free)") {
		t.Errorf("examples list: exit %d\n%s", r.code, r.stderr)
	}
}

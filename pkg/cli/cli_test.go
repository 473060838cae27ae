package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/internal/private"
)

// run is a command run from argv to output with fake IO.
type run struct {
	code   int
	stdout string
	stderr string
}

type testEnv struct {
	t   *testing.T
	dir string
	env map[string]string
	tty bool
	in  string
	now time.Time
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	dir := t.TempDir()
	return &testEnv{
		t:   t,
		dir: dir,
		env: map[string]string{
			"HOME":            dir,
			"XDG_CONFIG_HOME": filepath.Join(dir, "config"),
			"XDG_DATA_HOME":   filepath.Join(dir, "data"),
			// Windows finds the same directories through these (see userDir).
			"APPDATA":      filepath.Join(dir, "config"),
			"LOCALAPPDATA": filepath.Join(dir, "data"),
			// A send whose outcome is unknown (a fake's 5xx) is looked up again after twice the
			// provider's timeout: short here, so such tests take a second, not a minute.
			"SMSCAST_RECONCILE_GRACE": "20ms",
			"SMSCAST_TWILIO_TIMEOUT":  "500ms",
		},
		now: time.Date(2026, 11, 21, 9, 30, 0, 0, time.FixedZone("JST", 9*3600)),
	}
}

func (e *testEnv) run(args ...string) run {
	e.t.Helper()
	var out, errb bytes.Buffer
	// The clock starts at e.now for every run and then moves with real time, as the engine's
	// waits (a grace period, a backoff) need it to.
	start := time.Now()
	d := &Deps{
		Stdin: strings.NewReader(e.in), Stdout: &out, Stderr: &errb,
		StdinTTY: e.tty, StdoutTTY: e.tty, StderrTTY: e.tty,
		LookupEnv: func(k string) (string, bool) { v, ok := e.env[k]; return v, ok },
		Now:       func() time.Time { return e.now.Add(time.Since(start)) },
		Version:   "1.2.3-test",
	}
	code := Main(context.Background(), d, args)
	return run{code: code, stdout: out.String(), stderr: errb.String()}
}

func (e *testEnv) write(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

const fixture = "testdata/patients.csv"

func TestSendArgvBecomesOptions(t *testing.T) {
	var got *sendOptions
	cmd := newCmdSend(&Deps{}, &globalOptions{}, func(_ context.Context, o *sendOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{"reschedule", "--to", "a.csv", "--var", "old=9:00", "--var", "new=13:00",
		"--dry-run", "--yes", "--campaign", "c1", "--json", "--phone-column", "携帯"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Template != "reschedule" || got.To != "a.csv" || !got.DryRun || !got.Yes || !got.JSON ||
		got.Campaign != "c1" || got.PhoneColumn != "携帯" || strings.Join(got.Vars, ";") != "old=9:00;new=13:00" {
		t.Fatalf("options = %+v", got)
	}
	// RunE keeps the command line as plain data: the command's path and the flags given.
	if got.inv.command != "send" || !got.inv.flags.changed("dry-run") || got.inv.flags.changed("limit") {
		t.Errorf("invocation = %+v", got.inv)
	}
	if v, _ := got.inv.flags.lookup("phone-column"); v != "携帯" {
		t.Errorf("--phone-column captured as %q", v)
	}
}

func TestUsageErrorsExitTwoAndSendNothing(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a var without an equals sign", []string{"send", "outage", "--to", fixture, "--var", "time", "--yes"}, `--var "time": expected KEY=VALUE`},
		{"an unknown template", []string{"send", "nosuch", "--to", fixture, "--yes"}, "nosuch"},
		{"an unknown provider", []string{"send", "outage", "--to", fixture, "--provider", "pigeon", "--yes"}, `unknown provider "pigeon"`},
		{"no list", []string{"send", "outage", "--yes"}, "--to"},
		{"a missing list file", []string{"send", "outage", "--to", "nope.csv", "--yes"}, "nope.csv"},
		{"no terminal and no --yes", []string{"send", "outage", "--to", fixture}, "refusing to send without --yes"},
		{"a --var written with a space", []string{"send", "reschedule", "--to", fixture, "--var", "new_time", "13:00", "--yes"}, `unexpected argument "13:00"`},
		{"an unknown flag", []string{"send", "outage", "--to", fixture, "--bogus"}, "bogus"},
		{"an unknown command", []string{"sned"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.env["SMSCAST_SIM_OUTBOX"] = filepath.Join(e.dir, "outbox.jsonl")
			r := e.run(tt.args...)
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want 2\nstderr: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q does not mention %q", r.stderr, tt.want)
			}
			if _, err := os.Stat(e.env["SMSCAST_SIM_OUTBOX"]); err == nil {
				t.Error("nothing may be sent on a usage error")
			}
			if _, err := os.Stat(filepath.Join(e.dir, "data", "smscast", "journal.db")); err == nil {
				t.Error("bad input must leave no journal behind")
			}
		})
	}
}

func TestSendOnSimulatorThenResumeSendsNothingNew(t *testing.T) {
	e := newTestEnv(t)
	outbox := filepath.Join(e.dir, "outbox.jsonl")
	e.env["SMSCAST_SIM_OUTBOX"] = outbox
	reports := filepath.Join(e.dir, "reports")
	args := []string{"send", "outage", "--to", fixture, "--provider", "sim", "--yes", "--campaign", "drill-1",
		"--report-dir", reports, "--json"}

	r := e.run(args...)
	if r.code != ExitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	var res sendResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	// 6 rows: one landline, one empty; two patients share a number and an identical message.
	if res.Campaign != "drill-1" || res.Provider != "sim" || res.Rows != 6 || res.Planned != 3 ||
		res.Skipped != 2 || res.SentThisRun != 3 || res.Accepted != 3 || res.Failed != 0 || res.Pending != 0 {
		t.Errorf("result = %+v", res)
	}
	if !strings.Contains(r.stderr, "no real SMS") {
		t.Errorf("a simulated run must say no real SMS was sent; stderr:\n%s", r.stderr)
	}
	for _, f := range []string{"drill-1.csv", "drill-1.json", "drill-1-call.csv"} {
		if err := private.Check(filepath.Join(reports, f)); err != nil {
			t.Error(err)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(reports, "drill-1.csv"))
	if !bytes.HasPrefix(csv, []byte("\ufeff")) {
		t.Error("the CSV report must start with a BOM so Japanese Excel reads UTF-8")
	}
	if lines := strings.Count(string(csv), "\n"); lines != 7 {
		t.Errorf("report has %d lines, want header + 6 patient rows:\n%s", lines, csv)
	}

	again := e.run(args...)
	if again.code != ExitOK {
		t.Fatalf("rerun exit %d\nstderr: %s", again.code, again.stderr)
	}
	var res2 sendResult
	if err := json.Unmarshal([]byte(again.stdout), &res2); err != nil {
		t.Fatal(err)
	}
	if res2.SentThisRun != 0 || res2.Accepted != 3 {
		t.Errorf("rerun result = %+v, want sent_this_run 0", res2)
	}
	data, _ := os.ReadFile(outbox)
	if n := strings.Count(string(data), "\n"); n != 3 {
		t.Errorf("outbox has %d messages, want 3:\n%s", n, data)
	}
}

func TestDryRunSendsNothingAndCreatesNoCampaign(t *testing.T) {
	e := newTestEnv(t)
	outbox := filepath.Join(e.dir, "outbox.jsonl")
	e.env["SMSCAST_SIM_OUTBOX"] = outbox
	r := e.run("send", "outage", "--to", fixture, "--dry-run", "--json")
	if r.code != ExitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	var res struct {
		Deliveries []struct {
			Row      int    `json:"row"`
			To       string `json:"to"`
			Body     string `json:"body"`
			Encoding string `json:"encoding"`
			Segments int    `json:"segments"`
		} `json:"deliveries"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(res.Deliveries) != 3 {
		t.Fatalf("deliveries = %+v", res.Deliveries)
	}
	d0 := res.Deliveries[0]
	if d0.Row != 2 || d0.To != "+819012345601" || d0.Body == "" || d0.Encoding != "UCS-2" || d0.Segments < 1 {
		t.Errorf("first delivery = %+v", d0)
	}
	if _, err := os.Stat(outbox); err == nil {
		t.Error("a dry run must not send")
	}
	if _, err := os.Stat(filepath.Join(e.dir, "data", "smscast", "journal.db")); err == nil {
		t.Error("a dry run must not create a journal")
	}
}

func TestConfigPrecedenceIsFlagThenEnvThenFileThenDefault(t *testing.T) {
	e := newTestEnv(t)
	e.write("config/smscast/config.yaml", "region: US\nlang: en\nworkers: 7\n")
	e.env["SMSCAST_LANG"] = "ja"
	d := &Deps{LookupEnv: func(k string) (string, bool) { v, ok := e.env[k]; return v, ok }}
	cmd := newCmdSend(d, &globalOptions{}, func(context.Context, *sendOptions) error { return nil })
	cmd.SetArgs([]string{"outage", "--workers", "9"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(d, invoked(cmd).flags, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "US" || cfg.Lang != "ja" || cfg.Workers != 9 || cfg.Provider != "sim" || cfg.MaxParts != 3 {
		t.Errorf("config = %+v", cfg)
	}
}

func TestConfigErrorsNameTheKeyOrFile(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"an unknown key names the key and its line", "region: JP\nregoin: US\n", `line 2: unknown key "regoin" (did you mean region?)`},
		{"an unknown nested key says where", "sim:\n  latancy: 5ms\n", "latancy"},
		{"invalid YAML names the file", "region: [\n", "config.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			p := e.write("c/config.yaml", tt.file)
			r := e.run("send", "outage", "--to", fixture, "--config", p, "--dry-run")
			if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q, want 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

func TestHelpTopicsAndVersion(t *testing.T) {
	e := newTestEnv(t)
	if r := e.run("version"); r.code != 0 || r.stdout != "smscast 1.2.3-test\n" {
		t.Errorf("version: %+v", r)
	}
	if r := e.run("help", "exit-codes"); r.code != 0 || !strings.Contains(r.stdout, "130") {
		t.Errorf("help exit-codes: %+v", r)
	}
	r := e.run("help", "environment")
	if r.code != 0 || !strings.Contains(r.stdout, "SMSCAST_SIM_OUTBOX") || !strings.Contains(r.stdout, "TWILIO_AUTH_TOKEN") {
		t.Errorf("help environment: %+v", r)
	}
	if r := e.run("completion", "bash"); r.code != 0 || !strings.Contains(r.stdout, "smscast") {
		t.Errorf("completion: exit %d", r.code)
	}
}

func TestEveryConfigKeyIsDocumented(t *testing.T) {
	help := environmentHelp()
	for k := range allKeyHelp() {
		if !strings.Contains(help, k) {
			t.Errorf("key %s missing from help", k)
		}
	}
	for _, line := range strings.Split(help, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && strings.HasPrefix(f[1], "SMSCAST_") {
			t.Errorf("key %s has no description", f[0])
		}
	}
}

func TestASecretInTheConfigFileIsRefusedWithoutEchoingIt(t *testing.T) {
	e := newTestEnv(t)
	p := e.write("c/config.yaml", "provider: twilio\ntwilio:\n  from: CLINIC\n  auth_token: CANARYvalue123\n")
	r := e.run("send", "outage", "--to", fixture, "--config", p, "--dry-run")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "line 4: auth_token: secrets are never read") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if strings.Contains(r.stderr+r.stdout, "CANARYvalue123") {
		t.Fatal("the secret was echoed")
	}
}

func TestOnATerminalSendAsksFirst(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		code   int
		sent   bool
	}{
		{"yes sends", "y\n", ExitOK, true},
		{"はい sends", "はい\n", ExitOK, true},
		{"no cancels", "n\n", ExitUsage, false},
		{"just Enter cancels", "\n", ExitUsage, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.tty, e.in = true, tt.answer
			outbox := filepath.Join(e.dir, "outbox.jsonl")
			e.env["SMSCAST_SIM_OUTBOX"] = outbox
			r := e.run("send", "outage", "--to", fixture, "--report-dir", e.dir)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, "Send 3 messages now? [y/N]") {
				t.Errorf("no prompt on stderr:\n%s", r.stderr)
			}
			if _, err := os.Stat(outbox); (err == nil) != tt.sent {
				t.Errorf("sent = %v, want %v", err == nil, tt.sent)
			}
		})
	}
}

func TestSmartEncodingShowsItsReplacements(t *testing.T) {
	e := newTestEnv(t)
	r := e.run("send", "--body", "Don’t come today — the clinic is closed.", "--to", fixture, "--smart-encoding", "--dry-run")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, `Smart encoding replaced: "—"→"-", "’"→"'"`) || !strings.Contains(r.stdout, "GSM-7") {
		t.Errorf("preview:\n%s", r.stdout)
	}
}

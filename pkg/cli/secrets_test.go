package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/internal/private"
	"github.com/smscast/smscast/pkg/sms/karaden/karadentest"
	"github.com/smscast/smscast/pkg/sms/smsgate/smsgatetest"
	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

// Canary secrets: alphanumeric, as Twilio's are, and unlike anything else smscast prints.
const (
	canarySID       = "AC0123456789abcdef0123456789abcdef"
	canaryToken     = "CANARYsecret9f8e7d6c"
	canaryAPIKey    = "SK0123456789abcdef0123456789abcdef"
	canaryAPISecret = "CANARYapi5ecret1a2b3c"
	canaryPhoneUser = "canaryuser"
)

// canaries are the values the canary tests give every secret a provider declares, by its
// variable. TestEveryDeclaredSecretHasACanary keeps it complete.
var canaries = map[string]string{
	"TWILIO_AUTH_TOKEN": canaryToken,
	"TWILIO_API_SECRET": canaryAPISecret,
	"KARADEN_API_KEY":   "CANARYkaraden7c6b5a4e3d",
	"SMSGATE_PASSWORD":  "CANARYphone0f1e2d3c",
}

// canaryNeedles are the forms in which a leaked secret would show: as is, in lower case,
// URL-escaped, and inside an HTTP basic-auth header or a URL's user information with any of the
// canary user names.
func canaryNeedles() map[string]string {
	basic := func(user, pass string) string { return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)) }
	needles := map[string]string{}
	for name, value := range canaries {
		needles[name] = value
		needles[name+", lower case"] = strings.ToLower(value)
		for _, user := range []string{canarySID, canaryAPIKey, canaryPhoneUser} {
			needles[name+" in basic auth as "+user] = basic(user, value)
			needles[name+" in a URL as "+user] = url.UserPassword(user, value).String()
		}
	}
	return needles
}

// twilioEnv points a test environment at a fake Twilio with canary credentials.
func twilioEnv(e *testEnv, baseURL string, apiKey bool) {
	e.env["SMSCAST_PROVIDER"] = "twilio"
	e.env["SMSCAST_TWILIO_FROM"] = "+15005550006"
	e.env["SMSCAST_TWILIO_BASE_URL"] = baseURL
	e.env["TWILIO_ACCOUNT_SID"] = canarySID
	e.env["TWILIO_AUTH_TOKEN"] = canaryToken
	delete(e.env, "TWILIO_API_KEY")
	delete(e.env, "TWILIO_API_SECRET")
	if apiKey {
		e.env["TWILIO_API_KEY"] = canaryAPIKey
		e.env["TWILIO_API_SECRET"] = canaryAPISecret
	}
}

func TestCanarySecretsNeverAppearInOutputOrFiles(t *testing.T) {
	good := twiliotest.NewServer(twiliotest.WithAccount(canarySID, canaryToken), twiliotest.WithAPIKey(canaryAPIKey, canaryAPISecret),
		twiliotest.WithFaults(twiliotest.Faults{
			Landline:     []string{"5602"}, // a permanent error with Twilio's message
			DropFor:      []string{"5605"}, // an ambiguous send, reconciled through Find
			Outcomes:     []twiliotest.Outcome{{To: "5601", Status: "undelivered", ErrorCode: 30003}},
			FaultReads:   false,
			RetryAfter:   time.Second,
			ServerStatus: 503,
		}))
	defer good.Close()
	// A fake that does not know the canary credentials answers 401 with code 20003.
	refusing := twiliotest.NewServer(twiliotest.WithAccount(canarySID, "someOtherToken0123"))
	defer refusing.Close()
	// A fake whose reads fail, so that status lookups and Find report errors.
	failing := twiliotest.NewServer(twiliotest.WithAccount(canarySID, canaryToken),
		twiliotest.WithFaults(twiliotest.Faults{FailAll: true}))
	defer failing.Close()

	e := newTestEnv(t)
	rep := filepath.Join(e.dir, "reports")
	list := e.write("in/patients.csv", mustRead(t, fixture))
	type step struct {
		name    string
		base    string // fake URL; "" keeps the previous one
		apiKey  bool
		args    []string
		anyCode bool
		code    int
		before  func()
	}
	steps := []step{
		{name: "help environment", base: good.URL, args: []string{"help", "environment"}},
		{name: "version", args: []string{"version"}},
		{name: "root help", args: []string{"--help"}},
		{name: "send help", args: []string{"send", "--help"}},
		{name: "templates list", args: []string{"templates", "list"}},
		{name: "templates show", args: []string{"templates", "show", "outage", "--debug"}},
		{name: "check", args: []string{"check", list}},
		{name: "check --json", args: []string{"check", list, "--json", "--debug"}},
		{name: "dry run", args: []string{"send", "outage", "--to", list, "--dry-run"}},
		{name: "dry run --json --debug", args: []string{"send", "outage", "--to", list, "--dry-run", "--json", "--debug"}},
		{name: "real send with the auth token, --debug", args: []string{"send", "outage", "--to", list, "--yes", "--campaign", "c1",
			"--report-dir", rep, "--call-list", filepath.Join(rep, "call-c1.csv"), "--json", "--debug"}, anyCode: true},
		{name: "the same send again", args: []string{"send", "outage", "--to", list, "--yes", "--campaign", "c1",
			"--report-dir", rep, "--debug"}, anyCode: true},
		{name: "real send with the API key, --events, held at Twilio", apiKey: true,
			before: func() { good.UpdateFaults(func(f *twiliotest.Faults) { f.Hold = true }) }, args: []string{"send", "outage", "--to", list, "--yes",
				"--campaign", "c2", "--report-dir", rep, "--events", "--debug"}, anyCode: true},
		{name: "status", args: []string{"status", "c1", "--report-dir", rep, "--debug"}, anyCode: true},
		{name: "history", args: []string{"history"}},
		{name: "history --json", args: []string{"history", "--json", "--debug"}},
		{name: "report", args: []string{"report", "c1", "--report-dir", rep, "--call-list", filepath.Join(rep, "call-again.csv")}},
		{name: "send refused by Twilio (20003)", base: refusing.URL, args: []string{"send", "outage", "--to", list, "--yes",
			"--campaign", "c3", "--report-dir", rep, "--debug"}, code: ExitUsage}, // refused at the pre-flight check, before a campaign exists
		{name: "status refused by Twilio (20003)", args: []string{"status", "c2", "--report-dir", rep, "--debug"}, anyCode: true},
		{name: "send to a failing Twilio", base: failing.URL, args: []string{"send", "outage", "--to", list, "--yes",
			"--campaign", "c4", "--report-dir", rep, "--debug", "--rows", "2", "--again"}, anyCode: true},
		{name: "status against a failing Twilio", args: []string{"status", "c2", "--report-dir", rep, "--debug"}, anyCode: true},
		{name: "status --json once Twilio sends", base: good.URL, apiKey: true, before: good.Release,
			args: []string{"status", "c2", "--json", "--report-dir", rep, "--debug"}, anyCode: true},
		{name: "a base URL with credentials in it", base: "https://" + canarySID + ":" + canaryToken + "@127.0.0.1:1/",
			args: []string{"send", "outage", "--to", list, "--yes", "--campaign", "c5", "--report-dir", rep, "--debug"}, code: ExitUsage},
		{name: "a plain-http base URL to another host", base: "http://smscast.invalid/",
			args: []string{"send", "outage", "--to", list, "--yes", "--campaign", "c6", "--report-dir", rep, "--debug"}, code: ExitUsage},
		{name: "a base URL with credentials and a bad port", base: "https://" + canarySID + ":" + canaryToken + "@127.0.0.1:443x/",
			args: []string{"status", "c1", "--report-dir", rep, "--debug"}, code: ExitUsage},
	}
	var outputs []string
	base := ""
	for _, s := range steps {
		if s.base != "" {
			base = s.base
		}
		twilioEnv(e, base, s.apiKey)
		if s.before != nil {
			s.before()
		}
		r := e.run(s.args...)
		if !s.anyCode && r.code != s.code {
			t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", s.name, r.code, s.code, r.stdout, r.stderr)
		}
		t.Logf("%-40s exit %3d  %s", s.name, r.code, lastLine(r.stderr))
		outputs = append(outputs, s.name+" (stdout)\x00"+r.stdout, s.name+" (stderr)\x00"+r.stderr)
	}

	// A token with a stray character is refused without being echoed.
	for _, bad := range []string{canaryToken + " ", "'" + canaryToken + "'", canaryToken + "\n"} {
		twilioEnv(e, good.URL, false)
		e.env["TWILIO_AUTH_TOKEN"] = bad
		r := e.run("send", "outage", "--to", list, "--yes", "--campaign", "c7", "--report-dir", rep, "--debug")
		if r.code != ExitUsage || !strings.Contains(r.stderr, "TWILIO_AUTH_TOKEN") {
			t.Errorf("a token %q: exit %d, stderr %q; want 2 naming TWILIO_AUTH_TOKEN", bad, r.code, r.stderr)
		}
		outputs = append(outputs, "a malformed token\x00"+r.stdout+r.stderr)
	}

	// Sanity: the runs did reach the fake with the canary credentials.
	if good.Requests() == 0 || refusing.Requests() == 0 || failing.Requests() == 0 {
		t.Fatalf("requests at the fakes: good %d, refusing %d, failing %d", good.Requests(), refusing.Requests(), failing.Requests())
	}

	for _, o := range outputs {
		name, text, _ := strings.Cut(o, "\x00")
		if strings.Contains(text, "twilio: twilio:") {
			t.Errorf("%s: a doubled error prefix:\n%s", name, text)
		}
		for what, needle := range canaryNeedles() {
			if strings.Contains(text, needle) {
				t.Errorf("%s: the %s appears:\n%s", name, what, text)
			}
		}
	}
	files := 0
	err := filepath.WalkDir(e.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for what, needle := range canaryNeedles() {
			if bytes.Contains(data, []byte(needle)) {
				t.Errorf("%s: the %s appears", p, what)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"data/smscast/journal.db", "reports/c1.csv", "reports/c1.json", "reports/c1-call.csv",
		"reports/call-c1.csv", "reports/call-again.csv", "reports/c2.csv"} {
		if _, err := os.Stat(filepath.Join(e.dir, want)); err != nil {
			t.Errorf("expected %s to be written and searched: %v", want, err)
		}
	}
	t.Logf("searched %d outputs and %d files for %d forms of the canaries", len(outputs), files, len(canaryNeedles()))
}

// canaryRig points e at a fake of one provider that knows the canary secrets (accept) or other
// ones (refusing them as a wrong key), with e's environment holding the canaries.
type canaryRig func(t *testing.T, e *testEnv, accept bool)

// canaryRigs are the rigs of every provider that declares a secret.
var canaryRigs = map[string]canaryRig{
	"twilio": func(t *testing.T, e *testEnv, accept bool) {
		token, secret := canaryToken, canaryAPISecret
		if !accept {
			token, secret = "someOtherToken0123", "someOtherSecret0123"
		}
		fake := twiliotest.NewServer(twiliotest.WithAccount(canarySID, token), twiliotest.WithAPIKey(canaryAPIKey, secret))
		t.Cleanup(fake.Close)
		twilioEnv(e, fake.URL, false)
	},
	"karaden": func(t *testing.T, e *testEnv, accept bool) {
		key := canaries["KARADEN_API_KEY"]
		if !accept {
			key = "someOtherKaradenKey0123"
		}
		fake := karadentest.NewServer(karadentest.WithCredentials(karadentest.DefaultTenantID, karadentest.DefaultServiceID, key))
		t.Cleanup(fake.Close)
		e.env["SMSCAST_PROVIDER"] = "karaden"
		e.env["SMSCAST_KARADEN_BASE_URL"] = fake.BaseURL()
		e.env["SMSCAST_KARADEN_TENANT_ID"] = fake.TenantID
		e.env["SMSCAST_KARADEN_SERVICE_ID"] = strconv.Itoa(fake.ServiceID)
	},
	"smsgate": func(t *testing.T, e *testEnv, accept bool) {
		pass := canaries["SMSGATE_PASSWORD"]
		if !accept {
			pass = "someOtherPassword0123"
		}
		fake := smsgatetest.NewServer(smsgatetest.WithCredentials(canaryPhoneUser, pass))
		t.Cleanup(fake.Close)
		e.env["SMSCAST_PROVIDER"] = "smsgate"
		e.env["SMSCAST_SMSGATE_BASE_URL"] = fake.URL
		e.env["SMSCAST_SMSGATE_USERNAME"] = canaryPhoneUser
	},
}

// A provider added with a secret must give the canary tests a value for it and a rig to run
// with: otherwise nobody would notice that its secret shows in a log.
func TestEveryDeclaredSecretHasACanary(t *testing.T) {
	declared := map[string]bool{}
	for _, p := range providers() {
		for _, name := range p.Secrets() {
			declared[name] = true
			if canaries[name] == "" {
				t.Errorf("provider %s declares the secret %s, and canaries has no value for it", p.Name, name)
			}
			if canaryRigs[p.Name] == nil {
				t.Errorf("provider %s declares the secret %s, and canaryRigs has no rig to run it with a fake", p.Name, name)
			}
		}
	}
	for name := range canaries {
		if !declared[name] {
			t.Errorf("canaries has %s, which no provider declares secret", name)
		}
	}
	needles := canaryNeedles()
	for name, value := range canaries {
		if needles[name] != value {
			t.Errorf("canaryNeedles does not search for %s as it is", name)
		}
	}
}

// Every provider's secrets, set to canaries, show nowhere: not in what any command prints (with
// --debug and --json), not in a file smscast writes, not when the provider refuses them, not when
// one is written into the config file.
func TestCanarySecretsOfEveryProviderNeverAppear(t *testing.T) {
	for _, p := range providers() {
		if len(p.Secrets()) == 0 {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			rig := canaryRigs[p.Name]
			if rig == nil {
				t.Skip("no rig: TestEveryDeclaredSecretHasACanary fails")
			}
			e := newTestEnv(t)
			for name, value := range canaries {
				e.env[name] = value
			}
			e.env["TWILIO_ACCOUNT_SID"] = canarySID
			e.env["TWILIO_API_KEY"] = canaryAPIKey
			rep := filepath.Join(e.dir, "reports")
			list := e.write("in/patients.csv", mustRead(t, fixture))
			var outputs []string
			run := func(name string, args ...string) run {
				t.Helper()
				r := e.run(args...)
				t.Logf("%-32s exit %3d  %s", name, r.code, lastLine(r.stderr))
				outputs = append(outputs, name+"\x00"+r.stdout+r.stderr)
				return r
			}
			rig(t, e, true)
			run("help environment", "help", "environment")
			if r := run("dry run", "send", "outage", "--to", list, "--dry-run", "--json", "--debug"); r.code != ExitOK {
				t.Errorf("dry run: exit %d\n%s", r.code, r.stderr)
			}
			if r := run("send", "send", "outage", "--to", list, "--yes", "--campaign", "c1", "--report-dir", rep,
				"--json", "--debug", "--rate", "0"); r.code == ExitUsage {
				t.Errorf("send: exit %d\n%s", r.code, r.stderr)
			}
			run("status", "status", "c1", "--report-dir", rep, "--json", "--debug")
			run("history", "history", "--json", "--debug")
			run("report", "report", "c1", "--report-dir", rep)
			rig(t, e, false)
			if r := run("send with refused secrets", "send", "outage", "--to", list, "--yes", "--campaign", "c2",
				"--report-dir", rep, "--debug"); r.code == ExitOK {
				t.Errorf("a send with refused credentials: exit 0\n%s", r.stderr)
			}
			run("status with refused secrets", "status", "c1", "--report-dir", rep, "--debug")
			for _, name := range p.Secrets() {
				key := strings.TrimPrefix(strings.ToLower(name), p.Name+"_")
				conf := e.write("c/"+key+".yaml", p.Name+":\n  "+key+": "+canaries[name]+"\n")
				r := run("the secret "+name+" in the config file", "--config", conf, "send", "outage", "--to", list, "--dry-run", "--debug")
				if r.code != ExitUsage || !strings.Contains(r.stderr, "line 2: "+key+": secrets are never read") {
					t.Errorf("%s written as %s: in the config file: exit %d, stderr %q; want 2 naming line 2", name, key, r.code, r.stderr)
				}
				if err := os.Remove(conf); err != nil {
					t.Fatal(err)
				}
			}
			for _, o := range outputs {
				name, text, _ := strings.Cut(o, "\x00")
				for what, needle := range canaryNeedles() {
					if strings.Contains(text, needle) {
						t.Errorf("%s: the %s appears:\n%s", name, what, text)
					}
				}
			}
			files := 0
			err := filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				files++
				for what, needle := range canaryNeedles() {
					if bytes.Contains(data, []byte(needle)) {
						t.Errorf("%s: the %s appears", path, what)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(e.dir, "reports", "c1.csv")); err != nil {
				t.Errorf("the send wrote no report to search: %v", err)
			}
			t.Logf("searched %d outputs and %d files for %d forms of the canaries", len(outputs), files, len(canaryNeedles()))
		})
	}
}

// TestCanaryInTheJournalWhileItIsOpen searches the journal and its -wal while a send is still
// running, before a checkpoint folds the log into the database file.
func TestCanaryInTheJournalWhileItIsOpen(t *testing.T) {
	fake := twiliotest.NewServer(twiliotest.WithAccount(canarySID, canaryToken),
		twiliotest.WithFaults(twiliotest.Faults{Latency: 50 * time.Millisecond}))
	defer fake.Close()
	e := newTestEnv(t)
	twilioEnv(e, fake.URL, false)
	list := e.write("in/patients.csv", mustRead(t, fixture))
	dataDir := filepath.Join(e.dir, "data", "smscast")

	var mu sync.Mutex
	seen := map[string]bool{}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			for _, name := range []string{"journal.db", "journal.db-wal", "journal.db-shm"} {
				data, err := os.ReadFile(filepath.Join(dataDir, name))
				if err != nil {
					continue
				}
				mu.Lock()
				seen[name] = true
				for what, needle := range canaryNeedles() {
					if bytes.Contains(data, []byte(needle)) {
						t.Errorf("%s (open): the %s appears", name, what)
					}
				}
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	r := e.run("send", "outage", "--to", list, "--yes", "--campaign", "open", "--report-dir", filepath.Join(e.dir, "r"),
		"--workers", "1", "--rate", "0")
	close(stop)
	<-done
	if r.code != ExitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if !seen["journal.db-wal"] {
		t.Logf("the -wal file was never seen while the journal was open (files seen: %v)", seen)
	}
}

func TestFilesAreCreatedPrivate(t *testing.T) {
	e := newTestEnv(t)
	outbox := filepath.Join(e.dir, "drill", "outbox.jsonl")
	e.env["SMSCAST_SIM_OUTBOX"] = outbox
	rep := filepath.Join(e.dir, "reports", "november")
	call := filepath.Join(e.dir, "calls", "call.csv")
	r := e.run("send", "outage", "--to", fixture, "--yes", "--campaign", "priv", "--report-dir", rep, "--call-list", call)
	if r.code != ExitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if r := e.run("report", "priv", "--report-dir", filepath.Join(e.dir, "again")); r.code != ExitOK {
		t.Fatalf("report: exit %d\nstderr: %s", r.code, r.stderr)
	}
	files := map[string]bool{
		"data/smscast/journal.db": true, "drill/outbox.jsonl": true, "calls/call.csv": true,
		"reports/november/priv.csv": true, "reports/november/priv.json": true, "reports/november/priv-call.csv": true,
		"again/priv.csv": true, "again/priv.json": true, "again/priv-call.csv": true,
	}
	err := filepath.WalkDir(e.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == e.dir {
			return err
		}
		rel, _ := filepath.Rel(e.dir, p)
		if err := private.Check(p); err != nil {
			t.Errorf("%s was created open to others: %v", rel, err)
		}
		delete(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for f := range files {
		t.Errorf("%s was not written", f)
	}
}

// Numbers as the fixture writes them and as smscast formats them: none may appear whole in a log.
var wholeNumber = regexp.MustCompile(`\+?81 ?[789]0[- ]?\d{4}[- ]?\d{4}|0[789]0-?\d{4}-?\d{4}|%2B81\d+`)

func TestLogLinesMaskPhoneNumbers(t *testing.T) {
	// Every kind of line a run logs without a terminal: the summary, the plain progress line, the
	// result and the error on stderr; with --events, one line per delivery on stdout, including
	// permanent errors and a failed reconciliation lookup (whose URL carries the number).
	fake := twiliotest.NewServer(twiliotest.WithAccount(canarySID, canaryToken),
		twiliotest.WithFaults(twiliotest.Faults{
			TooManyRequests: 0.3, ServerErrors: 0.3, FaultReads: true,
			DropFor:  []string{"5605"},
			Landline: []string{"5602"},
			Latency:  time.Millisecond,
		}))
	defer fake.Close()
	e := newTestEnv(t)
	twilioEnv(e, fake.URL, false)
	list := e.write("in/patients.csv", mustRead(t, fixture))
	var out, errb bytes.Buffer
	var mu sync.Mutex
	clock := e.now
	d := &Deps{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		LookupEnv: func(k string) (string, bool) { v, ok := e.env[k]; return v, ok },
		// Each look at the clock is 3 s later, so that the plain progress line is printed.
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(3 * time.Second)
			return clock
		},
		Version: "test",
	}
	code := Main(context.Background(), d, []string{"send", "outage", "--to", list, "--yes", "--campaign", "mask",
		"--report-dir", filepath.Join(e.dir, "r"), "--rate", "0", "--workers", "1", "--events"})
	if code == ExitUsage {
		t.Fatalf("exit %d\nstderr: %s", code, errb.String())
	}
	log := errb.String()
	if !strings.Contains(log, " sent ") {
		t.Errorf("no plain progress line in the log:\n%s", log)
	}
	if testing.Verbose() {
		t.Logf("stderr:\n%s\nstdout:\n%s", log, out.String())
	}
	for i, line := range strings.Split(log, "\n") {
		if m := wholeNumber.FindString(line); m != "" {
			t.Errorf("stderr line %d shows the whole number %q: %s", i+1, m, line)
		}
	}
	// --events lines carry the masked number.
	for _, line := range strings.Split(out.String(), "\n") {
		if m := wholeNumber.FindString(line); m != "" {
			t.Errorf("event shows the whole number %q: %s", m, line)
		}
	}
	if !strings.Contains(out.String(), `"to":"+81 90-****-5601"`) {
		t.Errorf("events should carry masked numbers like +81 90-****-5601:\n%s", out.String())
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+819012345678", "+81 90-****-5678"},
		{"+818012345602", "+81 80-****-5602"},
		{"+15005550006", "+1 500-***-0006"},
		{"+447700900123", "+44 **** **0123"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := maskPhone(tt.in); got != tt.want {
			t.Errorf("maskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if tt.in != "" && strings.Contains(maskPhone(tt.in), tt.in[len(tt.in)-8:]) {
			t.Errorf("maskPhone(%q) = %q keeps 8 trailing digits", tt.in, maskPhone(tt.in))
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

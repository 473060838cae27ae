package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

// ackList: six patients, one on a landline. Numbers are fictitious.
const ackList = `患者ID,氏名,携帯電話
P001,山田 花子,090-1234-5601
P002,佐藤 一郎,080-1234-5602
P003,鈴木 和子,03-1234-5603
P004,高橋 茂,090-1234-5604
P005,渡辺 美智子,090-1234-5605
P006,伊藤 正,090-1234-5606
`

// askForReplies marks a campaign as one that asked for a reply, as send --ack will.
func askForReplies(t *testing.T, e *testEnv, id string) {
	t.Helper()
	j, err := journal.Open(context.Background(), filepath.Join(e.env["XDG_DATA_HOME"], "smscast", "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.SetMeta(context.Background(), id, journal.MetaAck, "true"); err != nil {
		t.Fatal(err)
	}
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestAcksWithTwilioCountsTheRepliesAndListsWhoDidNotConfirm is the contract other tools rely
// on: replies at the fake Twilio to our number, `acks --json` counts them and writes the list of
// exactly those who did not confirm, and a second run stores nothing twice.
func TestAcksWithTwilioCountsTheRepliesAndListsWhoDidNotConfirm(t *testing.T) {
	srv := twiliotest.NewServer()
	t.Cleanup(srv.Close)
	e := newTestEnv(t)
	useFakeTwilio(e, srv)
	reports := filepath.Join(e.dir, "reports")
	list := e.write("patients.csv", ackList)

	sent := e.run("send", "outage", "--to", list, "--yes", "--json", "--campaign", "outage-1", "--report-dir", reports)
	if sent.code != ExitOK {
		t.Fatalf("send: exit %d\nstderr: %s", sent.code, sent.stderr)
	}
	askForReplies(t, e, "outage-1")

	from := e.env["SMSCAST_TWILIO_FROM"]
	at := e.now.Add(2 * time.Minute)
	srv.AddInbound("+819012345601", from, "1", at)
	srv.AddInbound("+818012345602", from, "１", at.Add(time.Second))
	srv.AddInbound("+819012345604", from, "はい", at.Add(2*time.Second))
	srv.AddInbound("+819012345605", from, "息子の車で行けません", at.Add(3*time.Second))
	srv.AddInbound("+819099990000", from, "1", at.Add(4*time.Second)) // a number no campaign asked
	srv.AddInbound("+819012345606", "+15005550099", "1", at)          // to another number of the account

	for run := 1; run <= 2; run++ {
		r := e.run("acks", "outage-1", "--json", "--report-dir", reports)
		if r.code != ExitOK {
			t.Fatalf("acks run %d: exit %d\nstdout: %s\nstderr: %s", run, r.code, r.stdout, r.stderr)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("acks stdout is not JSON: %v\n%s", err, r.stdout)
		}
		want := map[string]float64{"confirmed": 3, "replied": 1, "unconfirmed": 1, "unreachable": 1, "unmatched": 1}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("run %d: %s = %v, want %v (%s)", run, k, got[k], v, r.stdout)
			}
		}
		wantNew := map[int]float64{1: 5, 2: 0}[run]
		if got["new"] != wantNew {
			t.Errorf("run %d: new = %v, want %v", run, got["new"], wantNew)
		}
		path, _ := got["unconfirmed_csv"].(string)
		if path != filepath.Join(reports, "outage-1-unconfirmed.csv") {
			t.Fatalf("unconfirmed_csv = %q", path)
		}
		if html, _ := got["unconfirmed_html"].(string); !fileExists(html) {
			t.Errorf("no page at %q", html)
		}
		table := readCSVFile(t, path)
		var rows []string
		for _, row := range table[1:] {
			rows = append(rows, row[0]+" "+row[1])
		}
		// The landline first (not reached), then the reply to read, then no reply yet.
		if want := []string{"4 P003", "6 P005", "7 P006"}; !slices.Equal(rows, want) {
			t.Errorf("run %d: unconfirmed rows %v, want %v\n%q", run, rows, want, table)
		}
	}

	j, err := journal.Open(context.Background(), filepath.Join(e.env["XDG_DATA_HOME"], "smscast", "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	replies, _ := j.InboundOf(context.Background(), "outage-1")
	unmatched, _ := j.UnmatchedInbound(context.Background(), time.Time{})
	if len(replies) != 4 || len(unmatched) != 1 {
		t.Errorf("journal has %d replies and %d unmatched, want each stored once: 4 and 1", len(replies), len(unmatched))
	}
	report := readCSVFile(t, filepath.Join(reports, "outage-1.csv"))
	if h := report[0]; h[len(h)-2] != "confirmed_at" || h[len(h)-1] != "reply" {
		t.Errorf("report header %v", h)
	}
}

func TestAcksOnTheSimulatorShowsTheDrillsReplies(t *testing.T) {
	e := newTestEnv(t)
	e.env["SMSCAST_SIM_OUTBOX"] = filepath.Join(e.dir, "outbox.jsonl")
	e.env["SMSCAST_SIM_REPLIES_RATE"] = "1"
	e.env["SMSCAST_SIM_REPLIES_TEXTS"] = "はい"
	reports := filepath.Join(e.dir, "reports")
	if r := e.run("send", "outage", "--to", fixture, "--yes", "--campaign", "drill-1", "--report-dir", reports); r.code != ExitOK {
		t.Fatalf("send: exit %d\n%s", r.code, r.stderr)
	}
	askForReplies(t, e, "drill-1")
	e.now = e.now.Add(time.Minute) // each run's clock starts at e.now: the replies came after the send
	r := e.run("acks", "--json", "--report-dir", reports)
	if r.code != ExitOK {
		t.Fatalf("acks: exit %d\n%s", r.code, r.stderr)
	}
	var got acksResult
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	// Four patients on three mobile numbers confirmed; a landline and an empty cell not reached.
	if got.Campaign != "drill-1" || got.Confirmed != 4 || got.Unreachable != 2 || got.Unconfirmed != 0 || got.Replied != 0 {
		t.Errorf("result %+v", got)
	}
}

func TestAcksBadInputExitsTwoWithWhatToDo(t *testing.T) {
	e := newTestEnv(t)
	e.env["SMSCAST_SIM_OUTBOX"] = filepath.Join(e.dir, "outbox.jsonl")
	reports := filepath.Join(e.dir, "reports")
	if r := e.run("send", "outage", "--to", fixture, "--yes", "--campaign", "drill-1", "--report-dir", reports); r.code != ExitOK {
		t.Fatalf("send: exit %d\n%s", r.code, r.stderr)
	}
	if r := e.run("acks", "drill-1"); r.code != ExitUsage || !strings.Contains(r.stderr, "did not ask for a reply") {
		t.Errorf("a campaign that asked for no reply: exit %d\n%s", r.code, r.stderr)
	}
	askForReplies(t, e, "drill-1")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"an unknown campaign lists the latest ones", []string{"acks", "nosuch"}, []string{`no campaign "nosuch"`, "drill-1 (2026-11-21", "asked for replies"}},
		{"a window that is not a duration", []string{"acks", "drill-1", "--window", "half an hour"}, []string{`--window "half an hour" is not a duration`, "--window 30m"}},
		{"a negative window", []string{"acks", "drill-1", "--window", "-5m"}, []string{"is not a duration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run(tt.args...)
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not say %q", r.stderr, w)
				}
			}
		})
	}
}

func TestAcksThroughAProviderWithoutAnInboxNamesIt(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	j, err := journal.Open(ctx, filepath.Join(e.env["XDG_DATA_HOME"], "smscast", "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	c := journal.Campaign{ID: "k1", Template: "outage", Provider: "karaden", CreatedAt: e.now, Meta: map[string]string{journal.MetaAck: "true"}}
	if err := j.CreateCampaign(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	j.Close()
	e.env["KARADEN_API_KEY"] = "fakekey0123456789"
	e.env["SMSCAST_KARADEN_TENANT_ID"] = "01234567-89ab-cdef-0123-456789abcdef"
	e.env["SMSCAST_KARADEN_SERVICE_ID"] = "1"
	r := e.run("acks", "k1")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "provider karaden cannot read replies") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
}

func TestAcksArgvBecomesOptions(t *testing.T) {
	var got *acksOptions
	cmd := newCmdAcks(&Deps{}, &globalOptions{}, func(_ context.Context, o *acksOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"outage-1", "--watch", "--window", "2h", "--interval", "5s", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Campaign != "outage-1" || !got.Watch || got.Window != "2h" || got.Interval != 5*time.Second || !got.JSON {
		t.Errorf("options %+v", got)
	}
}

func TestAcksWatchPollsUntilTheWindowCloses(t *testing.T) {
	e := newTestEnv(t)
	e.env["SMSCAST_SIM_OUTBOX"] = filepath.Join(e.dir, "outbox.jsonl")
	reports := filepath.Join(e.dir, "reports")
	if r := e.run("send", "outage", "--to", fixture, "--yes", "--campaign", "drill-1", "--report-dir", reports); r.code != ExitOK {
		t.Fatalf("send: exit %d\n%s", r.code, r.stderr)
	}
	askForReplies(t, e, "drill-1")
	r := e.run("acks", "drill-1", "--watch", "--window", "400ms", "--interval", "100ms", "--report-dir", reports)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "drill-1: "); n < 2 {
		t.Errorf("%d polls, want several until the window closed:\n%s", n, r.stdout)
	}
	if !fileExists(filepath.Join(reports, "drill-1-unconfirmed.html")) {
		t.Error("no list of the unconfirmed")
	}
}

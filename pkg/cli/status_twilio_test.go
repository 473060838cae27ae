package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gocarina/gocsv"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/report"
	"github.com/smscast/smscast/pkg/sms/twilio"
	"github.com/smscast/smscast/pkg/sms/twilio/twiliotest"
)

// TestStatusWithTwilioRecordsReceiptsAndCallsTheUndelivered sends the fixture through the twilio
// provider, configured only from the environment and pointed at the fake, then runs `status`: the
// fake reports one message undelivered (30003), and status records it with its plain reason,
// rewrites the report, puts the patient on the call list and exits 3.
func TestStatusWithTwilioRecordsReceiptsAndCallsTheUndelivered(t *testing.T) {
	const (
		undelivered = "+819012345601" // P001, row 2: 090-1234-5601
		delivered   = "+818012345602" // P002, row 3
		shared      = "+819012345605" // P005 and P006, rows 6 and 7: one message
	)
	srv := twiliotest.NewServer(twiliotest.WithFaults(twiliotest.Faults{
		Outcomes: []twiliotest.Outcome{{To: "5601", Status: "undelivered", ErrorCode: 30003}},
	}))
	t.Cleanup(srv.Close)

	e := newTestEnv(t)
	useFakeTwilio(e, srv)
	reports := filepath.Join(e.dir, "reports")

	sent := e.run("send", "outage", "--to", fixture, "--yes", "--json", "--campaign", "outage-1", "--report-dir", reports)
	if sent.code != ExitOK {
		t.Fatalf("send: exit %d\nstdout: %s\nstderr: %s", sent.code, sent.stdout, sent.stderr)
	}
	var res sendResult
	if err := json.Unmarshal([]byte(sent.stdout), &res); err != nil {
		t.Fatalf("send stdout is not JSON: %v\n%s", err, sent.stdout)
	}
	if res.Provider != "twilio" || res.Simulated || res.Planned != 3 || res.SentThisRun != 3 || res.Accepted != 3 {
		t.Errorf("send result = %+v", res)
	}
	if strings.Contains(sent.stderr, srv.AuthToken) || strings.Contains(sent.stdout, srv.AuthToken) {
		t.Error("the auth token was printed")
	}
	if got := srv.Counts(); len(got) != 3 || got[undelivered] != 1 || got[delivered] != 1 || got[shared] != 1 {
		t.Errorf("messages at the fake per number = %v, want one to each of the 3 mobile numbers", got)
	}

	st := e.run("status", "--json", "--report-dir", reports)
	if st.code != ExitPartial {
		t.Fatalf("status: exit %d, want %d (a message was not delivered)\nstdout: %s\nstderr: %s", st.code, ExitPartial, st.stdout, st.stderr)
	}
	var sr statusResult
	if err := json.Unmarshal([]byte(st.stdout), &sr); err != nil {
		t.Fatalf("status stdout is not JSON: %v\n%s", err, st.stdout)
	}
	if sr.Campaign != "outage-1" || sr.Checked != 3 || sr.Changed != 3 || sr.Errors != 0 || sr.InFlight != 0 ||
		sr.Counts["delivered"] != 2 || sr.Counts["undelivered"] != 1 {
		t.Errorf("status result = %+v", sr)
	}

	// The journal: every message with the fake's SID and its final state.
	j, err := journal.Open(context.Background(), filepath.Join(e.env["XDG_DATA_HOME"], "smscast", "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ds, err := j.Deliveries(context.Background(), "outage-1")
	if err != nil {
		t.Fatal(err)
	}
	sids := map[string]string{}
	for _, m := range srv.Messages() {
		sids[m.To] = m.SID
	}
	reason := twilio.Reason(30003)
	if reason == "" {
		t.Fatal("twilio.Reason has no words for 30003")
	}
	want := map[string]struct {
		state        journal.State
		code, reason string
	}{
		undelivered: {journal.Undelivered, "30003", reason},
		delivered:   {journal.Delivered, "", ""},
		shared:      {journal.Delivered, "", ""},
	}
	seen := 0
	for _, d := range ds {
		w, ok := want[d.To]
		if !ok {
			if d.State != journal.Skipped {
				t.Errorf("delivery %d to %q: %s, want skipped", d.ID, d.To, d.State)
			}
			continue
		}
		seen++
		if d.State != w.state || d.ErrorCode != w.code || d.Reason != w.reason || d.ProviderID != sids[d.To] {
			t.Errorf("delivery to %s: %s, code %q, reason %q, id %q; want %s, code %q, reason %q, id %q",
				d.To, d.State, d.ErrorCode, d.Reason, d.ProviderID, w.state, w.code, w.reason, sids[d.To])
		}
	}
	if seen != 3 {
		t.Errorf("journal has %d of the 3 sent deliveries", seen)
	}

	// The report status rewrote, read back from its JSON, agrees row by row.
	data, err := os.ReadFile(filepath.Join(reports, "outage-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Rows []report.Row `json:"rows"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report JSON: %v", err)
	}
	byRow := map[int]report.Row{}
	for _, r := range rep.Rows {
		byRow[r.Row] = r
	}
	for _, c := range []struct {
		row          int
		state, code  string
		reason, e164 string
	}{
		{2, "undelivered", "30003", reason, undelivered},
		{3, "delivered", "", "", delivered},
		{6, "delivered", "", "", shared},
		{7, "delivered", "", "", shared},
	} {
		r := byRow[c.row]
		if r.State != c.state || r.ErrorCode != c.code || r.Reason != c.reason || r.E164 != c.e164 || r.MessageID != sids[c.e164] {
			t.Errorf("report row %d = %+v; want %s, code %q, reason %q, %s, id %s", c.row, r, c.state, c.code, c.reason, c.e164, sids[c.e164])
		}
	}

	// The call list: the undelivered patient, with the reason in plain words, and the two rows
	// that could never be texted (a landline and an empty number); nobody who got the message.
	if sr.CallList == "" {
		t.Fatal("status named no call list")
	}
	callCSV, err := os.ReadFile(sr.CallList)
	if err != nil {
		t.Fatal(err)
	}
	var calls []report.CallRow
	if err := gocsv.UnmarshalBytes(bytes.TrimPrefix(callCSV, []byte("\ufeff")), &calls); err != nil {
		t.Fatalf("call list %s: %v\n%s", sr.CallList, err, callCSV)
	}
	rows := map[int]report.CallRow{}
	for _, c := range calls {
		rows[c.Row] = c
	}
	if c, ok := rows[2]; !ok || c.Name != "山田 花子" || c.Reason != reason {
		t.Errorf("call list row 2 = %+v (present %v), want 山田 花子 with reason %q\n%s", c, ok, reason, callCSV)
	}
	for _, row := range []int{3, 6, 7} {
		if _, ok := rows[row]; ok {
			t.Errorf("call list has row %d, whose message was delivered\n%s", row, callCSV)
		}
	}
	if len(calls) != 3 {
		t.Errorf("call list has %d rows, want 3 (undelivered, landline, empty)\n%s", len(calls), callCSV)
	}
}

// A sender Twilio refuses fails every message alike: the run stops at the first, nobody is marked
// failed, and after twilio.from is fixed the same command sends to everyone once.
func TestABadSenderStopsTheRunAndTheFixedCommandResumes(t *testing.T) {
	srv := twiliotest.NewServer(twiliotest.WithFaults(twiliotest.Faults{
		Reject: []twiliotest.Rule{{From: "SAKURA", Code: 21606}},
	}))
	t.Cleanup(srv.Close)
	e := newTestEnv(t)
	useFakeTwilio(e, srv)
	e.env["SMSCAST_TWILIO_FROM"] = "SAKURA"
	args := []string{"send", "outage", "--to", fixture, "--yes", "--json", "--campaign", "bad-sender", "--report-dir", e.dir}

	r := e.run(args...)
	if r.code != ExitError || !strings.Contains(r.stderr, "the sender in twilio.from cannot send SMS") ||
		!strings.Contains(r.stderr, quoteArgs(runtime.GOOS, []string{"--campaign", "bad-sender"})) {
		t.Fatalf("exit %d, want 1 with the reason and the resume command\n%s", r.code, r.stderr)
	}
	var res sendResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.Failed != 0 || res.Pending != 3 {
		t.Errorf("after a bad sender: %+v, want nobody failed and all 3 pending", res)
	}

	e.env["SMSCAST_TWILIO_FROM"] = "CLINIC"
	r = e.run(args...)
	if r.code != ExitOK {
		t.Fatalf("resume: exit %d\n%s", r.code, r.stderr)
	}
	if got := srv.Counts(); len(got) != 3 {
		t.Errorf("messages per number = %v, want one to each of 3 numbers", got)
	}
}

// useFakeTwilio configures a test environment, through the environment only, to send with the
// twilio provider to srv with srv's credentials.
func useFakeTwilio(e *testEnv, srv *twiliotest.Server) {
	e.env["SMSCAST_PROVIDER"] = "twilio"
	e.env["SMSCAST_TWILIO_FROM"] = "+15005550006"
	e.env["SMSCAST_TWILIO_BASE_URL"] = srv.URL
	e.env["TWILIO_ACCOUNT_SID"] = srv.AccountSID
	e.env["TWILIO_AUTH_TOKEN"] = srv.AuthToken
}

package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gocarina/gocsv"

	"github.com/smscast/smscast/pkg/report"
	"github.com/smscast/smscast/pkg/sms/karaden/karadentest"
)

// call_after per carrier: au gives up on a phone that is off after about an hour, docomo keeps
// trying for days. With call_after {default: 2h, au: 70m}, a status 80 minutes after the send,
// both messages still on their way (Karaden: done, result processing, the carrier known), puts
// the au patient on the call list and not the docomo ones; past 2 hours all of them.
func TestStatusCallsAnAuPatientSoonerThanADocomoOne(t *testing.T) {
	fake := karadentest.NewServer(
		karadentest.WithTiming(karadentest.Timing{Processing: 10 * time.Hour}),
		karadentest.WithOutcomes(karadentest.Outcome{To: "09012345601", Carrier: "au"}),
	)
	t.Cleanup(fake.Close)
	e := newTestEnv(t)
	e.env["KARADEN_API_KEY"] = fake.APIKey
	conf := e.write("config.yaml", "provider: karaden\n"+
		"karaden:\n  base_url: "+fake.URL+"/api\n  tenant_id: "+fake.TenantID+"\n  service_id: "+strconv.Itoa(fake.ServiceID)+"\n"+
		"call_after:\n  default: 2h\n  au: 70m\n")
	reports := filepath.Join(e.dir, "reports")
	if r := e.run("--config", conf, "send", "outage", "--to", fixture, "--yes", "--campaign", "k1", "--report-dir", reports); r.code != ExitOK {
		t.Fatalf("send: exit %d\n%s", r.code, r.stderr)
	}
	sent := e.now
	onList := func(after time.Duration) map[int]string {
		t.Helper()
		e.now = sent.Add(after)
		r := e.run("--config", conf, "status", "--json", "--report-dir", reports)
		var sr statusResult
		if err := json.Unmarshal([]byte(r.stdout), &sr); err != nil {
			t.Fatalf("status: exit %d, %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
		}
		data, err := os.ReadFile(sr.CallList)
		if err != nil {
			t.Fatal(err)
		}
		var calls []report.CallRow
		if err := gocsv.UnmarshalBytes(bytes.TrimPrefix(data, []byte("\ufeff")), &calls); err != nil {
			t.Fatal(err)
		}
		rows := map[int]string{}
		for _, c := range calls {
			rows[c.Row] = c.Reason
		}
		return rows
	}
	rows := onList(80 * time.Minute)
	if rows[2] != "not delivered 1 h 10 min after sending" {
		t.Errorf("after 80 minutes, the au patient (row 2): %q; call list %v", rows[2], rows)
	}
	if _, ok := rows[3]; ok {
		t.Errorf("after 80 minutes, the docomo patient (row 3) is on the call list: %v", rows)
	}
	rows = onList(2*time.Hour + time.Minute)
	if rows[3] != "not delivered 2 h after sending" {
		t.Errorf("after 2 hours, the docomo patient (row 3): %q; call list %v", rows[3], rows)
	}
}

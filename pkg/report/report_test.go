package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/internal/private"
	"github.com/smscast/smscast/pkg/journal"
)

func fixture() (journal.Campaign, []journal.Delivery) {
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	c := journal.Campaign{ID: "outage-1", Template: "outage", List: "p.csv", Provider: "sim", CreatedAt: at}
	ds := []journal.Delivery{
		{Seq: 0, Patients: []journal.Patient{{Row: 2, Name: "山田 花子", Phone: "090-1234-5601"}},
			To: "+819012345601", State: journal.Submitted, ProviderID: "SM1", UpdatedAt: at},
		{Seq: 1, Patients: []journal.Patient{{Row: 3, Name: "高橋 茂", Phone: "03-1234-5603"}},
			To: "+81312345603", State: journal.Skipped, Reason: "landline: cannot receive SMS"},
		{Seq: 2, Patients: []journal.Patient{{Row: 5, Name: "渡辺 美智子", Phone: "090-1234-5605"}, {Row: 4, Name: "渡辺 博", Phone: "090-1234-5605"}},
			To: "+819012345605", State: journal.Delivered, ProviderID: "SM2", UpdatedAt: at},
		{Seq: 3, Patients: []journal.Patient{{Row: 6, Name: "=HYPERLINK(\"x\")", Phone: "090-1234-5606"}},
			To: "+819012345606", State: journal.Failed, Reason: "invalid number", ErrorCode: "21211", UpdatedAt: at},
		{Seq: 4, Patients: []journal.Patient{{Row: 7, Name: "伊藤 正", Phone: "090-1234-5607"}},
			To: "+819012345607", State: journal.Pending},
	}
	return c, ds
}

func TestRowsGiveOnePatientPerRowInListOrder(t *testing.T) {
	_, ds := fixture()
	rows := Rows(ds)
	var got []int
	for _, r := range rows {
		got = append(got, r.Row)
	}
	if want := []int{2, 3, 4, 5, 6, 7}; !slices.Equal(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	if rows[2].SentWith != "row 5 (group of 2)" || rows[3].SentWith != "row 4 (group of 2)" || rows[2].MessageID != "SM2" ||
		rows[2].Group != 4 || rows[3].Group != 4 || rows[3].GroupSize != 2 {
		t.Errorf("a shared message must name the other rows it covered: %+v %+v", rows[2], rows[3])
	}
}

func TestCallListHoldsExactlyThePatientsNotReached(t *testing.T) {
	_, ds := fixture()
	var got []int
	for _, r := range CallList(ds, Options{}) {
		got = append(got, r.Row)
		if r.Reason == "" {
			t.Errorf("row %d has no reason", r.Row)
		}
	}
	if want := []int{3, 6, 7}; !slices.Equal(got, want) {
		t.Fatalf("call list rows %v, want %v", got, want)
	}
}

func TestCallListAddsMessagesNotDeliveredInTime(t *testing.T) {
	_, ds := fixture()
	ds[0].SendingAt = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	rows := CallList(ds, Options{Now: ds[0].SendingAt.Add(3 * time.Hour), NotDeliveredAfter: CallAfter{Default: 2 * time.Hour}})
	if len(rows) != 4 || rows[0].Row != 2 || rows[0].Reason != "not delivered 2 h after sending" {
		t.Fatalf("call list = %+v", rows)
	}
	// Delivered messages never go on the list, however old.
	for _, r := range rows {
		if r.Row == 4 || r.Row == 5 {
			t.Errorf("delivered row %d on the call list", r.Row)
		}
	}
}

// au stops retrying a phone that is off after about an hour; docomo keeps trying for days: with
// call_after {default: 2h, au: 70m} the au patient is on the list at 80 minutes, the docomo one not.
func TestCallAfterPerCarrier(t *testing.T) {
	_, ds := fixture()
	ds[0].SendingAt = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	ds[0].Carrier = "au"
	docomo := ds[0]
	docomo.Seq, docomo.Carrier, docomo.To = 9, "docomo", "+819011112222"
	docomo.Patients = []journal.Patient{{Row: 40, Name: "試験 花子", Phone: "090-1111-2222"}}
	ds = append(ds, docomo)
	after := CallAfter{Default: 2 * time.Hour, ByCarrier: map[string]time.Duration{"au": 70 * time.Minute}}
	rows := CallList(ds, Options{Now: ds[0].SendingAt.Add(80 * time.Minute), NotDeliveredAfter: after})
	var au, dc *CallRow
	for i := range rows {
		switch rows[i].Row {
		case 2:
			au = &rows[i]
		case 40:
			dc = &rows[i]
		}
	}
	if au == nil || au.Reason != "not delivered 1 h 10 min after sending" {
		t.Errorf("au row: %+v", au)
	}
	if dc != nil {
		t.Errorf("docomo row on the list after 80 minutes: %+v", dc)
	}
	rows = CallList(ds, Options{Now: ds[0].SendingAt.Add(2 * time.Hour), NotDeliveredAfter: after, Lang: LangJA})
	for _, r := range rows {
		if r.Row == 40 && r.Reason != "送信後2時間たっても届いていません" {
			t.Errorf("docomo row after 2 h: %q", r.Reason)
		}
	}
	if after.For("AU") != 70*time.Minute || after.For("") != 2*time.Hour {
		t.Errorf("For: %v %v", after.For("AU"), after.For(""))
	}
}

func TestWriteMakesOwnerOnlyFilesExcelCanOpen(t *testing.T) {
	c, ds := fixture()
	dir := filepath.Join(t.TempDir(), "new")
	p, err := Write(dir, c, ds, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{p.CSV, p.JSON, p.Call, dir} {
		if err := private.Check(f); err != nil {
			t.Error(err)
		}
	}
	data, _ := os.ReadFile(p.CSV)
	if !bytes.HasPrefix(data, []byte("\ufeffrow,name,phone,e164,state")) {
		t.Errorf("CSV must start with a BOM and the header:\n%s", data)
	}
	if !strings.Contains(string(data), `'=HYPERLINK`) {
		t.Errorf("a formula in a name must be neutralised:\n%s", data)
	}
	var js struct {
		Campaign string         `json:"campaign"`
		Counts   map[string]int `json:"counts"`
		Rows     []Row          `json:"rows"`
	}
	raw, _ := os.ReadFile(p.JSON)
	if err := json.Unmarshal(raw, &js); err != nil {
		t.Fatal(err)
	}
	if js.Campaign != "outage-1" || len(js.Rows) != 6 || js.Counts["delivered"] != 2 || js.Counts["skipped"] != 1 {
		t.Errorf("json report = %+v", js)
	}
}

func TestNeutralize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=1+2", "'=1+2"}, {"+819012345678", "'+819012345678"}, {"-5", "'-5"}, {"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"山田", "山田"}, {"", ""}, {"090-1234", "090-1234"},
	}
	for _, tt := range tests {
		if got := Neutralize(tt.in); got != tt.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTheReportNamesTheRouteAndTheCarrierOfEachMessage(t *testing.T) {
	c := journal.Campaign{ID: "c", Provider: "twilio"}
	ds := []journal.Delivery{
		{Patients: []journal.Patient{{Row: 2, Name: "a"}}, To: "+819000000001", State: journal.Delivered, ProviderID: "SM1"},
		{Patients: []journal.Patient{{Row: 3, Name: "b"}}, To: "+819000000002", State: journal.Submitted, ProviderID: "sc-1",
			Provider: "smsgate/sim2"},
		{Patients: []journal.Patient{{Row: 4, Name: "c"}}, To: "+819000000003", State: journal.Delivered, ProviderID: "k1",
			Provider: "karaden", Carrier: "au"},
		{Patients: []journal.Patient{{Row: 5, Name: "d"}}, State: journal.Skipped, Reason: "no phone number"},
	}
	var b bytes.Buffer
	if err := WriteFormat(&b, "-", "json", c, ds, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"provider": "twilio"`, `"provider": "smsgate/sim2"`, `"carrier": "au"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("JSON report lacks %s:\n%s", want, b.String())
		}
	}
}

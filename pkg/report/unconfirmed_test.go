package report

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/journal"
)

// ackFixture is the report's fixture as a campaign that asked for a reply, with IDs: row 2
// confirmed, rows 4 and 5 (one shared message) replied with something else, plus two delivered
// patients who have not replied (rows 8 and 9); rows 3 (landline), 6 (failed) and 7 (pending)
// were not reached.
func ackFixture() (journal.Campaign, []journal.Delivery, map[int64]Ack) {
	c, ds := fixture()
	at := c.CreatedAt
	ds = append(ds,
		journal.Delivery{Seq: 5, Patients: []journal.Patient{{Row: 9, Name: "中村 勇", Phone: "090-1234-5609"}}, To: "+819012345609", State: journal.Delivered},
		journal.Delivery{Seq: 6, Patients: []journal.Patient{{Row: 8, Name: "小林 節子", Phone: "090-1234-5608"}}, To: "+819012345608", State: journal.Sent},
	)
	for i := range ds {
		ds[i].ID = int64(i + 1)
	}
	acks := map[int64]Ack{
		1: {Status: AckConfirmed, ConfirmedAt: at.Add(3 * time.Minute)},
		2: {Status: AckUnreachable},
		3: {Status: AckReplied, Reply: "息子の車で行けません"},
		4: {Status: AckUnreachable},
		5: {Status: AckUnreachable},
		6: {Status: AckUnconfirmed},
		7: {Status: AckUnconfirmed},
	}
	return c, ds, acks
}

func TestTheUnconfirmedListIsMostUrgentFirst(t *testing.T) {
	_, ds, acks := ackFixture()
	rows := UnconfirmedList(ds, acks, Options{ByUrgency: true})
	var got []int
	var urg []Urgency
	for _, r := range rows {
		got = append(got, r.Row)
		urg = append(urg, r.Urgency)
	}
	// Not sent (failed 6, pending 7), a landline (3), then the reply to read (4, 5), then no reply (8, 9).
	if want := []int{6, 7, 3, 4, 5, 8, 9}; !slices.Equal(got, want) {
		t.Fatalf("rows %v, want %v (urgencies %v)", got, want, urg)
	}
	if rows[3].Urgency != Replied || !strings.Contains(rows[3].Reason, "息子の車で行けません") || rows[5].Urgency != NotConfirmed {
		t.Errorf("rows %+v", rows)
	}
}

func TestAConfirmationRemovesEvenAnUndeliveredPatientFromTheList(t *testing.T) {
	_, ds, acks := ackFixture()
	ds[3].State = journal.Undelivered
	acks[4] = Ack{Status: AckConfirmed, ConfirmedAt: time.Now()}
	for _, r := range UnconfirmedList(ds, acks, Options{}) {
		if r.Row == 6 {
			t.Fatal("a patient who confirmed is on the list")
		}
	}
}

func TestTheUnconfirmedFilesUseTheCallListFormat(t *testing.T) {
	c, ds, acks := ackFixture()
	dir := t.TempDir()
	p, err := WriteUnconfirmed(dir, c, ds, acks, Options{Lang: LangJA})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p.CSV, "outage-1-unconfirmed.csv") || !strings.HasSuffix(p.HTML, "outage-1-unconfirmed.html") {
		t.Errorf("paths %+v", p)
	}
	var call bytes.Buffer
	if err := WriteFormat(&call, "-", "call", c, ds, Options{Lang: LangJA}); err != nil {
		t.Fatal(err)
	}
	data := readFile(t, p.CSV)
	table := readCSV(t, data)
	if !slices.Equal(table[0], readCSV(t, call.Bytes())[0]) {
		t.Errorf("header %v is not the call list's", table[0])
	}
	if len(table) != 8 {
		t.Errorf("%d lines, want a header and 7 patients", len(table))
	}
	page := string(readFile(t, p.HTML))
	for _, want := range []string{"確認が取れていない方", "確認以外の返信があった方", "確認の返信がない方(2人)", "息子の車で行けません", "練習(シミュレーター)"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
}

func TestTheAckReportAddsConfirmedAtAndReplyToTheReport(t *testing.T) {
	c, ds, acks := ackFixture()
	var plain bytes.Buffer
	if err := WriteFormat(&plain, "-", "csv", c, ds, Options{}); err != nil {
		t.Fatal(err)
	}
	data, err := AckReportCSV(ds, acks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, table := readCSV(t, plain.Bytes()), readCSV(t, data)
	if got := strings.Join(table[0], ","); got != strings.Join(base[0], ",")+",ack,confirmed_at,reply" {
		t.Errorf("header %s", got)
	}
	if r := table[1]; r[0] != "2" || r[len(r)-3] != "confirmed" || r[len(r)-2] != "2026-11-21T09:03:00Z" {
		t.Errorf("row 2: %v", r)
	}
	if r := table[3]; r[0] != "4" || r[len(r)-3] != "replied" || r[len(r)-1] != "息子の車で行けません" {
		t.Errorf("row 4: %v", r)
	}
	ja, _ := AckReportCSV(ds, acks, Options{Lang: LangJA, Location: time.FixedZone("JST", 9*3600)})
	if r := readCSV(t, ja)[1]; r[len(r)-3] != "確認済み" || r[len(r)-2] != "2026/11/21 18:03" {
		t.Errorf("Japanese row 2: %v", r)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

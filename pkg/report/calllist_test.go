package report

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/internal/private"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/roster"
)

var allStates = []journal.State{journal.Pending, journal.Sending, journal.Submitted, journal.Sent, journal.Delivered,
	journal.Undelivered, journal.Failed, journal.Skipped, journal.Unknown}

var allClasses = []roster.Class{classAlreadyReceived, roster.Sendable, roster.Landline, roster.VoIP, roster.TollFree, roster.Pager,
	roster.Invalid, roster.Empty, roster.OptedOut, roster.Duplicate}

func TestEveryStateAndClassHasWordsInBothLanguages(t *testing.T) {
	for _, s := range allStates {
		if w := stateWords[s]; w.ja == "" || w.en == "" {
			t.Errorf("state %s: %+v", s, w)
		}
	}
	for _, c := range allClasses {
		if w := classWords[c]; w.ja == "" || w.en == "" {
			t.Errorf("class %s: %+v", c, w)
		}
	}
	for s, w := range reasonWords {
		if w.ja == "" || w.en == "" {
			t.Errorf("reason of %s: %+v", s, w)
		}
	}
	for u := NotSent; u <= NoNumber; u++ {
		if w := urgencyWords[u]; w.ja == "" || w.en == "" {
			t.Errorf("urgency %d: %+v", u, w)
		}
	}
	if len(classWords) != len(allClasses) || len(stateWords) != len(allStates) {
		t.Errorf("a class or state was added: give it words and add it to allClasses / allStates")
	}
}

// The journal keeps a skipped row's reason, not its class: the report reads the class back from
// the roster's own words.
func TestClassOfReasonReadsEveryRosterReason(t *testing.T) {
	list := "氏名,携帯\n" +
		"a,090-1234-5601\n" + // sendable
		"b,03-1234-5602\n" + // landline
		"c,050-1234-5603\n" + // voip
		"d,0120-123-456\n" + // toll-free
		"e,020-4123-4567\n" + // pager
		"f,090-1234-56\n" + // invalid: too few digits
		"g,0570-123-456\n" + // invalid: 0570
		"h,電話なし\n" + // not a phone number
		"i,9.01235E+09\n" + // Excel damage
		"j,\n" + // empty
		"k,090-1234-5699\n" + // opted out
		"l,090-1234-5601\n" // duplicate
	seen := map[roster.Class]bool{}
	_, err := roster.ScanReader(strings.NewReader(list), "p.csv", roster.Options{OptOut: func(e string) bool { return e == "+819012345699" }},
		func(r roster.Row) error {
			seen[r.Class] = true
			if r.Class == roster.Sendable {
				return nil
			}
			if got := classOfReason(r.Reason); got != r.Class {
				t.Errorf("row %d: %q reads as %s, want %s", r.Row, r.Reason, got, r.Class)
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if got := classOfReason("already received this message at 12-02 10:01 (campaign outage-1)"); got != classAlreadyReceived {
		t.Errorf("a repeat reads as %s", got)
	}
	seen[classAlreadyReceived] = true // the campaign layer's, not the roster's
	if len(seen) != len(allClasses) {
		t.Errorf("the list covers %d classes, want all %d: %v", len(seen), len(allClasses), seen)
	}
}

func readCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("\ufeff")) {
		t.Fatalf("no BOM:\n%s", data)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestTheEnglishReportIsAsBeforeWithTheRouteAndCarrier(t *testing.T) {
	c, ds := fixture()
	var b bytes.Buffer
	if err := WriteFormat(&b, "-", "csv", c, ds, Options{}); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, b.Bytes())
	if got := strings.Join(rows[0], ","); got != "row,name,phone,e164,state,reason,error_code,message_id,time,sent_with,provider,carrier" {
		t.Errorf("header %s", got)
	}
	if got := strings.Join(rows[2], ","); got != "3,高橋 茂,03-1234-5603,'+81312345603,skipped,landline: cannot receive SMS,,,,,," {
		t.Errorf("row 3: %s", got)
	}
	b.Reset()
	if err := WriteFormat(&b, "-", "call", c, ds, Options{}); err != nil {
		t.Fatal(err)
	}
	calls := readCSV(t, b.Bytes())
	want := [][]string{
		{"row", "name", "phone", "reason", "called", "called_at", "memo"},
		{"3", "高橋 茂", "03-1234-5603", "landline: cannot receive SMS", "", "", ""},
		{"6", "'=HYPERLINK(\"x\")", "090-1234-5606", "invalid number", "", "", ""},
		{"7", "伊藤 正", "090-1234-5607", "not sent yet: the run stopped before this message", "", "", ""},
	}
	if !slices.EqualFunc(calls, want, slices.Equal) {
		t.Errorf("call list\n got %q\nwant %q", calls, want)
	}
}

func TestTheJapaneseReportReadsAsPlainWords(t *testing.T) {
	c, ds := fixture()
	ds = append(ds,
		journal.Delivery{Seq: 5, Patients: []journal.Patient{{Row: 8, Name: "小林 節子"}}, State: journal.Skipped, Reason: "no phone number"},
		journal.Delivery{Seq: 6, Patients: []journal.Patient{{Row: 9, Name: "中村 勇", Phone: "090-1234-5609"}}, To: "+819012345609",
			State: journal.Undelivered, Reason: "Unknown destination handset", ErrorCode: "30005"},
	)
	var b bytes.Buffer
	opt := Options{Lang: LangJA, Location: time.FixedZone("JST", 9*3600)}
	if err := WriteFormat(&b, "-", "csv", c, ds, opt); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, b.Bytes())
	if got := strings.Join(rows[0], ","); got != "行,氏名,電話番号,送信先,状態,理由,詳細,エラーコード,メッセージID,時刻,同じ送信,送信経路,携帯会社" {
		t.Errorf("header %s", got)
	}
	byRow := map[string][]string{}
	for _, r := range rows[1:] {
		byRow[r[0]] = r
	}
	for _, tt := range []struct{ row, state, reason string }{
		{"2", "送信済み", ""},
		{"3", "送信していません", "固定電話のためSMS不可"},
		{"4", "届きました", ""},
		{"6", "送信できませんでした", "送信できませんでした"},
		{"7", "未送信", "未送信(送信が途中で止まりました)"},
		{"8", "送信していません", "番号なし"},
		{"9", "届いていません", "圏外・電源オフの可能性"},
	} {
		r := byRow[tt.row]
		if r == nil || r[4] != tt.state || r[5] != tt.reason {
			t.Errorf("row %s = %q; want state %s, reason %s", tt.row, r, tt.state, tt.reason)
		}
	}
	if r := byRow["9"]; r[6] != "Unknown destination handset" || r[7] != "30005" {
		t.Errorf("詳細 must keep the provider's words and code: %q", r)
	}
	if r := byRow["2"]; r[9] != "2026/11/21 18:00" {
		t.Errorf("time %q, want Japan time as Excel reads it", r[9])
	}
	if r := byRow["4"]; r[10] != "5行目と同じ送信(2行で1通)" {
		t.Errorf("同じ送信 %q", r[10])
	}
}

// clinicList is a list as a clinic keeps it, with every kind of column the call list shows.
const clinicList = "カルテ番号,氏名,フリガナ,携帯,自宅,緊急連絡先,備考,透析曜日,担当\n" +
	"K-002,山田 花子,ヤマダ ハナコ,090-1234-5601,,090-9999-0002,,月水金,佐藤\n" +
	"K-003,高橋 茂,タカハシ シゲル,,03-1234-5603,090-9999-0003(長女),耳が遠い,火木土,鈴木\n" +
	"K-004,渡辺 博,ワタナベ ヒロシ,090-1234-5604,,,,月水金,佐藤\n" +
	"K-005,小林 節子,コバヤシ セツコ,,,03-9999-0005(夫),,火木土,鈴木\n" +
	"K-006,伊藤 正,イトウ タダシ,090-1234-56,03-1234-5606,,,月水金,佐藤\n" +
	"K-007,中村 勇,ナカムラ イサム,090-1234-5607,,,,火木土,鈴木\n"

func clinicContacts(t *testing.T, columns ...string) (*Contacts, []roster.MissingColumn) {
	t.Helper()
	var l roster.List
	meta, err := roster.ScanReader(strings.NewReader(clinicList), "patients.csv", roster.Options{}, func(r roster.Row) error {
		l.Rows = append(l.Rows, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l.Path, l.Header, l.NameColumn = meta.Path, meta.Header, meta.NameColumn
	l.NumberColumns, l.IDColumn, l.KanaColumn, l.NotesColumn = meta.NumberColumns, meta.IDColumn, meta.KanaColumn, meta.NotesColumn
	return ContactsFromList(&l, columns)
}

func clinicDeliveries() []journal.Delivery {
	p := func(row int, name, phone, col string) []journal.Patient {
		return []journal.Patient{{Row: row, Name: name, Phone: phone, Column: col}}
	}
	return []journal.Delivery{
		{Seq: 0, Patients: p(2, "山田 花子", "090-1234-5601", "携帯"), State: journal.Undelivered, Reason: "Unreachable destination handset"},
		{Seq: 1, Patients: p(3, "高橋 茂", "03-1234-5603", "自宅"), State: journal.Skipped, Reason: "landline: cannot receive SMS"},
		{Seq: 2, Patients: p(4, "渡辺 博", "090-1234-5604", "携帯"), State: journal.Delivered},
		{Seq: 3, Patients: p(5, "小林 節子", "", "携帯"), State: journal.Skipped, Reason: "no phone number"},
		{Seq: 4, Patients: p(6, "伊藤 正", "03-1234-5606", "自宅"), State: journal.Skipped,
			Reason: "landline: cannot receive SMS (携帯: invalid number: too few digits)"},
		{Seq: 5, Patients: p(7, "中村 勇", "090-1234-5607", "携帯"), State: journal.Failed, Reason: "carrier violation"},
	}
}

func TestTheCallListIsMadeForPhoning(t *testing.T) {
	contacts, missing := clinicContacts(t, "透析曜日", "送迎", "氏名", "備考")
	if len(missing) != 1 || missing[0].Name != "送迎" || !strings.Contains(missing[0].String(), `"担当"`) {
		t.Errorf("a call_list_columns entry the list lacks must warn with the list's headers: %+v", missing)
	}
	if !slices.Equal(contacts.Extra, []string{"透析曜日"}) {
		t.Errorf("extra columns %q: columns already shown are not repeated", contacts.Extra)
	}
	rows := CallList(clinicDeliveries(), Options{Lang: LangJA, ByUrgency: true, Contacts: contacts})
	data, err := callCSV(rows, Options{Lang: LangJA, Contacts: contacts})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"行", "カルテ番号", "氏名", "フリガナ", "携帯", "自宅", "緊急連絡先", "理由", "備考", "透析曜日", "連絡済", "連絡時刻", "メモ"},
		{"7", "K-007", "中村 勇", "ナカムラ イサム", "090-1234-5607", "", "", "送信できませんでした", "", "火木土", "", "", ""},
		{"2", "K-002", "山田 花子", "ヤマダ ハナコ", "090-1234-5601", "", "090-9999-0002", "圏外・電源オフの可能性", "", "月水金", "", "", ""},
		{"3", "K-003", "高橋 茂", "タカハシ シゲル", "", "03-1234-5603", "090-9999-0003(長女)", "固定電話のためSMS不可", "耳が遠い", "火木土", "", "", ""},
		{"6", "K-006", "伊藤 正", "イトウ タダシ", "090-1234-56", "03-1234-5606", "", "固定電話のためSMS不可", "", "月水金", "", "", ""},
		{"5", "K-005", "小林 節子", "コバヤシ セツコ", "", "", "03-9999-0005(夫)", "番号なし", "", "火木土", "", "", ""},
	}
	if got := readCSV(t, data); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("call list\n got %q\nwant %q", got, want)
	}
}

func TestTheCallListOrdersByUrgency(t *testing.T) {
	ds := clinicDeliveries()
	ds = append(ds,
		journal.Delivery{Seq: 6, Patients: []journal.Patient{{Row: 8, Name: "a", Phone: "090-1"}}, State: journal.Skipped, Reason: "invalid number"},
		journal.Delivery{Seq: 7, Patients: []journal.Patient{{Row: 9, Name: "b", Phone: "090-2"}}, State: journal.Unknown},
		journal.Delivery{Seq: 8, Patients: []journal.Patient{{Row: 10, Name: "c", Phone: "090-3"}}, State: journal.Pending},
		journal.Delivery{Seq: 9, Patients: []journal.Patient{{Row: 11, Name: "d", Phone: "090-4"}}, State: journal.Skipped, Reason: "opted out"},
		journal.Delivery{Seq: 10, Patients: []journal.Patient{{Row: 12, Name: "e", Phone: "050-5"}}, State: journal.Skipped,
			Reason: "IP phone (VoIP) number: cannot receive SMS"},
	)
	var got []int
	for _, r := range CallList(ds, Options{ByUrgency: true}) {
		got = append(got, r.Row)
	}
	// Not sent or failed; undelivered; unknown; landline, opted out, IP phone; invalid; empty.
	if want := []int{7, 10, 2, 9, 3, 6, 11, 12, 8, 5}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	got = got[:0]
	for _, r := range CallList(ds, Options{}) {
		got = append(got, r.Row)
	}
	if !slices.IsSorted(got) {
		t.Errorf("without ByUrgency the call list is in list order: %v", got)
	}
}

func TestAnEditedListIsNotTrustedForARow(t *testing.T) {
	contacts, _ := clinicContacts(t)
	ds := []journal.Delivery{{Patients: []journal.Patient{{Row: 3, Name: "別の 患者", Phone: "03-1234-5603", Column: "自宅"}},
		State: journal.Skipped, Reason: "landline: cannot receive SMS"}}
	rows := CallList(ds, Options{Contacts: contacts})
	if r := rows[0]; r.ID != "" || r.number("緊急連絡先") != "" || r.number("自宅") != "03-1234-5603" {
		t.Errorf("a row whose name changed must show only what the journal has: %+v", r)
	}
}

func TestTheCallListPageIsPrintable(t *testing.T) {
	contacts, _ := clinicContacts(t, "透析曜日")
	c := journal.Campaign{ID: "outage-1", Template: "outage", Provider: "twilio", CreatedAt: time.Date(2026, 11, 21, 0, 5, 0, 0, time.UTC)}
	ds := clinicDeliveries()
	ds = append(ds, journal.Delivery{Patients: []journal.Patient{{Row: 20, Name: "<script>alert(1)</script>"}},
		State: journal.Skipped, Reason: "no phone number"})
	opt := Options{Lang: LangJA, Contacts: contacts, Now: time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC), Location: time.FixedZone("JST", 9*3600)}
	page, err := CallListHTML(c, CallList(ds, opt), opt)
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{`<html lang="ja">`, "size: A4", "電話連絡リスト", "outage-1", "送信開始: 2026/11/21 09:05",
		"作成: 2026/11/21 12:00", "電話する方: 6人", "送信できていない方(1人)", "番号のない方(2人)", "緊急連絡先",
		"090-9999-0003(長女)", "タカハシ", "耳が遠い", "□", "&lt;script&gt;"} {
		if !strings.Contains(s, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	for _, bad := range []string{"<script>", "http:", "https:", "<link", "@import", "src=", "url("} {
		if strings.Contains(s, bad) {
			t.Errorf("the page contains %q: it must load nothing and run nothing", bad)
		}
	}
	if strings.Index(s, "中村 勇") > strings.Index(s, "山田 花子") || strings.Index(s, "山田 花子") > strings.Index(s, "小林 節子") {
		t.Errorf("the page must list the most urgent first")
	}
	en, _ := CallListHTML(journal.Campaign{ID: "drill", Provider: "sim"}, nil, Options{})
	if !strings.Contains(string(en), "Nobody to call.") || !strings.Contains(string(en), "no real SMS was sent") {
		t.Errorf("an empty English page:\n%s", en)
	}
}

func TestWriteAlsoWritesThePageToPrint(t *testing.T) {
	c, ds := fixture()
	dir := t.TempDir()
	p, err := Write(dir, c, ds, Options{Lang: LangJA})
	if err != nil {
		t.Fatal(err)
	}
	if p.CallHTML != filepath.Join(dir, "outage-1-call.html") {
		t.Errorf("page at %s", p.CallHTML)
	}
	if err := private.Check(p.CallHTML); err != nil {
		t.Fatalf("page: %v", err)
	}
	data, _ := os.ReadFile(p.Call)
	if !bytes.HasPrefix(data, []byte("\ufeff行,氏名,電話番号,理由,連絡済,連絡時刻,メモ\n")) {
		t.Errorf("Japanese call list:\n%s", data)
	}
}

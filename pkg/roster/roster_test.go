package roster

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func load(t *testing.T, path string, opts Options) *List {
	t.Helper()
	l, err := Load(path, opts)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	return l
}

func rowByNumber(t *testing.T, l *List, n int) Row {
	t.Helper()
	for _, r := range l.Rows {
		if r.Row == n {
			return r
		}
	}
	t.Fatalf("%s has no row %d", l.Path, n)
	return Row{}
}

func TestTheSameListInEveryEncodingGivesIdenticalRows(t *testing.T) {
	want := load(t, "testdata/clinic.utf8.csv", Options{})
	for _, tc := range []struct{ file, encoding string }{
		{"testdata/clinic.utf8.csv", EncodingUTF8},
		{"testdata/clinic.utf8bom.csv", EncodingUTF8BOM},
		{"testdata/clinic.cp932.csv", EncodingCP932},
	} {
		got := load(t, tc.file, Options{})
		if got.Encoding != tc.encoding {
			t.Errorf("%s: encoding %q, want %q", tc.file, got.Encoding, tc.encoding)
		}
		if !reflect.DeepEqual(got.Rows, want.Rows) {
			t.Errorf("%s: rows differ from the UTF-8 list:\n got %+v\nwant %+v", tc.file, got.Rows, want.Rows)
		}
		if !reflect.DeepEqual(got.Header, want.Header) || got.PhoneColumn != want.PhoneColumn || got.NameColumn != want.NameColumn {
			t.Errorf("%s: header %q phone %q name %q, want %q %q %q", tc.file,
				got.Header, got.PhoneColumn, got.NameColumn, want.Header, want.PhoneColumn, want.NameColumn)
		}
	}
}

func TestEveryRowOfTheClinicListIsClassified(t *testing.T) {
	l := load(t, "testdata/clinic.cp932.csv", Options{})
	if l.PhoneColumn != "携帯電話" || l.NameColumn != "氏名" || l.Delimiter != ',' || l.BlankRows != 1 {
		t.Fatalf("phone %q name %q delimiter %q blank %d", l.PhoneColumn, l.NameColumn, l.Delimiter, l.BlankRows)
	}
	tests := []struct {
		name   string
		row    int
		class  Class
		e164   string
		reason string
	}{
		{"a hyphenated mobile number is sendable", 2, Sendable, "+819012345601", ""},
		{"a row with a line break in a quoted note is still one row", 3, Sendable, "+818012345602", ""},
		{"a Tokyo landline goes to the call list", 4, Landline, "+81312345603", "landline: cannot receive SMS"},
		{"full-width digits and hyphens are normalised", 5, Sendable, "+819012345604", ""},
		{"katakana long vowel marks used as hyphens are normalised", 6, Sendable, "+819012345605", ""},
		{"a mobile number whose leading zero Excel dropped is repaired", 7, Sendable, "+819012345606", ""},
		{"scientific notation is Excel damage, never guessed", 8, Invalid, "", "Excel turned the number into 9.01E+09: fix the cell"},
		{"a note in brackets after the number is ignored", 9, Sendable, "+819012345608", ""},
		{"a 050 number is VoIP", 10, VoIP, "+815012345609", "IP phone (VoIP) number: cannot receive SMS"},
		{"a 0120 number is toll-free", 11, TollFree, "+81120123456", "toll-free number: cannot receive SMS"},
		{"a 0800 number is toll-free", 12, TollFree, "+818001234567", "toll-free number: cannot receive SMS"},
		{"a 020 number is a pager", 13, Pager, "+812012345612", "pager number: cannot receive SMS"},
		{"a blank phone cell is empty", 14, Empty, "", "no phone number"},
		{"a number seen on an earlier row is a duplicate", 15, Duplicate, "+819012345601", "same number as row 2"},
		{"a number with too few digits is invalid", 16, Invalid, "", "invalid number"},
		{"a US mobile with its country code is sendable", 17, Sendable, "+12025550116", ""},
		{"a quoted note with commas and doubled quotes is read whole", 18, Sendable, "+817012345617", ""},
		{"ideographic spaces around the number are trimmed, and blank lines count as rows", 21, Sendable, "+819012345618", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rowByNumber(t, l, tc.row)
			if r.Class != tc.class || r.E164 != tc.e164 || r.Reason != tc.reason {
				t.Errorf("row %d: class %q e164 %q reason %q; want %q %q %q", tc.row, r.Class, r.E164, r.Reason, tc.class, tc.e164, tc.reason)
			}
		})
	}
	if got := rowByNumber(t, l, 15).DuplicateOf; got != 2 {
		t.Errorf("row 15 DuplicateOf = %d, want 2", got)
	}
	r := rowByNumber(t, l, 18)
	if r.Fields["備考"] != `カンマ, と "引用符"` || r.Name != "林 修" || r.Fields["患者ID"] != "1017" || r.PhoneColumn != "携帯電話" {
		t.Errorf("row 18 fields %q name %q column %q", r.Fields, r.Name, r.PhoneColumn)
	}
	if got := rowByNumber(t, l, 3).Fields["備考"]; got != "透析: 月水金\n午前" {
		t.Errorf("row 3 note %q: the line break inside quotes must be kept (as LF)", got)
	}
	if got := len(l.Rows); got != 18 {
		t.Errorf("%d rows, want 18 (the blank row is skipped, not a patient)", got)
	}
}

func TestRowNumbersAreTheOnesExcelShows(t *testing.T) {
	// Line 1 blank, header on line 2, a blank line, a patient, a patient whose name spans two
	// lines inside quotes, two blank lines, a patient: Excel shows them on rows 2, 4, 5 and 8.
	l := load(t, "testdata/blank_lines.csv", Options{})
	var got []int
	for _, r := range l.Rows {
		got = append(got, r.Row)
	}
	if want := []int{4, 5, 8}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	if l.Rows[1].Name != "佐藤\n太郎" {
		t.Errorf("name %q", l.Rows[1].Name)
	}
}

func TestSeveralPhoneColumnsUseTheFirstMobileNumberInEachRow(t *testing.T) {
	l := load(t, "testdata/two_phones.csv", Options{})
	if !reflect.DeepEqual(l.PhoneColumns, []string{"携帯", "自宅"}) {
		t.Fatalf("phone columns %q, want 携帯 then 自宅", l.PhoneColumns)
	}
	tests := []struct {
		name   string
		row    int
		class  Class
		column string
		phone  string
		reason string
	}{
		{"the mobile column wins when it holds a mobile number", 2, Sendable, "携帯", "090-1234-5601", ""},
		{"a row with only a home number goes to the call list with it", 3, Landline, "自宅", "03-1234-5602", "landline: cannot receive SMS"},
		{"a mobile number in the home column is still used", 4, Sendable, "自宅", "090-1234-5603", ""},
		{"a broken mobile number is mentioned next to the landline", 5, Landline, "自宅", "03-1234-5604", "landline: cannot receive SMS (携帯: invalid number)"},
		{"a row with no number at all is empty", 6, Empty, "携帯", "", "no phone number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rowByNumber(t, l, tc.row)
			if r.Class != tc.class || r.PhoneColumn != tc.column || r.Phone != tc.phone || r.Reason != tc.reason {
				t.Errorf("row %d: %q %q %q %q; want %q %q %q %q", tc.row, r.Class, r.PhoneColumn, r.Phone, r.Reason,
					tc.class, tc.column, tc.phone, tc.reason)
			}
		})
	}
}

func TestNameAndPhoneColumnsAreFoundByHeader(t *testing.T) {
	t.Run("姓 and 名 are joined and a full-width ＴＥＬ header is a phone column", func(t *testing.T) {
		l := load(t, "testdata/split_names.csv", Options{})
		if l.NameColumn != "姓+名" || l.PhoneColumn != "ＴＥＬ" || l.Encoding != EncodingCP932 {
			t.Fatalf("name %q phone %q encoding %q", l.NameColumn, l.PhoneColumn, l.Encoding)
		}
		if l.Rows[0].Name != "山田 花子" || l.Rows[2].Name != "鈴木" {
			t.Errorf("names %q, %q", l.Rows[0].Name, l.Rows[2].Name)
		}
	})
	t.Run("English headers with a US region", func(t *testing.T) {
		l := load(t, "testdata/english_us.csv", Options{Region: "us"})
		if l.NameColumn != "First Name+Last Name" || l.PhoneColumn != "Mobile Phone" {
			t.Fatalf("name %q phone %q", l.NameColumn, l.PhoneColumn)
		}
		want := []struct {
			name  string
			class Class
			e164  string
		}{
			{"Ann Lee", Sendable, "+12025550101"},
			{"Bob Kim", Sendable, "+12025550102"},
			{"Cara Diaz", Sendable, "+12025550103"},
			{"Dan Ito", Invalid, ""},
			{"Eve Ng", Sendable, "+819012345605"},
			{"Fay Orr", TollFree, "+18005550106"},
		}
		for i, w := range want {
			r := l.Rows[i]
			if r.Name != w.name || r.Class != w.class || r.E164 != w.e164 {
				t.Errorf("row %d: %q %q %q, want %q %q %q", r.Row, r.Name, r.Class, r.E164, w.name, w.class, w.e164)
			}
		}
	})
	t.Run("options name the columns, matched like aliases", func(t *testing.T) {
		l := load(t, "testdata/clinic.utf8.csv", Options{PhoneColumn: "携帯電話", NameColumn: "患者ID"})
		if l.NameColumn != "患者ID" || l.Rows[0].Name != "1001" {
			t.Errorf("name column %q, first name %q", l.NameColumn, l.Rows[0].Name)
		}
		l = load(t, "testdata/split_names.csv", Options{PhoneColumn: "tel", NameColumn: "名+姓"})
		if l.PhoneColumn != "ＴＥＬ" || l.Rows[0].Name != "花子 山田" {
			t.Errorf("phone column %q, first name %q", l.PhoneColumn, l.Rows[0].Name)
		}
	})
}

func TestHeaderMatchingIgnoresCaseWidthSpacesAndNumbering(t *testing.T) {
	tests := []struct {
		header string
		phone  bool
	}{
		{"TEL", true}, {"ＴＥＬ", true}, {"Tel.", true}, {"Mobile Phone", true}, {"mobile_phone", true},
		{"携帯 電話", true}, {"携帯電話番号", true}, {"電話番号１", true}, {"Phone Number", true}, {"ｹｰﾀｲ", true},
		{"緊急連絡先", false}, {"住所", false}, {"phone memo", false},
	}
	for _, tc := range tests {
		found := false
		k := headerKey(tc.header)
		for _, tier := range phoneTiers {
			for _, a := range tier {
				found = found || a == k
			}
		}
		if found != tc.phone {
			t.Errorf("%q (as %q): phone column %v, want %v", tc.header, k, found, tc.phone)
		}
	}
}

func TestBlankAndRepeatedHeadersGetUsableFieldNames(t *testing.T) {
	got := fieldKeys([]string{" 氏名 ", "", "備考", "備考", "電話番号"})
	want := []string{"氏名", "column B", "備考", "備考 (2)", "電話番号"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fieldKeys = %q, want %q", got, want)
	}
	if columnLetter(27) != "AB" {
		t.Errorf("columnLetter(27) = %q", columnLetter(27))
	}
}

func TestTabSeparatedListsAreDetected(t *testing.T) {
	for _, tc := range []struct{ file, encoding string }{
		{"testdata/clinic.tsv", EncodingUTF8},
		{"testdata/clinic.utf16.txt", EncodingUTF16LE},
	} {
		l := load(t, tc.file, Options{})
		if l.Delimiter != '\t' || l.Encoding != tc.encoding || l.PhoneColumn != "電話番号" {
			t.Errorf("%s: delimiter %q encoding %q phone %q", tc.file, l.Delimiter, l.Encoding, l.PhoneColumn)
			continue
		}
		var classes []Class
		for _, r := range l.Rows {
			classes = append(classes, r.Class)
		}
		if want := []Class{Sendable, Landline, VoIP, Sendable}; !reflect.DeepEqual(classes, want) {
			t.Errorf("%s: classes %v, want %v", tc.file, classes, want)
		}
		if l.Rows[0].Fields["備考"] != "透析\t月水金" || l.Rows[1].Fields["備考"] != "家族に連絡\n夜間のみ" {
			t.Errorf("%s: notes %q %q", tc.file, l.Rows[0].Fields["備考"], l.Rows[1].Fields["備考"])
		}
	}
}

func TestOptedOutNumbersAreNotSendable(t *testing.T) {
	var asked []string
	l := load(t, "testdata/clinic.utf8.csv", Options{OptOut: func(e164 string) bool {
		asked = append(asked, e164)
		return e164 == "+818012345602" || e164 == "+819012345601"
	}})
	r := rowByNumber(t, l, 3)
	if r.Class != OptedOut || r.Reason != "opted out" {
		t.Errorf("row 3: %q %q, want opted out", r.Class, r.Reason)
	}
	// Both rows holding an opted-out number are opted out, not one of them a duplicate.
	for _, n := range []int{2, 15} {
		if r := rowByNumber(t, l, n); r.Class != OptedOut {
			t.Errorf("row %d: %q, want opted out", n, r.Class)
		}
	}
	for _, e := range asked {
		if !strings.HasPrefix(e, "+") {
			t.Errorf("OptOut called with %q, want E.164", e)
		}
	}
}

func TestTrailingEmptyCellsAreAcceptedButShiftedCellsAreNot(t *testing.T) {
	l := load(t, "testdata/trailing_commas.csv", Options{})
	if len(l.Rows) != 2 || l.Rows[0].Class != Sendable {
		t.Errorf("rows %+v", l.Rows)
	}
}

func TestAListWithNoSendableNumberLoadsButCheckSaysSo(t *testing.T) {
	l := load(t, "testdata/all_invalid.csv", Options{})
	for _, r := range l.Rows {
		if r.Class != Invalid {
			t.Errorf("row %d: %q, want invalid", r.Row, r.Class)
		}
	}
	rep, err := Check("testdata/all_invalid.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Sendable != 0 || len(rep.Warnings) != 1 || len(rep.Problems) != 4 {
		t.Errorf("OK %v sendable %d warnings %q problems %d", rep.OK(), rep.Sendable, rep.Warnings, len(rep.Problems))
	}
}

func TestErrorsNameTheFileAndRowAndSayWhatToDo(t *testing.T) {
	e := &Error{Path: "patients.csv", Row: 7, Msg: "unterminated quoted field", Hint: "close the quote or re-export the file"}
	if got, want := e.Error(), "patients.csv row 7: unterminated quoted field: close the quote or re-export the file"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &Error{Path: "patients.csv", Msg: "the file is empty"}
	if got, want := e.Error(), "patients.csv: the file is empty"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestBadListsGiveOneClearError(t *testing.T) {
	tests := []struct {
		name string
		file string
		opts Options
		want string
	}{
		{"an empty file", "empty.csv", Options{},
			"testdata/empty.csv: the file is empty: export the patient list again, with a header row and one row per patient"},
		{"a file with only a byte-order mark", "bom_only.csv", Options{},
			"testdata/bom_only.csv: the file is empty: export the patient list again, with a header row and one row per patient"},
		{"a header and no patients", "header_only.csv", Options{},
			"testdata/header_only.csv: the list has a header but no patient rows: add one row per patient below the header, or check that this is the right file"},
		{"a header and only blank rows", "header_blank_rows.csv", Options{},
			"testdata/header_blank_rows.csv: the list has a header but no patient rows: add one row per patient below the header, or check that this is the right file"},
		{"no header row", "no_header.csv", Options{},
			"testdata/no_header.csv row 1: the first row looks like a patient, not a header: add a header row such as 氏名,電話番号 above the first patient, or re-export the list with headers"},
		{"no phone column", "no_phone_column.csv", Options{},
			`testdata/no_phone_column.csv row 1: no phone column; the headers are "氏名", "住所", "備考": name the column 電話番号 or 携帯, or pass --phone-column HEADER`},
		{"an unknown --phone-column", "clinic.utf8.csv", Options{PhoneColumn: "phone2"},
			`testdata/clinic.utf8.csv row 1: no column "phone2"; the headers are "患者ID", "氏名", "携帯電話", "備考": pass one of them to --phone-column`},
		{"an unknown --name-column", "clinic.utf8.csv", Options{NameColumn: "氏名カナ"},
			`testdata/clinic.utf8.csv row 1: no column "氏名カナ"; the headers are "患者ID", "氏名", "携帯電話", "備考": pass one of them to --name-column (join two with +, e.g. 姓+名)`},
		{"a row with a comma in an unquoted name", "ragged_more.csv", Options{},
			"testdata/ragged_more.csv row 3: the row has 3 cells but the header has 2: a comma inside a name or note needs the cell in quotes: fix the row or re-export the list from Excel as CSV"},
		{"a row broken by an unquoted line break", "ragged_fewer.csv", Options{},
			"testdata/ragged_fewer.csv row 3: the row has 1 cell but the header has 3: a line break inside a cell needs the cell in quotes: fix the row or re-export the list from Excel as CSV"},
		{"a quote that is never closed", "unterminated_quote.csv", Options{},
			"testdata/unterminated_quote.csv row 7: unterminated quoted field: close the quote or re-export the file"},
		{"a quote mark inside an unquoted cell", "bare_quote.csv", Options{},
			`testdata/bare_quote.csv row 3: a quote mark (") inside a cell that does not start with one: put the whole cell in quotes and double the quote mark (""), or re-export the list from Excel as CSV`},
		{"an Excel workbook", "workbook.xlsx", Options{},
			"testdata/workbook.xlsx: this is an Excel workbook (.xlsx) or another zip file, not a CSV list: in Excel choose File > Save As > CSV and use that file"},
		{"a file with NUL bytes", "nul-bytes.csv", Options{},
			"testdata/nul-bytes.csv: this is a binary file, not a CSV list: in Excel choose File > Save As > CSV and use that file"},
		{"bytes that are not CP932", "bad_cp932.csv", Options{},
			"testdata/bad_cp932.csv row 3: bytes that are not Shift_JIS (CP932) text: the file is damaged or mixes encodings: re-export it, or pass --encoding utf-8 if it is UTF-8"},
		{"a CP932 list read as UTF-8 on request", "clinic.cp932.csv", Options{Encoding: "UTF-8"},
			"testdata/clinic.cp932.csv row 1: the file is not UTF-8: it looks like CP932 (Shift_JIS): drop --encoding to detect it, or use --encoding cp932"},
		{"an unknown encoding", "clinic.utf8.csv", Options{Encoding: "latin1"},
			`testdata/clinic.utf8.csv: unknown encoding "latin1": use utf-8, cp932 (Shift_JIS) or utf-16le, or leave it out to detect it`},
		{"an unknown region", "clinic.utf8.csv", Options{Region: "XX"},
			`testdata/clinic.utf8.csv: unknown region "XX": use a two-letter country code such as JP or US`},
		{"a missing file", "nope.csv", Options{},
			"testdata/nope.csv: no such file: check the path and the file name"},
		{"a folder", ".", Options{},
			"testdata/.: this is a folder, not a list: name the CSV file inside it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("testdata/"+tc.file, tc.opts)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *roster.Error", err, err)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %q\nwant %q", err.Error(), tc.want)
			}
		})
	}
}

func TestForcedEncodingsAreAccepted(t *testing.T) {
	for _, enc := range []string{"cp932", "Shift_JIS", "sjis", "windows-31j"} {
		l := load(t, "testdata/clinic.cp932.csv", Options{Encoding: enc})
		if l.Encoding != EncodingCP932 || len(l.Rows) != 18 {
			t.Errorf("%s: encoding %q, %d rows", enc, l.Encoding, len(l.Rows))
		}
	}
	l := load(t, "testdata/clinic.utf8bom.csv", Options{Encoding: "utf-8"})
	if l.Header[0] != "患者ID" {
		t.Errorf("the BOM must be stripped even when utf-8 is forced: header %q", l.Header[0])
	}
}

func TestTheOptOutFileIsReadLikeAList(t *testing.T) {
	got, err := LoadOptOut("testdata/optout.txt", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"+819012345602", "+819012345601", "+818012345603"}; !reflect.DeepEqual(got, want) {
		t.Errorf("LoadOptOut = %q, want %q", got, want)
	}
	_, err = LoadOptOut("testdata/optout_bad.txt", "JP")
	if want := "testdata/optout_bad.txt row 2: \"なし\": not a phone number: fix or remove the line"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	if got, err := LoadOptOut("testdata/empty.csv", "JP"); err != nil || len(got) != 0 {
		t.Errorf("an empty opt-out file: %q %v", got, err)
	}
}

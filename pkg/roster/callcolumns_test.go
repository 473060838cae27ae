package roster

import (
	"reflect"
	"strings"
	"testing"
)

func readString(t *testing.T, csv string, opts Options) *List {
	t.Helper()
	var rows []Row
	meta, err := ScanReader(strings.NewReader(csv), "patients.csv", opts, func(r Row) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &List{Path: meta.Path, Header: meta.Header, Rows: rows, PhoneColumn: meta.PhoneColumn,
		NumberColumns: meta.NumberColumns, IDColumn: meta.IDColumn, KanaColumn: meta.KanaColumn, NotesColumn: meta.NotesColumn}
}

func TestEveryNumberStaffCouldDialIsKeptWithItsColumn(t *testing.T) {
	l := readString(t, "カルテ番号,氏名,フリガナ,携帯,自宅,緊急連絡先,備考,担当\n"+
		"K-001,高橋 茂,タカハシ シゲル,,03-1234-5604,090-9999-0001(長女),耳が遠い,佐藤\n", Options{})
	if want := []string{"携帯", "自宅", "緊急連絡先"}; !reflect.DeepEqual(l.NumberColumns, want) {
		t.Errorf("number columns %q, want %q", l.NumberColumns, want)
	}
	if l.IDColumn != "カルテ番号" || l.KanaColumn != "フリガナ" || l.NotesColumn != "備考" {
		t.Errorf("id %q kana %q notes %q", l.IDColumn, l.KanaColumn, l.NotesColumn)
	}
	r := l.Rows[0]
	want := []Number{{"携帯", ""}, {"自宅", "03-1234-5604"}, {"緊急連絡先", "090-9999-0001(長女)"}}
	if !reflect.DeepEqual(r.Numbers, want) || r.ID != "K-001" || r.Kana != "タカハシ シゲル" || r.Notes != "耳が遠い" {
		t.Errorf("row = %+v", r)
	}
	// The emergency contact is a relative's number: it is called, never texted.
	if r.Class != Landline || r.PhoneColumn != "自宅" {
		t.Errorf("the row must be a landline from 自宅, got %s from %s", r.Class, r.PhoneColumn)
	}
}

func TestCallColumnsAreFoundByAliasInBothLanguages(t *testing.T) {
	tests := []struct {
		name, header    string
		id, kana, notes string
		numbers         []string
	}{
		{"Japanese headers", "患者番号,氏名,ふりがな,電話番号,家族連絡先,メモ", "患者番号", "ふりがな", "メモ", []string{"電話番号", "家族連絡先"}},
		{"English headers", "Patient ID,Name,Kana,Mobile,Home Phone,Emergency Contact,Notes", "Patient ID", "Kana", "Notes",
			[]string{"Mobile", "Home Phone", "Emergency Contact"}},
		{"full-width ID and no kana", "ＩＤ,氏名,携帯電話", "ＩＤ", "", "", []string{"携帯電話"}},
		{"kana as the only name is not repeated as kana", "患者ID,カナ,携帯", "患者ID", "", "", []string{"携帯"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := strings.Count(tt.header, ",") + 1
			row := strings.Repeat("x,", cells-1) + "090-1234-5678"
			l := readString(t, tt.header+"\n"+row+"\n", Options{})
			if l.IDColumn != tt.id || l.KanaColumn != tt.kana || l.NotesColumn != tt.notes || !reflect.DeepEqual(l.NumberColumns, tt.numbers) {
				t.Errorf("id %q kana %q notes %q numbers %q; want %q %q %q %q", l.IDColumn, l.KanaColumn, l.NotesColumn,
					l.NumberColumns, tt.id, tt.kana, tt.notes, tt.numbers)
			}
		})
	}
}

func TestAPhoneColumnPassedOverByTheFlagIsStillANumberToCall(t *testing.T) {
	l := readString(t, "氏名,携帯,自宅\n山田 花子,090-1234-5601,03-1234-5601\n", Options{PhoneColumn: "自宅"})
	if want := []string{"携帯", "自宅"}; !reflect.DeepEqual(l.NumberColumns, want) {
		t.Errorf("number columns %q, want %q", l.NumberColumns, want)
	}
}

func TestColumnsNamedByTheClinicWarnWhenTheListLacksThem(t *testing.T) {
	l := readString(t, "氏名,携帯,透析曜日,担当 医師\n山田 花子,090-1234-5601,月水金,佐藤\n", Options{})
	found, missing := l.Columns([]string{"透析曜日", "担当医師", "透析曜日", "送迎", " "})
	if want := []string{"透析曜日", "担当 医師"}; !reflect.DeepEqual(found, want) {
		t.Errorf("found %q, want %q", found, want)
	}
	if len(missing) != 1 {
		t.Fatalf("missing = %+v", missing)
	}
	want := `patients.csv: no column "送迎"; the headers are "氏名", "携帯", "透析曜日", "担当 医師"`
	if got := missing[0].String(); got != want {
		t.Errorf("warning\n got %s\nwant %s", got, want)
	}
}

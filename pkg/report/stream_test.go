package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"

	"github.com/gocarina/gocsv"

	"github.com/smscast/smscast/pkg/journal"
)

// TestTheStreamedReportsAreByteForByteTheOnesBuiltWhole keeps writeReportCSV and writeJSONReport
// equal to what the reports were before they were streamed: the whole report encoded at once.
func TestTheStreamedReportsAreByteForByteTheOnesBuiltWhole(t *testing.T) {
	c, big := oneNumber(9000) // more rows than a chunk of neutralised rows
	mixed := []journal.Delivery{
		{Patients: []journal.Patient{{Row: 2, Name: "=<山田> & \"花子\"", Phone: "+81 90-1234-5601"}}, To: "+819012345601",
			State: journal.Failed, Reason: "the number <is> unreachable", ErrorCode: "30003", UpdatedAt: c.CreatedAt},
		{Patients: []journal.Patient{{Row: 3, Name: "佐藤", Phone: "03-1234-5601"}}, State: journal.Skipped, Reason: "landline: cannot receive SMS"},
	}
	for _, tc := range []struct {
		name string
		ds   []journal.Delivery
	}{
		{"a campaign with no delivery", nil},
		{"rows a spreadsheet would run as formulas, and characters HTML escapes", mixed},
		{"9,000 rows of one number", big},
	} {
		for _, lang := range []string{LangEN, LangJA} {
			t.Run(tc.name+" in "+lang, func(t *testing.T) {
				opt := Options{Lang: lang}
				rows := withProvider(Rows(tc.ds), c)
				var got bytes.Buffer
				if err := writeReportCSV(&got, rows, opt); err != nil {
					t.Fatal(err)
				}
				if want := wholeCSV(t, rows, opt); !bytes.Equal(got.Bytes(), want) {
					t.Errorf("csv:\n%s\nwant:\n%s", got.Bytes(), want)
				}
				got.Reset()
				if err := writeJSONReport(&got, newJSONReport(c, tc.ds, rows)); err != nil {
					t.Fatal(err)
				}
				want, err := json.MarshalIndent(newJSONReport(c, tc.ds, rows), "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				if want = append(want, '\n'); !bytes.Equal(got.Bytes(), want) {
					t.Errorf("json:\n%s\nwant:\n%s", got.Bytes(), want)
				}
			})
		}
	}
}

// wholeCSV is the delivery report as it was written before it was streamed.
func wholeCSV(t *testing.T, rows []Row, opt Options) []byte {
	t.Helper()
	rows = neutralizeRows(rows)
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	if opt.lang() != LangJA {
		if err := gocsv.Marshal(rows, &buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	var jw bytes.Buffer
	cw := csv.NewWriter(&jw)
	if err := cw.Write(jaRowHeaders); err != nil {
		t.Fatal(err)
	}
	if err := writeJARows(cw, rows, opt); err != nil {
		t.Fatal(err)
	}
	cw.Flush()
	buf.Write(jw.Bytes())
	return buf.Bytes()
}

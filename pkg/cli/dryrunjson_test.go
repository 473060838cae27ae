package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/message"
)

func TestTheStreamedDryRunJSONIsByteForByteWhatWriteJSONWrites(t *testing.T) {
	const header = "患者ID,氏名,携帯電話,自宅電話,言語\n"
	for _, tc := range []struct {
		name, rows, body string
		sel              []string
	}{
		{"every patient with a number of their own", "1,山田 花子,090-1234-5601,,ja\n2,佐藤 一郎,080-1234-5602,,ja\n", "", nil},
		{"patients who share a number get one message with all their rows", "1,A,090-1234-5601,,\n2,B,090-1234-5601,,\n3,C,090-1234-5601,,\n4,D,080-1234-5602,,\n", "", nil},
		{"rows without a mobile are listed as not sent", "1,A,,03-1234-5601,\n2,\"<B & \"\"C\"\">\",090-1234-5601,,\n3,D,090-12,,\n", "", nil},
		{"personalised texts with characters HTML escapes and a quote", "1,<A>,090-1234-5601,,\n2,B&B,090-1234-5601,,\n", "{{.Name}} さん <&> \"停電\" \\ \t", nil},
		{"no message at all: every row is a landline", "1,A,,03-1234-5601,\n2,B,,03-1234-5602,\n", "", nil},
		{"a selection of the rows", "1,A,090-1234-5601,,\n2,B,090-1234-5602,,\n3,C,090-1234-5603,,\n", "", []string{"氏名=B"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "patients.csv")
			if err := os.WriteFile(path, []byte(header+tc.rows), 0o600); err != nil {
				t.Fatal(err)
			}
			var tmpl *message.Template
			var err error
			if tc.body != "" {
				tmpl, err = message.AdHoc(tc.body)
			} else {
				var cat *message.Catalog
				if cat, err = message.LoadCatalog(""); err == nil {
					tmpl, err = cat.Lookup("outage")
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			in := campaign.Input{Settings: campaign.Settings{Lang: "ja", Region: "JP", Location: time.UTC},
				Provider: campaign.Provider{Name: "sim"}, Template: tmpl, List: path,
				Now: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
			if tc.sel != nil {
				if in.Select, err = campaign.NewSelection(tc.sel, "", 0); err != nil {
					t.Fatal(err)
				}
			}
			plan, err := campaign.Prepare(context.Background(), nil, in)
			if err != nil {
				t.Fatal(err)
			}
			var want, got bytes.Buffer
			if err := writeJSON(&want, plan.DryRun()); err != nil {
				t.Fatal(err)
			}
			if err := writeDryRunJSON(&got, plan); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("streamed:\n%s\nwant:\n%s", got.Bytes(), want.Bytes())
			}
		})
	}
}

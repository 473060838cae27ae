package campaign

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/smscast/smscast/pkg/journal"
)

func TestAStreamedPlanRecordsEveryPatientsCellsAndRefusesAListEditedSince(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		edit bool
	}{
		{"the list unchanged: the journal keeps each patient's cells", false},
		{"a cell edited after the plan: nothing is created", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "patients.csv")
			writeList(t, path, 30, func(i int) string { return "090-1234-56" + string(rune('0'+i%3)) + "0" })
			p, err := Prepare(ctx, nil, planInput(t, path))
			if err != nil {
				t.Fatal(err)
			}
			if p.Loaded() == nil || len(p.Loaded().Rows) != 30 || p.Summary().Rows != 30 || p.Sendable() != 3 {
				t.Fatalf("plan: %d rows, %d messages", p.Summary().Rows, p.Sendable())
			}
			if tc.edit {
				b, _ := os.ReadFile(path)
				b[len(b)-2] = 'X'
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			j, err := journal.Open(ctx, filepath.Join(dir, "j.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			sess, err := Create(ctx, j, p)
			var ie *InputError
			if tc.edit {
				if !errors.As(err, &ie) {
					t.Fatalf("err = %v, want an InputError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			ds, err := j.Deliveries(ctx, sess.Campaign.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, d := range ds {
				for _, pt := range d.Patients {
					n++
					if pt.Fields["患者ID"] == "" || pt.Fields["氏名"] != pt.Name {
						t.Errorf("row %d: fields %q", pt.Row, pt.Fields)
					}
				}
			}
			if n != 30 {
				t.Errorf("%d patients recorded, want 30", n)
			}
		})
	}
}

package journal

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
)

// alter changes rows behind the journal's back, as bit rot or an edit in the sqlite3 shell would.
func alter(t *testing.T, j *Journal, query string, args ...any) {
	t.Helper()
	err := j.exclusive(context.Background(), func(ctx context.Context, c *sql.Conn) error {
		_, err := c.ExecContext(ctx, query, args...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSumOKIsChecksum(t *testing.T) {
	var buf []byte
	for _, tt := range [][2]string{{"", ""}, {"+819012345678", "本日の透析は中止です"}, {"+1", strings.Repeat("x", 5000)}} {
		var ok bool
		if buf, ok = sumOK(buf, tt[0], tt[1], Checksum(tt[0], tt[1])); !ok {
			t.Errorf("sumOK(%q, %q) disagrees with Checksum", tt[0], tt[1][:min(len(tt[1]), 20)])
		}
		if _, ok = sumOK(buf, tt[0], tt[1]+"!", Checksum(tt[0], tt[1])); ok {
			t.Errorf("sumOK accepts another text")
		}
	}
}

func TestADamagedDeliveryStopsEveryReadThatFeedsSending(t *testing.T) {
	ctx := context.Background()
	reads := map[string]func(j *Journal) ([]Delivery, error){
		"SendQueue":    func(j *Journal) ([]Delivery, error) { return j.SendQueue(ctx, "done1", Pending, Sending) },
		"Work":         func(j *Journal) ([]Delivery, error) { return j.Work(ctx, "done1") },
		"DeliveriesIn": func(j *Journal) ([]Delivery, error) { return j.DeliveriesIn(ctx, "done1", Pending) },
		"Deliveries":   func(j *Journal) ([]Delivery, error) { return j.Deliveries(ctx, "done1") },
	}
	tests := []struct {
		name   string
		change string
		want   string
		skip   string // a read that does not decode the damaged field
	}{
		{"a body altered after planning", `UPDATE deliveries SET body = body || '。振込先: ...', version = version + 1 WHERE seq = 7`,
			"(campaign done1, delivery 8, seq 7, list row 9: its number or text does not match its checksum: the journal was altered or damaged)", ""},
		{"a number altered after planning", `UPDATE deliveries SET "to" = '+819099999999', version = version + 1 WHERE seq = 7`,
			"(campaign done1, delivery 8, seq 7, list row 9: its number or text does not match its checksum", ""},
		{"a state that is no state", `UPDATE deliveries SET state = 'pendinf', version = version + 1 WHERE seq = 7`,
			`(campaign done1, delivery 8, seq 7, list row 9: unknown state "pendinf")`, ""},
		{"a time that is no time", `UPDATE deliveries SET sending_at = 'yesterday', version = version + 1 WHERE seq = 7`,
			"(campaign done1, delivery 8, seq 7, list row 9: sending_at: ", ""},
		{"patients that are not JSON", `UPDATE deliveries SET patients = '[{"row": 9, "na', version = version + 1 WHERE seq = 7`,
			"(campaign done1, delivery 8, seq 7: patients: ", "SendQueue"},
	}
	for _, tt := range tests {
		for name, read := range reads {
			if name == tt.skip {
				continue
			}
			t.Run(tt.name+" stops "+name, func(t *testing.T) {
				j, path := openTemp(t)
				mustCreate(t, j, "done1", plan(20))
				alter(t, j, tt.change)
				ds, err := read(j)
				if err == nil {
					t.Fatalf("%s returned %d deliveries and no error", name, len(ds))
				}
				if ds != nil {
					t.Errorf("%s returned deliveries with its error", name)
				}
				for _, want := range []string{"journal " + path + " has a damaged row (", tt.want, "smscast sends nothing from it; " + restoreHint} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error = %v\nwant it to say %q", err, want)
					}
				}
				if !errors.Is(err, ErrDamaged) {
					t.Errorf("error does not wrap ErrDamaged")
				}
			})
		}
	}
	t.Run("a journal from before checksums is read as it is", func(t *testing.T) {
		j, _ := openTemp(t)
		mustCreate(t, j, "done1", plan(3))
		alter(t, j, `UPDATE deliveries SET checksum = '', body = 'x', version = version + 1`)
		if ds, err := j.SendQueue(ctx, "done1", Pending); err != nil || len(ds) != 3 {
			t.Errorf("SendQueue = %d, %v", len(ds), err)
		}
	})
}

func TestADamagedCampaignRowIsNamed(t *testing.T) {
	ctx := context.Background()
	j, path := openTemp(t)
	mustCreate(t, j, "done1", plan(1))
	alter(t, j, `UPDATE campaigns SET meta = '{"lang": ' WHERE id = 'done1'`)
	for name, f := range map[string]func() error{
		"Campaign":  func() error { _, err := j.Campaign(ctx, "done1"); return err },
		"Latest":    func() error { _, err := j.Latest(ctx); return err },
		"Campaigns": func() error { _, err := j.Campaigns(ctx); return err },
	} {
		err := f()
		if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "journal "+path+" has a damaged row (campaign done1: meta: ") {
			t.Errorf("%s = %v", name, err)
		}
	}
}

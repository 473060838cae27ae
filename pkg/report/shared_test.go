package report

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/internal/private"
	"github.com/smscast/smscast/pkg/journal"
)

// oneNumber is a campaign whose n rows all share one number (a care home's office, or a damaged
// export), so one message covered them all.
func oneNumber(n int) (journal.Campaign, []journal.Delivery) {
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	ps := make([]journal.Patient, n)
	for i := range ps {
		ps[i] = journal.Patient{Row: i + 2, Name: "山田 花子", Phone: "090-1234-5601"}
	}
	ps[0], ps[n-1] = ps[n-1], ps[0] // journal order need not be list order
	return journal.Campaign{ID: "shared-1", Provider: "sim", CreatedAt: at},
		[]journal.Delivery{{Patients: ps, To: "+819012345601", State: journal.Delivered, ProviderID: "SM1", UpdatedAt: at}}
}

func TestASharedNumberIsNamedOnceAsAGroup(t *testing.T) {
	c, ds := oneNumber(5)
	ds[0].Patients = append(ds[0].Patients, journal.Patient{Row: 9, Name: "山田 太郎", Phone: "090-1234-5601"})
	rows := Rows(ds)
	want := map[int]string{2: "rows 3–6, 9 (group of 6)", 3: "row 2 (group of 6)", 9: "row 2 (group of 6)"}
	for _, r := range rows {
		if w, ok := want[r.Row]; ok && r.SentWith != w {
			t.Errorf("row %d sent_with %q, want %q", r.Row, r.SentWith, w)
		}
		if r.Group != 2 || r.GroupSize != 6 {
			t.Errorf("row %d group %d of %d, want 2 of 6", r.Row, r.Group, r.GroupSize)
		}
	}
	var b bytes.Buffer
	if err := WriteFormat(&b, "-", "csv", c, ds, Options{Lang: LangJA}); err != nil {
		t.Fatal(err)
	}
	table := readCSV(t, b.Bytes())
	if got := table[1][10]; got != "3–6, 9行目と同じ送信(6行で1通)" {
		t.Errorf("Japanese first row %q", got)
	}
	if got := table[2][10]; got != "2行目と同じ送信(6行で1通)" {
		t.Errorf("Japanese other row %q", got)
	}
}

// TestTheReportOfAMillionRowsOnOneNumberGrowsLinearly: the report used to list every other row
// on every row (10,000 rows: a 490 MB CSV; 1,000,000: killed by the kernel). Now each row costs
// a few dozen bytes, whatever the size of its group.
func TestTheReportOfAMillionRowsOnOneNumberGrowsLinearly(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	c, ds := oneNumber(n)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	dir := t.TempDir()
	p, err := Write(dir, c, ds, Options{Lang: LangJA})
	if err != nil {
		t.Fatal(err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	st, err := os.Stat(p.CSV)
	if err != nil {
		t.Fatal(err)
	}
	if per := st.Size() / int64(n); per > 150 {
		t.Errorf("report CSV %d bytes for %d rows: %d bytes a row, want under 150", st.Size(), n, per)
	}
	if per := (after.TotalAlloc - before.TotalAlloc) / uint64(n); per > 4000 {
		t.Errorf("%d bytes allocated a row, want under 4,000", per)
	}
	data, _ := os.ReadFile(p.CSV)
	if !strings.Contains(string(data), "3–"+strconv.Itoa(n+1)+"行目と同じ送信") {
		t.Errorf("the first row must name the group compactly")
	}
	t.Logf("%d rows: report CSV %d bytes, %d bytes allocated per row", n, st.Size(), (after.TotalAlloc-before.TotalAlloc)/uint64(n))
}

// TestWriteFileReplacesASymlinkInsteadOfFollowingIt: a link planted where a report goes must
// not lead patient data into the file it points at, and the report is 0600 whatever was there.
func TestWriteFileReplacesASymlinkInsteadOfFollowingIt(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere.txt")
	if err := os.WriteFile(target, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "outage-1.csv")
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("row\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep me\n" {
		t.Errorf("the link's target was written: %q", b)
	}
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Mode().IsRegular() {
		t.Errorf("report %v, want a regular file", st.Mode())
	}
	if err := private.Check(path); err != nil {
		t.Error(err)
	}
	// An existing report made 0666 by hand is replaced 0600 too.
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("row\n")); err != nil {
		t.Fatal(err)
	}
	if err := private.Check(path); err != nil {
		t.Errorf("rewritten report: %v", err)
	}
}

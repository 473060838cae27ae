package roster

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/internal/rss"
	"github.com/smscast/smscast/pkg/roster/internal/genlist"
)

// TestCheckBigList measures Check on a 1,000,000-row CP932 list, the figure issue 3 sets (under
// 10 s wall and 200 MB peak RSS on 2 cores). It is slow, so it runs only when asked:
//
//	SMSCAST_BIG=1 go test -run BigList -v ./pkg/roster/
//
// SMSCAST_BIG_FILE=path reuses a list written by `go run ./pkg/roster/internal/cmd/genlist`.
func TestCheckBigList(t *testing.T) {
	if os.Getenv("SMSCAST_BIG") == "" {
		t.Skip("set SMSCAST_BIG=1 to check a 1,000,000-row list")
	}
	path := os.Getenv("SMSCAST_BIG_FILE")
	if path == "" {
		path = filepath.Join(t.TempDir(), "patients-1m.csv")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := genlist.Write(f, 1_000_000, 1, "cp932"); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	rep, err := Check(path, Options{})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows in %v (%.0f rows/s) on GOMAXPROCS=%d; peak RSS %s (includes generating the file when SMSCAST_BIG_FILE is unset)",
		rep.Rows, elapsed.Round(time.Millisecond), float64(rep.Rows)/elapsed.Seconds(), runtime.GOMAXPROCS(0), rss.Peak())
	t.Logf("sendable %d, duplicates %d, landline %d, voip %d, tollfree %d, invalid %d, empty %d, problems %d",
		rep.Sendable, rep.Duplicates, rep.Landline, rep.VoIP, rep.TollFree, rep.Invalid, rep.Empty, len(rep.Problems))
	if rep.Rows != 1_000_000 {
		t.Errorf("rows = %d, want 1000000", rep.Rows)
	}
}

// BenchmarkCheck checks a 20,000-row CP932 list from memory; rows/s is the figure to compare.
func BenchmarkCheck(b *testing.B) {
	const rows = 20_000
	var buf bytes.Buffer
	if err := genlist.Write(&buf, rows, 1, "cp932"); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := CheckReader(bytes.NewReader(buf.Bytes()), "bench.csv", Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

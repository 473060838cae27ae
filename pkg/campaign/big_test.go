package campaign

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/internal/rss"
	"github.com/smscast/smscast/pkg/message"
)

// TestPlanBigList measures the plan of `send --dry-run` on 1,000,000 rows of one number, the
// figure issue 18 sets (under 200 MB peak RSS). It is slow, so it runs only when asked:
//
//	SMSCAST_BIG=1 go test -run PlanBigList -v ./pkg/campaign/
//
// SMSCAST_BIG_FILE=path plans a list written by `go run ./pkg/roster/internal/cmd/genlist -one …`
// instead. scripts/issue18-rss.sh measures the binary itself, median of 3.
func TestPlanBigList(t *testing.T) {
	if os.Getenv("SMSCAST_BIG") == "" {
		t.Skip("set SMSCAST_BIG=1 to plan a 1,000,000-row list")
	}
	path := os.Getenv("SMSCAST_BIG_FILE")
	if path == "" {
		path = filepath.Join(t.TempDir(), "one-1m.csv")
		writeList(t, path, 1_000_000, func(int) string { return "090-1234-5601" })
	}
	start := time.Now()
	p, err := Prepare(context.Background(), nil, planInput(t, path))
	if err != nil {
		t.Fatal(err)
	}
	dry := p.DryRun()
	elapsed := time.Since(start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("%d rows, %d messages in %v on GOMAXPROCS=%d; peak RSS %s (includes writing the file when SMSCAST_BIG_FILE is unset), heap in use %d MB",
		dry.Rows, dry.Planned, elapsed.Round(time.Millisecond), runtime.GOMAXPROCS(0), rss.Peak(), ms.HeapInuse>>20)
	if dry.Rows != 1_000_000 {
		t.Errorf("rows = %d, want 1000000", dry.Rows)
	}
}

// BenchmarkPrepare plans an outage notice to a clinic's list of 200 patients, each with a
// number of their own: time-to-plan of an ordinary send.
func BenchmarkPrepare(b *testing.B) {
	path := filepath.Join(b.TempDir(), "patients.csv")
	writeList(b, path, 200, func(i int) string { return fmt.Sprintf("090-%04d-%04d", 1000+i/10000, i%10000) })
	in := planInput(b, path)
	for b.Loop() {
		if _, err := Prepare(context.Background(), nil, in); err != nil {
			b.Fatal(err)
		}
	}
}

func planInput(t testing.TB, path string) Input {
	t.Helper()
	cat, err := message.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := cat.Lookup("outage")
	if err != nil {
		t.Fatal(err)
	}
	return Input{Settings: Settings{Lang: "ja", Region: "JP", Location: time.UTC}, Provider: Provider{Name: "sim"},
		Template: tmpl, List: path, Now: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
}

// writeList writes a list in the shape clinics export, the number of row i given by number.
func writeList(t testing.TB, path string, rows int, number func(i int) string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "患者ID,氏名,フリガナ,携帯電話,自宅電話,透析曜日,備考")
	surnames := []string{"山田", "佐藤", "鈴木", "高橋", "田中"}
	given := []string{"花子", "太郎", "一郎", "幸子"}
	for i := range rows {
		fmt.Fprintf(w, "%d,%s %s,ヤマダ,%s,,月水金,入所中\n", 100000+i, surnames[i%len(surnames)], given[i/len(surnames)%len(given)], number(i))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// A child process that holds a campaign lock until it is killed (see TestLock).
	if spec := os.Getenv("SMSCAST_TEST_LOCK_CHILD"); spec != "" {
		path, campaign, _ := strings.Cut(spec, "\n")
		j, err := Open(context.Background(), path)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		if _, err := j.Lock(context.Background(), campaign); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	// A child process that marks deliveries sending, printing each id once MarkSending returned,
	// and records them submitted asynchronously, until it is killed.
	if path := os.Getenv("SMSCAST_TEST_SENDING_CHILD"); path != "" {
		ctx := context.Background()
		j, err := Open(ctx, path)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		ds, _ := j.Work(ctx, "c")
		for _, d := range ds {
			if err := j.MarkSending(ctx, d.ID, time.Now()); err != nil {
				fmt.Println("error:", err)
				os.Exit(1)
			}
			fmt.Println(d.ID)
			j.RecordAsync(d.ID, Update{State: Submitted, At: time.Now()})
		}
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var t0 = time.Date(2025, 3, 1, 10, 2, 0, 0, time.UTC)

func openTemp(t testing.TB) (*Journal, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, path
}

func plan(n int) []Delivery {
	p := make([]Delivery, n)
	for i := range p {
		p[i] = Delivery{
			Patients: []Patient{{Row: i + 2, Name: fmt.Sprintf("患者%d", i), Phone: fmt.Sprintf("090-0000-%04d", i)}},
			To:       fmt.Sprintf("+8190%08d", i),
			Body:     "本日の透析は中止です",
			Segments: 1,
		}
	}
	return p
}

func mustCreate(t testing.TB, j *Journal, id string, p []Delivery) {
	t.Helper()
	c := Campaign{ID: id, Template: "outage", List: "patients.csv", Provider: "sim", CreatedAt: t0, Meta: map[string]string{"lang": "ja"}}
	if err := j.CreateCampaign(context.Background(), c, p); err != nil {
		t.Fatal(err)
	}
}

func TestCampaignRoundTrip(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	p := plan(3)
	p[2].State, p[2].Reason, p[2].To = Skipped, "landline", ""
	mustCreate(t, j, "c1", p)
	if p[0].ID == 0 || p[1].ID == p[0].ID || p[2].Seq != 2 || p[1].Campaign != "c1" {
		t.Fatalf("plan ids not filled in: %+v", p)
	}

	c, err := j.Campaign(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Template != "outage" || c.Meta["lang"] != "ja" || !c.CreatedAt.Equal(t0) {
		t.Errorf("campaign = %+v", c)
	}
	ds, err := j.Deliveries(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 || ds[0].Patients[0].Name != "患者0" || ds[2].State != Skipped || ds[2].Reason != "landline" || ds[1].State != Pending {
		t.Errorf("deliveries = %+v", ds)
	}
	if err := j.CreateCampaign(ctx, Campaign{ID: "c1"}, plan(1)); !errors.Is(err, ErrExists) {
		t.Errorf("second CreateCampaign = %v, want ErrExists", err)
	}
	if _, err := j.Campaign(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Campaign(nope) = %v, want ErrNotFound", err)
	}
	if _, err := j.Counts(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Counts(nope) = %v, want ErrNotFound", err)
	}
}

func TestLatestAndCampaignsAreNewestFirst(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	if _, err := j.Latest(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Latest on empty journal = %v", err)
	}
	for i, id := range []string{"old", "new", "mid"} {
		c := Campaign{ID: id, CreatedAt: t0.Add(time.Duration([]int{0, 2, 1}[i]) * time.Hour)}
		if err := j.CreateCampaign(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	l, err := j.Latest(ctx)
	if err != nil || l.ID != "new" {
		t.Errorf("Latest = %v, %v", l.ID, err)
	}
	cs, _ := j.Campaigns(ctx)
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, ",") != "new,mid,old" {
		t.Errorf("Campaigns order = %v", ids)
	}
}

func TestEveryStateChangeIsRecorded(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	p := plan(2)
	mustCreate(t, j, "c", p)
	id := p[0].ID
	if err := j.MarkSending(ctx, id, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := j.Record(ctx, id, Update{State: Pending, ErrorCode: "429", Reason: "busy", At: t0.Add(2 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := j.MarkSending(ctx, id, t0.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := j.Record(ctx, id, Update{State: Submitted, ProviderID: "SM1", Segments: 2, At: t0.Add(4 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := j.Record(ctx, id, Update{State: Delivered, At: t0.Add(5 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	d, err := j.Delivery(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != Delivered || d.ProviderID != "SM1" || d.Attempts != 2 || d.Segments != 2 ||
		!d.SendingAt.Equal(t0.Add(3*time.Second)) || d.ErrorCode != "" || !d.UpdatedAt.Equal(t0.Add(5*time.Second)) {
		t.Errorf("delivery = %+v", d)
	}
	h, err := j.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range h {
		got = append(got, fmt.Sprintf("%s/%d/%s", e.State, e.Attempt, e.ErrorCode))
	}
	want := "pending/0/,sending/1/,pending/1/429,sending/2/,submitted/2/,delivered/2/"
	if strings.Join(got, ",") != want {
		t.Errorf("history = %v, want %v", got, want)
	}
	counts, _ := j.Counts(ctx, "c")
	if counts[Delivered] != 1 || counts[Pending] != 1 {
		t.Errorf("counts = %v", counts)
	}
	if err := j.Record(ctx, 9999, Update{State: Failed}); !errors.Is(err, ErrNoDelivery) {
		t.Errorf("Record on a missing delivery = %v", err)
	}
	if err := j.Record(ctx, id, Update{State: Sending}); err == nil {
		t.Errorf("Record(sending) accepted; MarkSending is the only way")
	}
}

func TestMarkSendingBatch(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	p := plan(6)
	mustCreate(t, j, "c", p)
	at := t0.Add(time.Second)
	t.Run("marks every delivery sending in one commit", func(t *testing.T) {
		before := j.Stats().Commits
		if err := j.MarkSendingBatch(ctx, []int64{p[0].ID, p[2].ID, p[3].ID}, at); err != nil {
			t.Fatal(err)
		}
		if got := j.Stats().Commits - before; got != 1 {
			t.Errorf("%d commits, want 1", got)
		}
		ds, _ := j.Deliveries(ctx, "c")
		var got []string
		for _, d := range ds {
			got = append(got, fmt.Sprintf("%d:%s/%d", d.Seq, d.State, d.Attempts))
			if d.State == Sending && !d.SendingAt.Equal(at) {
				t.Errorf("delivery %d: sending at %v, want %v", d.Seq, d.SendingAt, at)
			}
		}
		if want := "0:sending/1,1:pending/0,2:sending/1,3:sending/1,4:pending/0,5:pending/0"; strings.Join(got, ",") != want {
			t.Errorf("deliveries = %v, want %v", got, want)
		}
		h, _ := j.History(ctx, p[2].ID)
		if len(h) != 2 || h[1].State != Sending || h[1].Attempt != 1 || !h[1].At.Equal(at) {
			t.Errorf("history = %+v", h)
		}
	})
	t.Run("a delivery that does not exist is named and the others are marked", func(t *testing.T) {
		err := j.MarkSendingBatch(ctx, []int64{p[4].ID, 99999, p[5].ID}, at)
		if !errors.Is(err, ErrNoDelivery) || !strings.Contains(err.Error(), "99999") {
			t.Errorf("err = %v, want ErrNoDelivery naming 99999", err)
		}
		for _, id := range []int64{p[4].ID, p[5].ID} {
			if d, _ := j.Delivery(ctx, id); d.State != Sending {
				t.Errorf("delivery %d is %s, want sending", d.Seq, d.State)
			}
		}
	})
	t.Run("no ids writes nothing", func(t *testing.T) {
		before := j.Stats()
		if err := j.MarkSendingBatch(ctx, nil, at); err != nil || j.Stats() != before {
			t.Errorf("err = %v, stats %+v → %+v", err, before, j.Stats())
		}
	})
}

// TestAsynchronousWritesAreCommittedWithoutAFlush: the writer holds writes nobody waits for only
// briefly; another process sees them without this one flushing.
func TestAsynchronousWritesAreCommittedWithoutAFlush(t *testing.T) {
	j, path := openTemp(t)
	p := plan(1)
	mustCreate(t, j, "c", p)
	if err := j.RecordAsync(p[0].ID, Update{State: Failed, Reason: "landline", At: t0}); err != nil {
		t.Fatal(err)
	}
	other, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, err := other.Delivery(context.Background(), p[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.State == Failed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("an asynchronous write was still not committed after 5s: %s", d.State)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestWorkIsPendingAndSendingInPlanOrder(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	p := plan(5)
	p[1].State = Skipped
	mustCreate(t, j, "c", p)
	j.MarkSending(ctx, p[3].ID, t0)
	j.MarkSending(ctx, p[0].ID, t0)
	j.Record(ctx, p[0].ID, Update{State: Submitted, At: t0})
	w, err := j.Work(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range w {
		got = append(got, fmt.Sprintf("%d:%s", d.Seq, d.State))
	}
	if strings.Join(got, ",") != "2:pending,3:sending,4:pending" {
		t.Errorf("work = %v", got)
	}
}

func TestConcurrentWritesAreGroupCommittedAndOrdered(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	p := plan(400)
	mustCreate(t, j, "c", p)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(p); i += 16 {
				if err := j.MarkSending(ctx, p[i].ID, t0); err != nil {
					t.Error(err)
					return
				}
				if err := j.RecordAsync(p[i].ID, Update{State: Submitted, ProviderID: fmt.Sprint("SM", i), At: t0}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	counts, err := j.Counts(ctx, "c") // reads flush queued writes first
	if err != nil {
		t.Fatal(err)
	}
	if counts[Submitted] != 400 {
		t.Errorf("counts = %v", counts)
	}
	h, _ := j.History(ctx, p[7].ID)
	if len(h) != 3 || h[2].State != Submitted || h[2].ProviderID != "SM7" {
		t.Errorf("history = %+v", h)
	}
}

func TestCloseFlushesQueuedWrites(t *testing.T) {
	ctx := context.Background()
	j, path := openTemp(t)
	p := plan(1)
	mustCreate(t, j, "c", p)
	j.MarkSending(ctx, p[0].ID, t0)
	j.RecordAsync(p[0].ID, Update{State: Submitted, At: t0})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.MarkSending(ctx, p[0].ID, t0); !errors.Is(err, ErrClosed) {
		t.Errorf("write after Close = %v", err)
	}
	j2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	d, _ := j2.Delivery(ctx, p[0].ID)
	if d.State != Submitted {
		t.Errorf("state after reopen = %s", d.State)
	}
}

func TestAsyncWriteFailureIsReportedByFlush(t *testing.T) {
	j, _ := openTemp(t)
	if err := j.RecordAsync(12345, Update{State: Submitted, At: t0}); err != nil {
		t.Fatal(err)
	}
	if err := j.Flush(context.Background()); !errors.Is(err, ErrNoDelivery) {
		t.Errorf("Flush = %v, want ErrNoDelivery", err)
	}
}

func TestOptOuts(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	for _, n := range []string{"+819011112222", "+819033334444", "+819011112222"} {
		if err := j.AddOptOut(ctx, n, "21610"); err != nil {
			t.Fatal(err)
		}
	}
	got, err := j.OptedOut(ctx)
	if err != nil || len(got) != 2 || !got["+819033334444"] {
		t.Errorf("OptedOut = %v, %v", got, err)
	}
}

func TestOpenRefusesWhatItCannotUse(t *testing.T) {
	ctx := context.Background()
	newer := func(t *testing.T, path string) {
		j, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		db, _ := sql.Open("sqlite", path)
		defer db.Close()
		if _, err := db.Exec(`PRAGMA user_version = 99`); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, path string)
		want    string
		wantErr error
	}{
		{"a journal from a newer smscast says to upgrade", newer,
			"was written by a newer smscast (schema 99", ErrNewerSchema},
		{"a text file is not a database", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("phone,name\n09012345678,山田\n"), 0o600)
		}, "is not a usable smscast journal (it is not a SQLite database)", nil},
		{"a file of random bytes is not a database", func(t *testing.T, path string) {
			b := make([]byte, 8192)
			for i := range b {
				b[i] = byte(i * 7)
			}
			os.WriteFile(path, b, 0o600)
		}, "is not a usable smscast journal", nil},
		{"a database with a damaged body is damaged", func(t *testing.T, path string) {
			j, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			mustCreate(t, j, "c", plan(50))
			j.Close()
			f, _ := os.OpenFile(path, os.O_RDWR, 0)
			f.WriteAt(make([]byte, 4096*3), 100)
			f.Close()
		}, "is damaged", nil},
		{"another program's database is not a journal", func(t *testing.T, path string) {
			db, _ := sql.Open("sqlite", path)
			defer db.Close()
			db.Exec(`CREATE TABLE photos (id INTEGER)`)
		}, "it is a SQLite database of another program", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.db")
			tt.setup(t, path)
			before, _ := os.ReadFile(path)
			j, err := Open(ctx, path)
			if err == nil {
				// Damage may only show on first use; it must show then and not be papered over.
				_, err = j.Deliveries(ctx, "c")
				j.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error = %v, want one naming %s and saying %q", err, path, tt.want)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tt.wantErr)
			}
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Errorf("the refused file was modified")
			}
		})
	}
}

func TestMigrationsUpgradeOlderJournals(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, j, "c", plan(2))
	j.Close()

	db, _ := sql.Open("sqlite", dataSourceName(path))
	defer db.Close()
	next := append(append([]string(nil), migrations...), `ALTER TABLE campaigns ADD COLUMN note TEXT NOT NULL DEFAULT 'upgraded'`)
	if err := migrate(ctx, db, path, next); err != nil {
		t.Fatal(err)
	}
	var v int
	var note string
	db.QueryRow(`PRAGMA user_version`).Scan(&v)
	db.QueryRow(`SELECT note FROM campaigns WHERE id = 'c'`).Scan(&note)
	if v != len(next) || note != "upgraded" {
		t.Errorf("after upgrade: version %d, note %q", v, note)
	}
	if err := migrate(ctx, db, path, next); err != nil {
		t.Errorf("migrating an up-to-date journal: %v", err)
	}

	broken := append(append([]string(nil), next...), `ALTER TABLE campaigns ADD COLUMN x INT`, `THIS IS NOT SQL`)
	if err := migrate(ctx, db, path, broken); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema %d", len(broken))) {
		t.Errorf("a failing migration: %v", err)
	}
	db.QueryRow(`PRAGMA user_version`).Scan(&v)
	if v != len(next) {
		t.Errorf("a failed upgrade left version %d, want %d: upgrades are all or nothing", v, len(next))
	}
	if _, err := db.Exec(`SELECT x FROM campaigns`); err == nil {
		t.Errorf("a failed upgrade left a partial schema")
	}
	// This smscast only knows len(migrations): the upgraded file is from a newer one.
	if _, err := Open(ctx, path); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("Open after upgrade = %v", err)
	}
}

func BenchmarkCreateCampaign(b *testing.B) {
	p := plan(100_000)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "journal.db")
		j, err := Open(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		mustCreate(b, j, "c", p)
		b.StopTimer()
		j.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(p)), "rows/op")
}

// BenchmarkSendCycle measures what the engine asks of the journal per message from 32 concurrent
// workers sharing group commits: a durable MarkSending then an asynchronous Record ("each"), or,
// as the engine does for a sender with a Finder, one durable MarkSendingBatch for 64 deliveries,
// then an asynchronous Record for each ("claims").
func BenchmarkSendCycle(b *testing.B) {
	b.Run("each", func(b *testing.B) { benchSendCycle(b, 1) })
	b.Run("claims", func(b *testing.B) { benchSendCycle(b, 64) })
}

func benchSendCycle(b *testing.B, claim int) {
	const n, workers = 20_000, 32
	var elapsed, cpu time.Duration
	var writes, commits int64
	total := 0
	for b.Loop() {
		b.StopTimer()
		j, _ := openTemp(b)
		p := plan(n)
		mustCreate(b, j, "c", p)
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		var wg sync.WaitGroup
		var mu sync.Mutex
		next := 0
		for range workers {
			wg.Go(func() {
				for {
					mu.Lock()
					lo, hi := next, min(next+claim, n)
					next = hi
					mu.Unlock()
					if lo == n {
						return
					}
					ids := make([]int64, 0, hi-lo)
					for i := lo; i < hi; i++ {
						ids = append(ids, p[i].ID)
					}
					var err error
					if claim == 1 {
						err = j.MarkSending(context.Background(), ids[0], t0)
					} else {
						err = j.MarkSendingBatch(context.Background(), ids, t0)
					}
					if err != nil {
						b.Error(err)
						return
					}
					for i := lo; i < hi; i++ {
						j.RecordAsync(p[i].ID, Update{State: Submitted, ProviderID: "SM" + strconv.Itoa(i), Segments: 1, At: t0})
					}
				}
			})
		}
		wg.Wait()
		if err := j.Flush(context.Background()); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		cpu += cpuTime() - cpu0
		total += n
		st := j.Stats()
		writes, commits = writes+st.Writes, commits+st.Commits
		b.StopTimer()
		j.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/msg")
	b.ReportMetric(float64(writes)/float64(commits), "writes/commit")
}

package journal

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smscast/smscast/pkg/internal/private"
)

// finished writes a journal with one campaign of n deliveries, closes it and returns its bytes.
func finished(t *testing.T, path string, n int) []byte {
	t.Helper()
	j, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, j, "done1", plan(n))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// refused opens path, expects an error naming it, wrapping kind and containing every part, and
// checks the file was left as it was.
func refused(t *testing.T, path string, kind error, parts ...string) error {
	t.Helper()
	before, _ := os.ReadFile(path)
	j, err := Open(context.Background(), path)
	if err == nil {
		j.Close()
		t.Fatalf("Open succeeded; want an error saying %q", parts)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error does not name %s: %v", path, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error = %v\nwant it to say %q", err, p)
		}
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("error %v does not wrap %v", err, kind)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Errorf("the refused file was modified")
	}
	return err
}

func TestOpenRefusesADamagedJournal(t *testing.T) {
	dir := t.TempDir()
	good := finished(t, filepath.Join(dir, "good.db"), 2000)
	pageSize := 4096
	if len(good) < 20*pageSize {
		t.Fatalf("journal of %d bytes: too small for this test", len(good))
	}
	flip := func(off int, bit byte) []byte {
		b := bytes.Clone(good)
		b[off] ^= bit
		return b
	}
	tests := []struct {
		name    string
		content []byte
		kind    error
		want    string
	}{
		{"an empty file (truncated to 0 bytes) is not a new journal", nil, ErrDamaged, "is damaged (it is empty: 0 bytes)"},
		{"a file cut inside the header is truncated", good[:17], ErrDamaged, "it is truncated: 17 bytes"},
		{"a file of the header only is truncated", good[:100], ErrDamaged, "it is truncated: 100 bytes, not a whole number"},
		{"a file of one page is truncated", good[:pageSize], ErrDamaged, "it is truncated: 4096 bytes, its header and log count"},
		{"a file of half its pages is truncated", good[:len(good)/pageSize/2*pageSize], ErrDamaged, "it is truncated"},
		{"a file missing its last page is truncated", good[:len(good)-pageSize], ErrDamaged, "it is truncated"},
		{"a file missing its last byte is truncated", good[:len(good)-1], ErrDamaged, "not a whole number of 4096-byte pages"},
		{"a flipped bit in the magic string is not SQLite", flip(3, 0x04), ErrNotJournal, "(it is not a SQLite database)"},
		{"a flipped bit in the page size damages the header", flip(16, 0x01), ErrDamaged, "its SQLite header is damaged"},
		{"a flipped bit in the page count reads as truncated", flip(28, 0x40), ErrDamaged, "it is truncated"},
		{"a flipped bit in the schema version damages the header", flip(60, 0x80), ErrDamaged, "schema version"},
		{"a flipped bit in a b-tree page is found by SQLite's check", flip(2*pageSize+0, 0x08), ErrDamaged, "is damaged"},
		{"a file that is not SQLite is refused", []byte("phone,name\n09012345678,山田\n"), ErrNotJournal, "it is not a SQLite database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.db")
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			refused(t, path, tt.kind, tt.want, restoreHint)
			for _, p := range []string{path + "-wal", path + "-shm"} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s left behind", filepath.Base(p))
				}
			}
		})
	}
}

func TestOpenRefusesOtherProgramsAndNewerSmscast(t *testing.T) {
	ctx := context.Background()
	t.Run("a SQLite file with another application id is another program's", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "journal.db")
		db, _ := sql.Open("sqlite", path)
		db.Exec(`PRAGMA application_id = 1234`)
		db.Exec(`CREATE TABLE photos (id INTEGER)`)
		db.Close()
		refused(t, path, ErrNotJournal, "it is a SQLite database of another program", restoreHint)
	})
	t.Run("a journal of a newer smscast says to upgrade, never to start over", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "journal.db")
		finished(t, path, 3)
		db, _ := sql.Open("sqlite", path)
		db.Exec(`PRAGMA user_version = 99`)
		db.Close()
		err := refused(t, path, ErrNewerSchema, "was written by a newer smscast (schema 99", "upgrade smscast")
		for _, bad := range []string{"move", "--journal", "start over"} {
			if strings.Contains(err.Error(), bad) {
				t.Errorf("error for a newer journal says %q: %v", bad, err)
			}
		}
	})
	t.Run("a read-only journal says to check permissions, never to start over", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "journal.db")
		finished(t, path, 3)
		os.Chmod(path, 0o400) // on Windows, the read-only attribute
		if f, err := os.OpenFile(path, os.O_RDWR, 0); err == nil {
			f.Close()
			t.Skip("this user writes read-only files (root, or Wine run by root)")
		}
		err := refused(t, path, ErrReadOnly, "cannot be written", "check the permissions and owner")
		for _, bad := range []string{"move", "--journal", "start over"} {
			if strings.Contains(err.Error(), bad) {
				t.Errorf("error for a read-only journal says %q: %v", bad, err)
			}
		}
	})
	t.Run("a journal with its log from a run still going opens, all of it", func(t *testing.T) {
		dir := t.TempDir()
		live := filepath.Join(dir, "live.db")
		j, err := Open(ctx, live)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		mustCreate(t, j, "c", plan(300))
		copyPath := filepath.Join(dir, "copy.db")
		main, _ := os.ReadFile(live)
		wal, _ := os.ReadFile(live + "-wal")
		if len(wal) == 0 {
			t.Fatal("no log to test with")
		}
		os.WriteFile(copyPath, main, 0o600)
		os.WriteFile(copyPath+"-wal", wal, 0o600)
		c, err := Open(ctx, copyPath)
		if err != nil {
			t.Fatalf("a journal whose newest pages are in its log: %v", err)
		}
		ds, err := c.Deliveries(ctx, "c")
		c.Close()
		if err != nil || len(ds) != 300 {
			t.Fatalf("Deliveries = %d, %v", len(ds), err)
		}

		// The same with the file cut to its first page: pages neither file holds are missing.
		cut := filepath.Join(dir, "cut.db")
		os.WriteFile(cut, main[:4096], 0o600)
		os.WriteFile(cut+"-wal", wal, 0o600)
		refused(t, cut, ErrDamaged, "it is truncated: 4096 bytes, its header and log count")
	})
}

// TestCreateChild is the child of TestCrashDuringCreationLeavesNoJournal: it builds a journal
// and is killed just before the journal gets its name.
func TestCreateChild(t *testing.T) {
	path := os.Getenv("SMSCAST_TEST_CREATE_CHILD")
	if path == "" {
		return
	}
	create(context.Background(), path, path, func() {
		p, _ := os.FindProcess(os.Getpid())
		p.Kill()
		select {}
	})
	t.Fatal("not killed")
}

func TestCrashDuringCreationLeavesNoJournal(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCreateChild$")
	cmd.Env = append(os.Environ(), "SMSCAST_TEST_CREATE_CHILD="+path)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("child was not killed: %s", out)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a creation killed before its end left something at the path: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".journal.db.new-*"))
	if len(left) == 0 {
		t.Fatalf("the child did not get as far as its temporary file")
	}
	// A leftover temporary file (the crash's only trace) is not a journal and is not in the way.
	j, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open after a crashed creation: %v", err)
	}
	mustCreate(t, j, "c", plan(2))
	j.Close()
	j, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if ds, err := j.Deliveries(ctx, "c"); err != nil || len(ds) != 2 {
		t.Errorf("Deliveries = %d, %v", len(ds), err)
	}
}

func TestANewJournalIsCompleteBeforeItHasItsName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	if err := create(context.Background(), path, path, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 100 {
		t.Fatalf("new journal: %d bytes, %v", len(b), err)
	}
	be32 := func(off int) int { return int(b[off])<<24 | int(b[off+1])<<16 | int(b[off+2])<<8 | int(b[off+3]) }
	if be32(68) != applicationID || be32(60) != len(migrations) || b[18] != 2 || b[19] != 2 {
		t.Errorf("header: application_id %#x, user_version %d, WAL %d/%d", be32(68), be32(60), b[18], b[19])
	}
	if err := private.Check(path); err != nil {
		t.Error(err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".journal.db.new-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if err := create(context.Background(), path, path, nil); !errors.Is(err, errAppeared) {
		t.Errorf("create over an existing journal = %v, want errAppeared", err)
	}
}

func TestAFlippedBitInADeliveryTextIsCaughtBeforeSending(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	b := finished(t, path, 50)
	i := bytes.LastIndex(b, []byte("透析"))
	if i < 0 {
		t.Fatal("body not found in the file")
	}
	b[i+1] ^= 0x01
	os.WriteFile(path, b, 0o600)
	j, err := Open(ctx, path) // SQLite's check sees sound pages: the text is what changed
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	_, err = j.SendQueue(ctx, "done1", Pending)
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "does not match its checksum: the journal was altered or damaged") ||
		!strings.Contains(err.Error(), "campaign done1, delivery ") {
		t.Errorf("SendQueue = %v", err)
	}
}

package journal

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/smscast/smscast/pkg/internal/private"
)

func TestSharingViolationIsWindowsOnly(t *testing.T) {
	tests := []struct {
		name string
		goos string
		err  error
		want bool
	}{
		{"Windows' sharing violation", "windows", &os.PathError{Op: "open", Path: "j.db", Err: syscall.Errno(32)}, true},
		{"Windows' lock violation", "windows", syscall.Errno(33), true},
		{"Windows' access denied is not", "windows", syscall.Errno(5), false},
		{"errno 32 on Linux is EPIPE, not a sharing violation", "linux", syscall.Errno(32), false},
		{"an error without an errno", "windows", errors.New("x"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sharingViolation(tt.goos, tt.err); got != tt.want {
				t.Errorf("sharingViolation = %v", got)
			}
		})
	}
}

func TestInUseIsNotDamagedAndSuggestsNoNewJournal(t *testing.T) {
	err := inUse("journal.db", syscall.Errno(32))
	if errors.Is(err, ErrDamaged) || !errors.Is(err, ErrInUse) {
		t.Errorf("kind: %v", err)
	}
	for _, bad := range []string{"damaged", "start over", "new journal", "move it aside"} {
		if contains(err.Error(), bad) {
			t.Errorf("%q says %q", err, bad)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestRestrictLogs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("modes are Unix")
	}
	abs := filepath.Join(t.TempDir(), "journal.db")
	if err := os.WriteFile(abs+"-wal", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := restrictLogs("windows", abs); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(abs + "-wal"); fi.Mode().Perm() != 0o644 {
		t.Errorf("on Windows the logs SQLite holds open are left alone; mode now %o", fi.Mode().Perm())
	}
	if err := restrictLogs(runtime.GOOS, abs); err != nil {
		t.Fatalf("a missing -shm is fine: %v", err)
	}
	if err := private.Check(abs + "-wal"); err != nil {
		t.Error(err)
	}
}

func TestASharedJournalThatCannotBeMadePrivateIsStillOpenedOnWindows(t *testing.T) {
	denied := &os.PathError{Op: "restrict access to", Path: `\\nas\clinic\journal.db`, Err: os.ErrPermission}
	if !sharedJournal("windows", denied) {
		t.Errorf("a journal another Windows user owns is refused")
	}
	if sharedJournal("linux", denied) {
		t.Errorf("on Unix a journal that cannot be made 0600 is refused, as before")
	}
	if sharedJournal("windows", errors.New("disk error")) {
		t.Errorf("other errors are not taken for sharing")
	}
}

//go:build unix

package journal

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLockFileIsNeverALink(t *testing.T) {
	ctx := context.Background()
	t.Run("a symbolic link at the lock path is not followed", func(t *testing.T) {
		j, _ := openTemp(t)
		target := j.path + ".precious"
		os.WriteFile(target, []byte("the clinic's notes"), 0o644)
		if err := os.Symlink(target, j.lockPath("c")); err != nil {
			t.Fatal(err)
		}
		_, err := j.Lock(ctx, "c")
		if err == nil || !strings.Contains(err.Error(), "is a symbolic link: remove it") {
			t.Errorf("Lock = %v, want a refusal naming the link", err)
		}
		if b, _ := os.ReadFile(target); string(b) != "the clinic's notes" {
			t.Errorf("the link's target was written: %q", b)
		}
		if fi, _ := os.Lstat(target); fi.Mode().Perm() != 0o644 {
			t.Errorf("the link's target mode changed to %v", fi.Mode().Perm())
		}
	})
	t.Run("a hard link at the lock path is not written", func(t *testing.T) {
		j, _ := openTemp(t)
		other := j.path + ".other"
		os.WriteFile(other, []byte("keep"), 0o600)
		if err := os.Link(other, j.lockPath("c")); err != nil {
			t.Fatal(err)
		}
		if _, err := j.Lock(ctx, "c"); err == nil || !strings.Contains(err.Error(), "hard links") {
			t.Errorf("Lock = %v", err)
		}
		if b, _ := os.ReadFile(other); string(b) != "keep" {
			t.Errorf("the other name's file was written: %q", b)
		}
	})
	t.Run("an existing lock file is made 0600", func(t *testing.T) {
		old := syscall.Umask(0)
		defer syscall.Umask(old)
		j, _ := openTemp(t)
		os.WriteFile(j.lockPath("c"), nil, 0o666)
		release, err := j.Lock(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		if fi, err := os.Stat(j.lockPath("c")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("lock file mode %v, %v", fi.Mode().Perm(), err)
		}
	})
}

func TestProcessStartIsKnownOnLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("no /proc")
	}
	if s := processStart(os.Getpid()); s == "" || s == "0" {
		t.Errorf("processStart(self) = %q", s)
	}
	if processStart(1<<22+12345) != "" {
		t.Errorf("processStart of no process is not empty")
	}
}

func TestLockWait(t *testing.T) {
	ctx := context.Background()
	t.Run("a holder that releases within the wait lets it through", func(t *testing.T) {
		j, path := openTemp(t)
		other, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		release, err := other.Lock(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(60*time.Millisecond, func() { release() })
		start := time.Now()
		mine, err := j.LockWait(ctx, "c", 5*time.Second)
		if err != nil {
			t.Fatalf("LockWait = %v", err)
		}
		mine()
		if d := time.Since(start); d < 50*time.Millisecond || d > 3*time.Second {
			t.Errorf("LockWait took %v for a holder that released after 60 ms", d)
		}
	})
	t.Run("a holder killed within the wait lets it through", func(t *testing.T) {
		j, path := openTemp(t)
		child := startLockChild(t, path, "c")
		time.AfterFunc(60*time.Millisecond, func() { child.Process.Kill() })
		release, err := j.LockWait(ctx, "c", 5*time.Second)
		if err != nil {
			t.Fatalf("LockWait = %v", err)
		}
		release()
	})
	t.Run("a holder that keeps it gets the LockedError once the wait is over", func(t *testing.T) {
		j, path := openTemp(t)
		child := startLockChild(t, path, "c")
		start := time.Now()
		_, err := j.LockWait(ctx, "c", 150*time.Millisecond)
		var le *LockedError
		if !errors.As(err, &le) || le.PID != child.Process.Pid {
			t.Fatalf("LockWait = %v, want a LockedError naming %d", err, child.Process.Pid)
		}
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Errorf("LockWait gave up after %v of 150 ms", d)
		}
	})
	t.Run("a cancelled wait says so", func(t *testing.T) {
		j, path := openTemp(t)
		startLockChild(t, path, "c")
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := j.LockWait(ctx, "c", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("LockWait = %v", err)
		}
	})
}

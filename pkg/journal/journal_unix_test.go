//go:build unix

package journal

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestFileModes(t *testing.T) {
	for _, umask := range []int{0o022, 0o000, 0o077} {
		t.Run(fmt.Sprintf("umask %03o gives a 0600 file in 0700 directories", umask), func(t *testing.T) {
			old := syscall.Umask(umask)
			defer syscall.Umask(old)
			base := t.TempDir()
			path := filepath.Join(base, "a", "b", "journal.db")
			j, err := Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			mustCreate(t, j, "c", plan(1))
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("%s: mode %v, %v", filepath.Base(p), fi.Mode().Perm(), err)
				}
			}
			for _, d := range []string{filepath.Join(base, "a"), filepath.Join(base, "a", "b")} {
				if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
					t.Errorf("%s: mode %v, %v", d, fi.Mode().Perm(), err)
				}
			}
			j.Close()
		})
	}
	t.Run("an existing readable journal is made private", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "journal.db")
		j, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		os.Chmod(path, 0o644)
		j, err = Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v", fi.Mode().Perm())
		}
	})
}

func startLockChild(t *testing.T, path, campaign string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SMSCAST_TEST_LOCK_CHILD="+path+"\n"+campaign)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("child: %q", line)
	}
	return cmd
}

func TestLock(t *testing.T) {
	ctx := context.Background()
	j, path := openTemp(t)

	child := startLockChild(t, path, "outage-1")
	_, err := j.Lock(ctx, "outage-1")
	var le *LockedError
	if !errors.As(err, &le) || le.PID != child.Process.Pid {
		t.Fatalf("Lock while another process holds it = %v, want a LockedError naming pid %d", err, child.Process.Pid)
	}
	want := fmt.Sprintf("campaign outage-1 is being sent by process %d (started ", child.Process.Pid)
	if !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "): wait for it or stop it") {
		t.Errorf("message = %q", err)
	}

	release, err := j.Lock(ctx, "another-campaign")
	if err != nil {
		t.Fatalf("another campaign is not locked: %v", err)
	}
	release()

	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	release, err = j.Lock(ctx, "outage-1")
	if err != nil {
		t.Fatalf("the lock of a killed process was not taken over: %v", err)
	}
	again, err := j.Lock(ctx, "outage-1")
	if err != nil {
		t.Fatalf("Lock is re-entrant within one journal: %v", err)
	}
	again()
	if _, err := os.Stat(j.lockPath("outage-1")); err != nil {
		t.Errorf("the inner release dropped the outer lock: %v", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(j.lockPath("outage-1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left behind: %v", err)
	}
}

func TestLockRow(t *testing.T) {
	ctx := context.Background()
	me := self("c")
	dead := exec.Command("true")
	dead.Run()
	deadPID := dead.Process.Pid

	alive := exec.Command("sleep", "60")
	if err := alive.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { alive.Process.Kill(); alive.Wait() }()

	tests := []struct {
		name  string
		row   holder
		taken bool
	}{
		{"a lock of a dead process on this host is taken over", holder{PID: deadPID, Host: me.Host, Boot: me.Boot}, true},
		{"a lock of a live process is refused", holder{PID: alive.Process.Pid, Host: me.Host, Boot: me.Boot}, false},
		{"a lock from before a reboot is taken over", holder{PID: alive.Process.Pid, Host: me.Host, Boot: "earlier-boot"}, me.Boot != ""},
		{"a lock held on another host is refused even if the pid is free here", holder{PID: deadPID, Host: "reception-pc", Boot: me.Boot}, false},
		{"a lock of a live process that started when the holder did is refused",
			holder{PID: alive.Process.Pid, Host: me.Host, Boot: me.Boot, ProcStart: processStart(alive.Process.Pid)}, false},
		{"a lock whose pid now belongs to another program is taken over",
			holder{PID: alive.Process.Pid, Host: me.Host, Boot: me.Boot, ProcStart: "1"}, me.ProcStart != ""},
		{"a lock of an earlier process with this very pid is taken over",
			holder{PID: me.PID, Host: me.Host, Boot: me.Boot, ProcStart: "1"}, me.ProcStart != ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, _ := openTemp(t)
			err := j.exclusive(ctx, func(ctx context.Context, c *sql.Conn) error {
				_, err := c.ExecContext(ctx, `INSERT INTO locks (campaign, pid, host, boot, started, pstart) VALUES ('c', ?, ?, ?, ?, ?)`,
					tt.row.PID, tt.row.Host, tt.row.Boot, fmtTime(t0), tt.row.ProcStart)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			release, err := j.lockRow(ctx, "c")
			if tt.taken {
				if err != nil {
					t.Fatalf("lockRow = %v", err)
				}
				if err := release(); err != nil {
					t.Fatal(err)
				}
				if _, err := j.lockRow(ctx, "c"); err != nil {
					t.Fatalf("relock after release = %v", err)
				}
				return
			}
			var le *LockedError
			if !errors.As(err, &le) || le.PID != tt.row.PID {
				t.Fatalf("lockRow = %v", err)
			}
			if tt.row.Host != me.Host && !strings.Contains(err.Error(), "on reception-pc") {
				t.Errorf("message does not name the other host: %v", err)
			}
		})
	}
}

// TestKilledProcessNeverLosesASending: MarkSending has returned, so whatever happens to the
// process next, the journal says the request may have left.
func TestKilledProcessNeverLosesASending(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	p := plan(200)
	mustCreate(t, j, "c", p)
	j.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SMSCAST_TEST_SENDING_CHILD="+path)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	sc := bufio.NewScanner(out)
	marked := map[int64]bool{}
	for sc.Scan() {
		var id int64
		fmt.Sscan(sc.Text(), &id)
		marked[id] = true
		if len(marked) == 120 {
			cmd.Process.Signal(syscall.SIGKILL)
			break
		}
	}
	cmd.Wait()
	if len(marked) < 120 {
		t.Fatalf("child marked only %d", len(marked))
	}
	j, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ds, _ := j.Deliveries(ctx, "c")
	for _, d := range ds {
		if marked[d.ID] && d.State == Pending {
			t.Errorf("delivery %d: MarkSending returned, the process died, and the journal says pending", d.ID)
		}
	}
}

//go:build unix

package roster

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestAFIFOIsRefusedInsteadOfBlocking(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "patients.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Check(fifo, Options{})
		done <- err
	}()
	select {
	case err := <-done:
		want := fifo + ": not a regular file (a pipe, a device or a socket): save the list as a file and name that file"
		if err == nil || err.Error() != want {
			t.Errorf("error %v\nwant %s", err, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Check blocked on a FIFO with no writer")
	}
	if _, err := Load("/dev/null", Options{}); err == nil || err.Error() != "/dev/null: not a regular file (a pipe, a device or a socket): save the list as a file and name that file" {
		t.Errorf("a device: %v", err)
	}
}

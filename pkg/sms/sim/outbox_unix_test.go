//go:build unix

package sim_test

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/smscast/smscast/pkg/sms/sim"
)

func TestAFIFOAsOutboxIsRefusedInsteadOfBlocking(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	_, err := sim.New(sim.Config{Outbox: fifo})
	want := "sim: outbox " + fifo + " is not a regular file: remove it or set sim.outbox to another path"
	if err == nil || err.Error() != want {
		t.Fatalf("New with a FIFO outbox = %v, want\n%s", err, want)
	}
}

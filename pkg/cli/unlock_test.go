package cli

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/smscast/smscast/pkg/journal"
)

func TestUnlockRefusesWhileTheHolderIsAliveAndClearsALeftoverLock(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the lock is a row there, held by pid: unlock runs in this process, which takes its own pid's row back; the test relies on flock")
	}
	e := newTestEnv(t)
	if r := e.run("send", "outage", "--to", fixture, "--campaign", "u1", "--yes", "--report-dir", e.dir); r.code != ExitOK {
		t.Fatalf("send: exit %d\n%s", r.code, r.stderr)
	}
	path := filepath.Join(e.dir, "data", "smscast", "journal.db")
	j, err := journal.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	release, err := j.Lock(context.Background(), "u1") // a live holder: this test process
	if err != nil {
		t.Fatal(err)
	}
	r := e.run("unlock", "u1")
	if r.code != ExitError || !strings.Contains(r.stderr, "being sent by process") {
		t.Errorf("unlock while a live process holds it: exit %d\n%s", r.code, r.stderr)
	}
	release()
	j.Close()
	r = e.run("unlock", "u1")
	if r.code != ExitOK || !strings.Contains(r.stdout, "unlocked") {
		t.Errorf("unlock: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := e.run("unlock", "nosuch"); r.code != ExitUsage {
		t.Errorf("unlock of an unknown campaign: exit %d", r.code)
	}
}

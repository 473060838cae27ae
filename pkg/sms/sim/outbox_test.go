package sim_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/smscast/smscast/pkg/internal/private"
	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/sim"
)

func TestTheOutboxIsNeverASymlinkOrAFIFO(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links and FIFOs need privileges or do not exist on Windows")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "someone-elses-file")
	if err := os.WriteFile(target, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "outbox.jsonl")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	_, err := sim.New(sim.Config{Outbox: link})
	want := "sim: outbox " + link + " is a symbolic link: smscast writes patient data only to its own file; remove the link or set sim.outbox to another path"
	if err == nil || err.Error() != want {
		t.Fatalf("New with a symlinked outbox = %v, want\n%s", err, want)
	}
	if _, err := sim.ReadOutbox(link); err == nil || err.Error() != want {
		t.Errorf("ReadOutbox of a symlink = %v, want %s", err, want)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep me\n" {
		t.Errorf("the link's target was changed: %q", b)
	}

}

func TestAnExistingOutboxIsMadeOwnerOnlyBeforePatientDataIsAppended(t *testing.T) {
	out := filepath.Join(t.TempDir(), "outbox.jsonl")
	if err := os.WriteFile(out, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(out, 0o666); err != nil { // past the umask
		t.Fatal(err)
	}
	s, err := sim.New(sim.Config{Outbox: out})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Send(context.Background(), sms.Message{To: "+819012345678", Body: "テスト", Ref: "1"}); err != nil {
		t.Fatal(err)
	}
	if err := private.Check(out); err != nil {
		t.Errorf("after a message was appended: %v", err)
	}
}

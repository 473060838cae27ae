//go:build windows

package private

import (
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// checkPrivate reads back the access list of path: protected, and one entry, for this user.
func checkPrivate(t *testing.T, path string) {
	t.Helper()
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	ctl, _, err := sd.Control()
	if err != nil {
		t.Fatal(err)
	}
	if ctl&windows.SE_DACL_PROTECTED == 0 {
		t.Errorf("%s: inherited rights are not removed (%s)", path, sd)
	}
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	if dacl.AceCount != 1 {
		t.Fatalf("%s: %d entries, want 1 (%s)", path, dacl.AceCount, sd)
	}
	var ace *windows.ACCESS_ALLOWED_ACE
	if err := windows.GetAce(dacl, 0, &ace); err != nil {
		t.Fatal(err)
	}
	sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
	if !sid.Equals(u.User.Sid) {
		t.Errorf("%s: the entry is for %s, want the current user %s", path, sid, u.User.Sid)
	}
}

func TestPrivateOnWindows(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "smscast", "reports")
	if err := MkdirAll(dir); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, dir)
	f, err := CreateFile(filepath.Join(dir, "call-list.csv"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	checkPrivate(t, f.Name())
	other := filepath.Join(t.TempDir(), "journal.db")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Restrict(other); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, other)
}

//go:build !windows

package private

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestMkdirAllMakesNewDirectoriesPrivateAndLeavesOldOnesAlone(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	base := t.TempDir()
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "a", "b")
	if err := MkdirAll(dir); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(base, "a"), dir} {
		if m := mode(t, d); m != 0o700 {
			t.Errorf("%s: mode %o, want 700", d, m)
		}
	}
	if m := mode(t, base); m != 0o755 {
		t.Errorf("an existing directory was changed: mode %o", m)
	}
	if err := MkdirAll(dir); err != nil {
		t.Errorf("MkdirAll of an existing directory: %v", err)
	}
}

func TestCreateFileIsPrivateWhateverTheUmaskOrTheOldMode(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "report.csv")
	if err := os.WriteFile(path, []byte("old"), 0o666); err != nil {
		t.Fatal(err)
	}
	f, err := CreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if m := mode(t, path); m != 0o600 {
		t.Errorf("mode %o, want 600", m)
	}
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Errorf("CreateFile did not truncate: %q", b)
	}
}

func TestRestrict(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "journal.db")
	os.WriteFile(file, nil, 0o644)
	os.Chmod(dir, 0o755)
	for _, p := range []struct {
		path string
		want os.FileMode
	}{{file, 0o600}, {dir, 0o700}} {
		if err := Restrict(p.path); err != nil {
			t.Fatal(err)
		}
		if m := mode(t, p.path); m != p.want {
			t.Errorf("%s: mode %o, want %o", p.path, m, p.want)
		}
	}
	if err := Restrict(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Errorf("Restrict of a missing file = %v", err)
	}
}

func TestCheckRefusesAnyModeBitForTheGroupOrOthers(t *testing.T) {
	tests := []struct {
		name string
		dir  bool
		mode os.FileMode
		want string // in the error; "" for private
	}{
		{"a file only its owner reads and writes is private", false, 0o600, ""},
		{"a read-only file of the owner's is private", false, 0o400, ""},
		{"a directory only its owner opens is private", true, 0o700, ""},
		{"a file the group can read is not", false, 0o640, "mode 0640"},
		{"a file anyone can write is not", false, 0o602, "mode 0602"},
		{"a directory others can list is not", true, 0o705, "mode 0705"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x")
			if tt.dir {
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			err := Check(path)
			if tt.want == "" {
				if err != nil {
					t.Errorf("Check = %v, want nil", err)
				}
				return
			}
			var np *NotPrivateError
			if !errors.As(err, &np) || np.Path != path || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check = %v, want a NotPrivateError about %s with %q", err, path, tt.want)
			}
		})
	}
}

// Package private makes the files and directories that hold patients' names and numbers (the
// journal, reports, call lists, lock files) readable by the current user only: modes 0600 and
// 0700 on Unix, an access list on Windows that grants the user full control and nothing to anyone
// else, with inherited rights removed.
package private

import (
	"errors"
	"os"
	"path/filepath"
)

// NotPrivateError says why a file or directory that should be private is not.
type NotPrivateError struct {
	Path   string
	Reason string // what lets others in, in a phrase: "mode 0644 lets others read or write it"
}

func (e *NotPrivateError) Error() string { return e.Path + " is not private: " + e.Reason }

// MkdirAll creates dir and any missing parents, each new one private. Directories that already
// exist are left as they are: they may be the user's own (home, %LOCALAPPDATA%, a shared folder
// the clinic chose), and changing their rights would break what else lives there.
func MkdirAll(dir string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := mkdir(missing[i]); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
	}
	return nil
}

// CreateFile creates or truncates path for writing, as os.Create does, and makes it private before
// anything is written to it.
func CreateFile(path string) (*os.File, error) {
	return OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC)
}

// OpenFile is os.OpenFile for a private file: a file it creates, or any file opened with O_CREATE,
// is made private before the caller writes to it.
func OpenFile(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag, 0o600)
	if err != nil {
		return nil, err
	}
	if flag&os.O_CREATE != 0 {
		if err := Restrict(path); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// Restrict makes an existing file or directory private: mode 0600 (a directory 0700) on Unix; on
// Windows an access list that gives the current user full control (inherited by what a directory
// will hold) and removes every inherited right.
func Restrict(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return restrict(path, fi.IsDir())
}

// Check returns nil when only the current user can use path, and a *NotPrivateError saying what
// lets others in otherwise: on Unix, any group or other bit in its mode; on Windows, an access list
// that is missing, inherits rights from the folder, or allows anyone but the current user. It is
// how tests (and code that must refuse to write patients' data to an open file) verify what
// MkdirAll, CreateFile, OpenFile and Restrict did, on either system.
func Check(path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	return check(path)
}

// SDDL is the Windows security descriptor, in SDDL, of a private file (dir false) or directory
// for the user whose SID is sid: "P" protects the list from inherited entries, and the one entry
// allows FA (full access); a directory's entry is inherited by the files (OI) and directories (CI)
// created in it, so that files others create there (SQLite's -wal and -shm) are private too.
func SDDL(sid string, dir bool) string {
	inherit := ""
	if dir {
		inherit = "OICI"
	}
	return "D:P(A;" + inherit + ";FA;;;" + sid + ")"
}

//go:build !windows

package private

import (
	"fmt"
	"os"
)

func mkdir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700) // whatever the umask
}

func restrict(path string, dir bool) error {
	if dir {
		return os.Chmod(path, 0o700)
	}
	return os.Chmod(path, 0o600)
}

func check(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if m := fi.Mode().Perm(); m&0o077 != 0 {
		return &NotPrivateError{Path: path, Reason: fmt.Sprintf("mode %04o lets the group or others use it", m)}
	}
	return nil
}

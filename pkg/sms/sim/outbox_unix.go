//go:build unix

package sim

import (
	"fmt"
	"os"
	"syscall"
)

// oNoFollow makes the open itself fail on a symbolic link (ELOOP), closing the window between
// the Lstat check and the open.
const oNoFollow = syscall.O_NOFOLLOW

// ownOnly checks that the opened file is a regular file and sets its mode to 0600: a file made
// 0666 by hand or by another tool would otherwise keep showing patients' numbers to every user.
func ownOnly(f *os.File, name string) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("sim: outbox: %w", err)
	}
	if !st.Mode().IsRegular() {
		return notRegularError(name)
	}
	if st.Mode().Perm() != 0o600 {
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("sim: outbox %s: make it readable only by its owner: %w", name, err)
		}
	}
	return nil
}

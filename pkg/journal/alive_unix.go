//go:build unix

package journal

import (
	"errors"
	"syscall"
)

// processAlive reports whether pid exists. EPERM means it exists under another user.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

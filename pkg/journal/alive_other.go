//go:build !unix

package journal

import "os"

// processAlive reports whether pid exists. On Windows FindProcess opens the process and fails
// when there is none; where it cannot tell, the holder is taken for alive.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

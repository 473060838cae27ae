//go:build !unix && !windows

package journal

import "os"

// processAlive reports whether pid exists. Where FindProcess cannot tell, the holder is taken for
// alive.
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

// processStart is unknown here.
func processStart(pid int) string { return "" }

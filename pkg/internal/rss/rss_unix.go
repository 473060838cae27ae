//go:build unix

package rss

import (
	"fmt"
	"runtime"
	"syscall"
)

// Peak is this process's peak resident memory, "123 MB", for the big-list measurements.
func Peak() string {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return "unknown"
	}
	kb := int64(ru.Maxrss)
	if runtime.GOOS == "darwin" {
		kb /= 1024 // bytes there, kilobytes elsewhere
	}
	return fmt.Sprintf("%d MB", kb/1024)
}

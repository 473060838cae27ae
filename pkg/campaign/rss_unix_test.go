//go:build unix

package campaign

import (
	"fmt"
	"runtime"
	"syscall"
)

// peakRSS is this process's peak resident memory, for the big-list measurement.
func peakRSS() string {
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

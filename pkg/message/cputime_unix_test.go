//go:build unix

package message

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used (user + system), to report throughput per CPU
// second: on a shared machine wall time also counts other processes' turns.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

//go:build windows

package journal

import (
	"errors"

	"golang.org/x/sys/windows"
)

// stillActive is the exit code GetExitCodeProcess reports for a process that has not ended.
const stillActive = 259

// processAlive reports whether pid is a running process. A process we may not open (another
// user's, a protected one) exists; a pid Windows does not know does not. A process that ended but
// whose handle someone still holds keeps its pid, and is dead.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return true
	}
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return true // cannot tell: taken for alive
	}
	return code == stillActive
}

// processStart is the creation time of process pid (GetProcessTimes), or "" when it cannot be
// read. A pid that Windows gave to another process since, after a reboot or not, has another.
func processStart(pid int) string {
	if pid <= 0 {
		return ""
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return ""
	}
	defer windows.CloseHandle(h)
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return ""
	}
	return fileTimeStart(created.HighDateTime, created.LowDateTime)
}

package journal

import "testing"

// TestStaleHolder decides staleness from what a Windows, Linux or macOS computer would answer
// about the holder's pid, on any OS.
func TestStaleHolder(t *testing.T) {
	me := holder{PID: 4242, Host: "reception", ProcStart: "133700000000000000"}
	const (
		before = "133690000000000000" // a creation time from before the last reboot
		now    = "133700000000001234"
	)
	tests := []struct {
		name    string
		h       holder
		startOf string // what the OS says about h's pid now ("" unknown)
		alive   bool
		stale   bool
	}{
		{"a Windows pid reused after a reboot by another live process is stale",
			holder{PID: 812, Host: "reception", ProcStart: before}, now, true, true},
		{"a live holder that started when the row says is not stale",
			holder{PID: 812, Host: "reception", ProcStart: now}, now, true, false},
		{"a holder whose start the OS cannot tell is alive while its pid is",
			holder{PID: 812, Host: "reception", ProcStart: before}, "", true, false},
		{"a holder recorded without a start is alive while its pid is",
			holder{PID: 812, Host: "reception"}, now, true, false},
		{"a holder whose pid no longer exists is stale",
			holder{PID: 812, Host: "reception", ProcStart: before}, "", false, true},
		{"a holder that is this very process is stale",
			holder{PID: 4242, Host: "reception", ProcStart: me.ProcStart}, me.ProcStart, true, true},
		{"an earlier process with this process's pid, recorded without a start, is stale",
			holder{PID: 4242, Host: "reception"}, me.ProcStart, true, true},
		{"a holder on another computer is never stale, even with a free pid",
			holder{PID: 812, Host: "nurse-station", ProcStart: before}, "", false, false},
		{"a holder on another computer with this process's pid is not stale",
			holder{PID: 4242, Host: "nurse-station"}, me.ProcStart, true, false},
		{"a Linux holder from an earlier boot is stale",
			holder{PID: 812, Host: "reception", Boot: "b1"}, now, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := me
			if tt.h.Boot != "" {
				m.Boot = "b2"
			}
			startOf := func(pid int) string {
				if pid != tt.h.PID {
					t.Fatalf("asked about pid %d", pid)
				}
				return tt.startOf
			}
			alive := func(int) bool { return tt.alive }
			if got := staleHolder(tt.h, m, startOf, alive); got != tt.stale {
				t.Errorf("stale = %v, want %v", got, tt.stale)
			}
		})
	}
}

func TestFileTimeStart(t *testing.T) {
	if got := fileTimeStart(0x01DB2F3A, 0x12345678); got != "133752540397590136" {
		t.Errorf("fileTimeStart = %s", got)
	}
	if got := fileTimeStart(0, 0); got != "" {
		t.Errorf("a zero creation time is unknown, got %q", got)
	}
}

func TestProcessStartOfThisProcess(t *testing.T) {
	me := self("c")
	if me.ProcStart != "" && processStart(me.PID) != me.ProcStart {
		t.Errorf("processStart(self) changed: %q, then %q", me.ProcStart, processStart(me.PID))
	}
	if !processAlive(me.PID) {
		t.Errorf("this process is not alive")
	}
}

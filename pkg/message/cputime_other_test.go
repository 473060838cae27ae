//go:build !unix

package message

import "time"

func cpuTime() time.Duration { return 0 }

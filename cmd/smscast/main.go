// Command smscast sends an urgent SMS to every patient on a clinic's list, exactly once.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	// The timezone database inside the binary: Windows has none where Go looks, and the clinic's
	// "today" (config timezone: Asia/Tokyo) must be right there too.
	_ "time/tzdata"

	"github.com/smscast/smscast/pkg/cli"
)

// version is stamped by the release build (-ldflags "-X main.version=…").
var version = "dev"

func main() {
	// The first Ctrl-C stops taking new work and lets in-flight requests finish; after it, signals
	// get their default behaviour again, so a second Ctrl-C ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	// A write to a stdout whose reader has gone (`smscast history | head -1`) would otherwise kill
	// the process with SIGPIPE on Unix (exit 141, which `set -o pipefail` takes for a failure);
	// asked for, the signal is delivered here and dropped, the write fails with EPIPE, and cli.Main
	// ends the command quietly with exit 0, as it does on Windows. Nothing reads the channel.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	code := cli.Main(ctx, cli.System(version), os.Args[1:])
	stop()
	os.Exit(code)
}

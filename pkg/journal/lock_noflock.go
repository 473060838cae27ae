//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package journal

import "context"

const haveFlock = false

func (j *Journal) lockFile(ctx context.Context, campaign string) (func() error, error) {
	return j.lockRow(ctx, campaign)
}

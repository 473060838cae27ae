//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package journal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

const haveFlock = true

// lockFile takes an flock on the campaign's lock file and writes who holds it, for the message
// the next process prints. The file is removed on release; a process that opened it just before
// finds it unlinked after locking (another inode than the path's) and tries again.
func (j *Journal) lockFile(ctx context.Context, campaign string) (func() error, error) {
	me := self(campaign)
	path := j.lockPath(campaign)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("lock campaign %s: %w", campaign, err)
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EWOULDBLOCK) {
			h := waitHolder(f)
			f.Close()
			return nil, h.lockedError(me)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock campaign %s: %w", campaign, err)
		}
		fi, err1 := f.Stat()
		pi, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(fi, pi) {
			f.Close()
			continue
		}
		b, _ := json.Marshal(me)
		if err := f.Truncate(0); err == nil {
			_, err = f.WriteAt(b, 0)
		}
		if err != nil {
			os.Remove(path)
			f.Close()
			return nil, fmt.Errorf("lock campaign %s: %w", campaign, err)
		}
		return func() error {
			err := os.Remove(path) // while still locked: nobody can hold a lock on the old inode
			if e := f.Close(); err == nil {
				err = e
			}
			return err
		}, nil
	}
}

// waitHolder reads who holds the lock; the holder writes it just after locking, so an empty
// file is given a moment.
func waitHolder(f *os.File) holder {
	for i := 0; i < 20; i++ {
		b, _ := io.ReadAll(io.NewSectionReader(f, 0, 1<<16))
		if h, ok := readHolder(b); ok {
			return h
		}
		time.Sleep(10 * time.Millisecond)
	}
	return holder{}
}

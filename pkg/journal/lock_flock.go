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
		f, err := openLockFile(path)
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

// openLockFile opens or creates a lock file that is this user's own regular file and nothing
// else: a symbolic or hard link planted at its path would make the holder record (written after
// locking) overwrite the file it points to. O_NOFOLLOW refuses a link atomically; the Lstat
// before it only gives the refusal a plain message on systems whose error for it is not ELOOP.
// An existing lock file is made 0600 whatever mode it was left with.
func openLockFile(path string) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil, fmt.Errorf("lock file %s is a symbolic link: remove it (smscast never follows one)", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("lock file %s is a symbolic link: remove it (smscast never follows one)", path)
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.Mode().IsRegular():
		err = fmt.Errorf("lock file %s is not a regular file: remove it", path)
	case st != nil && uint64(st.Nlink) > 1:
		err = fmt.Errorf("lock file %s has other names (hard links): remove it", path)
	case st != nil && int(st.Uid) != os.Geteuid():
		err = fmt.Errorf("lock file %s belongs to another user (uid %d): remove it, or run smscast as that user", path, st.Uid)
	case fi.Mode().Perm() != 0o600:
		err = f.Chmod(0o600)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

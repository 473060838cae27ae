package sim

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/smscast/smscast/pkg/internal/private"
)

// openOutbox opens the outbox for appending, creating it 0600 in a 0700 directory. The outbox
// holds patients' numbers and texts, so it must be smscast's own file: a symbolic link (which
// could point at any file the user may write) or anything but a regular file is refused, and an
// existing file's mode is set back to 0600 before another patient is appended.
func openOutbox(name string) (*os.File, error) {
	if err := private.MkdirAll(filepath.Dir(name)); err != nil {
		return nil, fmt.Errorf("sim: create outbox directory: %w", err)
	}
	if err := refuseNotRegular(name); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE|oNoFollow, 0o600)
	if err != nil {
		if isSymlinkRefusal(name, err) {
			return nil, symlinkError(name)
		}
		return nil, fmt.Errorf("sim: open outbox: %w", err)
	}
	if err := ownOnly(f, name); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// openOutboxRead opens the outbox for reading with the same refusals; a missing file is
// fs.ErrNotExist.
func openOutboxRead(name string) (*os.File, error) {
	if err := refuseNotRegular(name); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(name, os.O_RDONLY|oNoFollow, 0)
	if err != nil {
		if isSymlinkRefusal(name, err) {
			return nil, symlinkError(name)
		}
		return nil, err
	}
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		f.Close()
		return nil, notRegularError(name)
	}
	return f, nil
}

// refuseNotRegular checks the path itself, without following a link: a FIFO would block the
// open, a link could lead anywhere. Where the OS has O_NOFOLLOW the open repeats the check
// without a window between the two.
func refuseNotRegular(name string) error {
	st, err := os.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("sim: outbox: %w", err)
	case st.Mode()&fs.ModeSymlink != 0:
		return symlinkError(name)
	case !st.Mode().IsRegular():
		return notRegularError(name)
	}
	return nil
}

func isSymlinkRefusal(name string, err error) bool {
	st, lerr := os.Lstat(name)
	return err != nil && lerr == nil && st.Mode()&fs.ModeSymlink != 0
}

func symlinkError(name string) error {
	return fmt.Errorf("sim: outbox %s is a symbolic link: smscast writes patient data only to its own file; remove the link or set sim.outbox to another path", name)
}

func notRegularError(name string) error {
	return fmt.Errorf("sim: outbox %s is not a regular file: remove it or set sim.outbox to another path", name)
}

//go:build !unix

package sim

import (
	"fmt"
	"os"

	"github.com/smscast/smscast/pkg/internal/private"
)

// oNoFollow is 0 where the OS has no O_NOFOLLOW (Windows): the Lstat check before the open
// refuses links and FIFOs.
const oNoFollow = 0

// ownOnly checks the opened file is a regular file and gives it an owner-only access list: a mode
// means nothing on Windows, and a file made elsewhere, or in a folder the user chose, inherits
// that folder's rights.
func ownOnly(f *os.File, name string) error {
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return notRegularError(name)
	}
	if err := private.Restrict(name); err != nil {
		return fmt.Errorf("sim: outbox %s: make it readable only by its owner: %w", name, err)
	}
	return nil
}

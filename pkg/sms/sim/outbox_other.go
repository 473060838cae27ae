//go:build !unix

package sim

import "os"

// oNoFollow is 0 where the OS has no O_NOFOLLOW (Windows): the Lstat check before the open
// refuses links and FIFOs.
const oNoFollow = 0

// ownOnly checks the opened file is a regular file. Windows has no mode bits to enforce: the
// access list of the (0700) directory protects the file.
func ownOnly(f *os.File, name string) error {
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return notRegularError(name)
	}
	return nil
}

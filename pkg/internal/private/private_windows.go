//go:build windows

package private

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// descriptor is the security descriptor of a private file or directory for the user this process
// runs as (its token's user, not the token's default owner: run elevated, that owner is the
// Administrators group).
func descriptor(dir bool) (*windows.SECURITY_DESCRIPTOR, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("find the current user: %w", err)
	}
	return windows.SecurityDescriptorFromString(SDDL(u.User.Sid.String(), dir))
}

// mkdir creates dir with its access list in the same call, so that it is never open to others.
func mkdir(dir string) error {
	sd, err := descriptor(true)
	if err != nil {
		return err
	}
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return err
	}
	sa := &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}
	if err := windows.CreateDirectory(p, sa); err != nil {
		return &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	return nil
}

func restrict(path string, dir bool) error {
	sd, err := descriptor(dir)
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	err = windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
	if err != nil {
		return &os.PathError{Op: "restrict access to", Path: path, Err: err}
	}
	return nil
}

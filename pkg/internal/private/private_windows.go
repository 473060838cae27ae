//go:build windows

package private

import (
	"errors"
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

// check reads back the access list of path: protected from the folder's rights, and allowing no
// one but the user this process runs as. Entries that deny are harmless and allowed.
func check(path string) error {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return &os.PathError{Op: "read the access list of", Path: path, Err: err}
	}
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return fmt.Errorf("find the current user: %w", err)
	}
	ctl, _, err := sd.Control()
	if err != nil {
		return &os.PathError{Op: "read the access list of", Path: path, Err: err}
	}
	dacl, _, err := sd.DACL()
	if errors.Is(err, windows.ERROR_OBJECT_NOT_FOUND) || (err == nil && dacl == nil) {
		// No list, or a null one, lets everyone in.
		return &NotPrivateError{Path: path, Reason: "it has no access list, so everyone may use it"}
	}
	if err != nil {
		return &os.PathError{Op: "read the access list of", Path: path, Err: err}
	}
	if ctl&windows.SE_DACL_PROTECTED == 0 {
		return &NotPrivateError{Path: path, Reason: "it inherits the rights of its folder (" + sd.String() + ")"}
	}
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return &os.PathError{Op: "read the access list of", Path: path, Err: err}
		}
		switch ace.Header.AceType {
		case windows.ACCESS_DENIED_ACE_TYPE:
		case windows.ACCESS_ALLOWED_ACE_TYPE:
			// Both types keep the SID where SidStart begins.
			sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
			if !sid.Equals(u.User.Sid) {
				return &NotPrivateError{Path: path, Reason: "it lets " + account(sid) + " use it (" + sd.String() + ")"}
			}
		default:
			return &NotPrivateError{Path: path, Reason: fmt.Sprintf("it has an entry of type %d, which smscast does not make (%s)", ace.Header.AceType, sd.String())}
		}
	}
	return nil
}

// account names sid as Windows shows it (BUILTIN\Users), or as its string when it names no account.
func account(sid *windows.SID) string {
	name, domain, _, err := sid.LookupAccount("")
	if err != nil {
		return sid.String()
	}
	if domain == "" {
		return name
	}
	return domain + `\` + name
}

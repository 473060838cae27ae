//go:build windows

package private

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// setSDDL replaces the access list of path with the one sddl describes, "%s" standing for the
// current user's SID.
func setSDDL(t *testing.T, path, sddl string) {
	t.Helper()
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	sd, err := windows.SecurityDescriptorFromString(strings.ReplaceAll(sddl, "%s", u.User.Sid.String()))
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	err = windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
	if err != nil {
		t.Fatal(err)
	}
}

func TestRestrictLeavesOneEntryForTheCurrentUser(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Restrict(path); err != nil {
		t.Fatal(err)
	}
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil || dacl.AceCount != 1 {
		t.Errorf("%s: access list %s, want one entry", path, sd)
	}
	if err := Check(path); err != nil {
		t.Error(err)
	}
}

func TestCheckOnWindows(t *testing.T) {
	tests := []struct {
		name string
		sddl string // "" leaves what the file inherits from its folder
		want string // in the error; "" for private
	}{
		{"a file that keeps its folder's rights is not private", "", "inherits the rights of its folder"},
		{"a file the Users group may read is not private", "D:P(A;;FA;;;%s)(A;;FR;;;BU)", "lets BUILTIN\\Users use it"},
		{"a file everyone may use is not private", "D:P(A;;FA;;;WD)", "use it"},
		{"a file only its user may use is private", "D:P(A;;FA;;;%s)", ""},
		{"an entry that denies the guests changes nothing", "D:P(D;;FA;;;BG)(A;;FA;;;%s)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "report.csv")
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if tt.sddl != "" {
				setSDDL(t, path, tt.sddl)
			}
			err := Check(path)
			if tt.want == "" {
				if err != nil {
					t.Errorf("Check = %v, want nil", err)
				}
				return
			}
			var np *NotPrivateError
			if !errors.As(err, &np) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check = %v, want a NotPrivateError with %q", err, tt.want)
			}
		})
	}
}

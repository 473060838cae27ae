package private

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSDDL(t *testing.T) {
	const sid = "S-1-5-21-1004336348-1177238915-682003330-1001"
	tests := []struct {
		name string
		dir  bool
		want string
	}{
		{"a file grants its user full access and inherits nothing", false, "D:P(A;;FA;;;" + sid + ")"},
		{"a directory passes its one entry on to what it will hold", true, "D:P(A;OICI;FA;;;" + sid + ")"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SDDL(sid, tt.dir); got != tt.want {
				t.Errorf("SDDL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWhatThisPackageMakesPassesCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "smscast", "reports")
	if err := MkdirAll(dir); err != nil {
		t.Fatal(err)
	}
	created := filepath.Join(dir, "call-list.csv")
	f, err := CreateFile(created)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	restricted := filepath.Join(t.TempDir(), "journal.db")
	if err := os.WriteFile(restricted, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Restrict(restricted); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Dir(dir), dir, created, restricted} {
		if err := Check(p); err != nil {
			t.Errorf("Check: %v", err)
		}
	}
}

func TestCheckOfAMissingFileSaysItIsMissing(t *testing.T) {
	err := Check(filepath.Join(t.TempDir(), "missing.csv"))
	var np *NotPrivateError
	if !errors.Is(err, os.ErrNotExist) || errors.As(err, &np) {
		t.Errorf("Check of a missing file = %v", err)
	}
}

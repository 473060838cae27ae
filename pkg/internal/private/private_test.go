package private

import "testing"

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

package sms_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestProvidersImportOnlyTheContract keeps the layout's rule (DESIGN.md): providers and their
// fakes import only pkg/sms and pkg/sms/segment of this module (and pkg/sms/internal helpers, and
// pkg/internal/private, a leaf that makes a file only its user can read, for the sim's outbox of
// patients' numbers), never the template, list or filter packages, and pkg/sms/segment imports
// nothing of smscast.
func TestProvidersImportOnlyTheContract(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	const mod = "github.com/smscast/smscast/"
	allowed := func(importer, p string) bool {
		switch {
		case p == mod+"pkg/sms", p == mod+"pkg/sms/segment", strings.HasPrefix(p, mod+"pkg/sms/internal/"),
			p == mod+"pkg/internal/private":
			return true
		}
		// A provider may import its own subpackages (its fake imports nothing else of it).
		return strings.HasPrefix(p, importer+"/") || p == importer
	}
	for _, pkg := range []string{"twilio", "twilio/twiliotest", "sim", "karaden", "karaden/karadentest", "smsgate", "smsgate/smsgatetest"} {
		t.Run(pkg, func(t *testing.T) {
			out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}", "./"+pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list -deps ./%s: %v\n%s", pkg, err, out)
			}
			root := mod + "pkg/sms/" + strings.Split(pkg, "/")[0]
			n := 0
			for _, p := range strings.Fields(string(out)) {
				if !strings.HasPrefix(p, mod) {
					continue
				}
				n++
				for _, banned := range []string{"pkg/message", "pkg/filter", "pkg/roster", "templates"} {
					if strings.HasPrefix(p, mod+banned) {
						t.Errorf("%s depends on %s", pkg, p)
					}
				}
				if !allowed(root, p) {
					t.Errorf("%s depends on %s: providers import only pkg/sms and pkg/sms/segment", pkg, p)
				}
			}
			if n < 2 {
				t.Fatalf("go list found only %d packages of the module for %s:\n%s", n, pkg, out)
			}
		})
	}
	t.Run("segment", func(t *testing.T) {
		out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}", "./segment").CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps ./segment: %v\n%s", err, out)
		}
		for _, p := range strings.Fields(string(out)) {
			if strings.HasPrefix(p, mod) && p != mod+"pkg/sms/segment" {
				t.Errorf("pkg/sms/segment depends on %s: it must stay a leaf", p)
			}
		}
	})
}

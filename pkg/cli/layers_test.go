package cli

import (
	"os/exec"
	"strings"
	"testing"
)

// The CLI is a front end: it runs campaigns through pkg/campaign, never the engine itself, so the
// web page and the command line cannot drift apart.
func TestTheCLIDoesNotImportTheEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Split(string(out), "\n") {
		if imp == "github.com/smscast/smscast/pkg/broadcast" {
			t.Errorf("pkg/cli imports %s: call pkg/campaign instead", imp)
		}
	}
}

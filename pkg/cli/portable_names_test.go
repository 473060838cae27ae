package cli

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// Every file of the repository can be checked out on Windows: no device name (nul.csv is the
// device NUL), no character Windows refuses, no name ending in a dot or a space, and no two names
// that differ only in case.
func TestEveryFileNameWorksOnWindows(t *testing.T) {
	out, err := exec.Command("git", "ls-files", "--full-name", ":/").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	device := regexp.MustCompile(`(?i)^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$`)
	folded := map[string]string{}
	for _, p := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		for _, part := range strings.Split(p, "/") {
			if device.MatchString(part) || strings.ContainsAny(part, `<>:"|?*\`) || strings.HasSuffix(part, ".") || strings.HasSuffix(part, " ") {
				t.Errorf("%s: %q cannot be a file name on Windows", p, part)
			}
		}
		if other, ok := folded[strings.ToLower(p)]; ok {
			t.Errorf("%s and %s differ only in case: one overwrites the other on Windows", p, other)
		}
		folded[strings.ToLower(p)] = p
	}
}

// Package pattern matches phone numbers against the patterns the simulator and the fake Twilio
// use to choose outcomes.
package pattern

import (
	"fmt"
	"path"
	"strings"
)

// Match reports whether an E.164 number matches pattern. A pattern containing a glob
// metacharacter (*, ? or [) is a shell glob matched against the whole number ("+8190*0000");
// any other pattern matches every number that ends with it ("0000", or a whole number).
func Match(pattern, number string) bool {
	if strings.ContainsAny(pattern, "*?[") {
		ok, _ := path.Match(pattern, number)
		return ok
	}
	return pattern != "" && strings.HasSuffix(number, pattern)
}

// Any reports whether number matches one of pats.
func Any(pats []string, number string) bool {
	for _, p := range pats {
		if Match(p, number) {
			return true
		}
	}
	return false
}

// Check returns an error for an empty or malformed pattern.
func Check(p string) error {
	if p == "" {
		return fmt.Errorf("empty pattern: give a number, a suffix or a glob")
	}
	if _, err := path.Match(p, ""); err != nil {
		return fmt.Errorf("pattern %q is not a valid glob: %w", p, err)
	}
	return nil
}

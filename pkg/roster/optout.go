package roster

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"
)

// LoadOptOut reads an opt-out file: one phone number per line, in any format the list accepts.
// Blank lines and lines starting with # are ignored. It returns the numbers in E.164.
func LoadOptOut(path, region string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opt-out file: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(norm.NFKC.String(strings.TrimPrefix(sc.Text(), "\ufeff")))
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		// A CSV export may carry the number in its first column.
		s, _, _ = strings.Cut(s, ",")
		num, err := phonenumbers.Parse(s, region)
		if err != nil || !phonenumbers.IsValidNumber(num) {
			return nil, fmt.Errorf("%s line %d: %q is not a phone number: fix or remove the line", path, line, s)
		}
		out = append(out, phonenumbers.Format(num, phonenumbers.E164))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

package roster

import (
	"bufio"
	"errors"
	"strconv"
	"strings"
)

// LoadOptOut reads an opt-out file: one phone number per line, in any format the list accepts
// (090-1234-5678, +81 90…, full-width digits, a note in brackets), in UTF-8 (with or without BOM)
// or CP932. Blank lines and lines starting with # are ignored; a CSV export may carry the number in
// its first column. It returns the numbers in E.164. A line that is not a phone number is an
// *Error naming it (as its row), so a damaged file never silently lets a message through.
func LoadOptOut(path, region string) ([]string, error) {
	rg, err := regionCode(region, path)
	if err != nil {
		return nil, err
	}
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	text, _, err := decodeInput(f, "", path)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Msg == msgEmptyFile {
			return nil, nil
		}
		return nil, err
	}
	p := phoneParser{region: rg, wantE164: true}
	var out []string
	sc := bufio.NewScanner(text)
	sc.Buffer(make([]byte, 0, 4096), maxFieldBytes)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		s, _, _ = strings.Cut(s, ",")
		n := p.classify(s)
		if n.e164 == "" {
			return nil, &Error{Path: path, Row: line, Msg: strconv.Quote(strings.TrimSpace(s)) + ": " + n.reason,
				Hint: "fix or remove the line"}
		}
		out = append(out, n.e164)
	}
	if err := sc.Err(); err != nil {
		return nil, &Error{Path: path, Msg: "cannot read the opt-out file: " + err.Error(), Err: err}
	}
	return out, nil
}

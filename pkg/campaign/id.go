package campaign

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// IDExample is a campaign ID every file system accepts, for the hint of an ID that is refused.
const IDExample = "outage-2026-11-21"

// IDError says why a campaign ID cannot be used: it names the report files, which must be
// creatable on Windows, macOS and Linux alike (a journal and its reports may move between them).
type IDError struct {
	ID     string
	Reason string
}

func (e *IDError) Error() string {
	return fmt.Sprintf("campaign ID %q %s: choose another, e.g. %s", e.ID, e.Reason, IDExample)
}

// idPattern is what smscast itself allows: a letter or digit first, then letters, digits, dot,
// dash and underscore. It is checked after the Windows rules so that their reasons, which say
// more, come first.
var idPattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._-]*$`)

// maxIDBytes keeps report file names (ID plus a suffix) far inside every file system's limit.
const maxIDBytes = 100

// windowsDevices are the names Windows reserves for devices in every directory, with any
// extension (nul.csv is the device NUL too) and in any case. COM0, LPT0 and the superscript
// digits are on Microsoft's list as well.
var windowsDevices = func() map[string]bool {
	m := map[string]bool{"CON": true, "PRN": true, "AUX": true, "NUL": true}
	for _, d := range []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³"} {
		m["COM"+d], m["LPT"+d] = true, true
	}
	return m
}()

// ValidID returns an *IDError when id cannot name a campaign on every OS: empty or too long, a
// Windows device name (CON, PRN, AUX, NUL, COM1–COM9, LPT1–LPT9, with or without an extension,
// in any case), ending in a dot or a space, holding a character Windows refuses in a file name
// (< > : " / \ | ? * and control characters), or anything else than letters, digits, dot, dash
// and underscore.
func ValidID(id string) error {
	bad := func(reason string, a ...any) error { return &IDError{ID: id, Reason: fmt.Sprintf(reason, a...)} }
	switch {
	case id == "":
		return bad("is empty")
	case !utf8.ValidString(id):
		return bad("is not valid text (UTF-8)")
	case len(id) > maxIDBytes:
		return bad("is too long (%d bytes; at most %d)", len(id), maxIDBytes)
	}
	for _, r := range id {
		switch {
		case r < 0x20 || r == 0x7f:
			return bad("holds a control character (%U), which no file name may hold", r)
		case strings.ContainsRune(`<>:"/\|?*`, r):
			return bad("holds %q, which Windows does not allow in a file name", r)
		}
	}
	if last := id[len(id)-1]; last == '.' || last == ' ' {
		return bad("ends in a %s, which Windows removes from file names", map[byte]string{'.': "dot", ' ': "space"}[last])
	}
	if base, _, _ := strings.Cut(id, "."); windowsDevices[strings.ToUpper(strings.TrimRight(base, " "))] {
		return bad("is a name Windows keeps for a device (%s), with or without an extension", strings.ToUpper(strings.TrimRight(base, " ")))
	}
	if !idPattern.MatchString(id) {
		return bad("must start with a letter or digit and hold only letters, digits, dot, dash and underscore")
	}
	return nil
}

// FoldID is the form of id by which two IDs are the same campaign: Windows and macOS take
// Outage-1 and outage-1 for one file name, so smscast takes them for one campaign everywhere.
// It folds case (Unicode full case folding: ß and ss are one) and composes accents (macOS does
// not tell a precomposed é from e and a combining accent).
func FoldID(id string) string {
	return norm.NFC.String(cases.Fold().String(norm.NFC.String(id)))
}

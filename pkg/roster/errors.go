package roster

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a problem with the list as a whole or with one of its rows, worded for the person who
// has to open the file and fix it. Error() reads like
//
//	patients.csv row 7: unterminated quoted field: close the quote or re-export the file
type Error struct {
	Path string // the list as the user named it
	Row  int    // spreadsheet row (the header is row 1); 0 when the problem is not in one row
	Msg  string // what is wrong, lowercase, no trailing period
	Hint string // what to do next; may be empty
	Err  error  // the underlying error, if any (for errors.Is/As)
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Row > 0 {
		fmt.Fprintf(&b, " row %d", e.Row)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(": ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// errRecordTooLong is returned by the guard reader under encoding/csv when one record runs on
// for more than maxRecordBytes; it keeps a 100 MB field from being read into memory.
var errRecordTooLong = errors.New("record too long")

// errListTooLarge is a list beyond MaxRows or MaxBytes.
var errListTooLarge = errors.New("list too large")

const (
	// maxFieldBytes caps one cell. A real cell (a name, a number, a note) is far smaller; a longer
	// one is a quote that never closes or a file that is not a patient list.
	maxFieldBytes = 64 << 10
	// maxRecordBytes caps one record as read by encoding/csv, before it is split into fields.
	maxRecordBytes = 1 << 20
)

const msgEmptyFile = "the file is empty"

const hintReexport = "re-export the list from Excel as CSV"

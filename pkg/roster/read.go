package roster

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// guardReader sits under encoding/csv and fails a read once the current record has run on for
// more than maxRecordBytes, so a 100 MB field (or a quote that never closes in a 1 GB file) is
// never read into memory. The record loop moves limit forward after each record.
type guardReader struct {
	r     io.Reader
	n     int64
	limit int64
	// lines counts line breaks read, and mark their count where the current record began: a
	// runaway record across thousands of lines is a quote never closed, one without line
	// breaks a cell too large to be a patient's.
	lines, mark int64
}

// runawayLines is how many line breaks make a record over maxRecordBytes look like rows
// swallowed by an open quote rather than one enormous cell.
const runawayLines = 100

// csvReadAhead is encoding/csv's own bufio buffer: csv may have read this far past the record
// it is parsing.
const csvReadAhead = 4096

func (g *guardReader) Read(p []byte) (int, error) {
	if g.n > g.limit {
		return 0, errRecordTooLong
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	g.lines += int64(bytes.Count(p[:n], []byte{'\n'}))
	return n, err
}

// listReader turns the decoded text into records with the row numbers Excel shows.
type listReader struct {
	path  string
	enc   string
	delim rune
	cr    *csv.Reader
	guard *guardReader
	ncols int

	forced  bool // the encoding was named (--encoding), not detected
	sawUTF8 bool // a cell so far held non-ASCII UTF-8 text

	rows     int   // data rows read, against maxRows
	maxRows  int   // MaxRows unless a test says otherwise
	maxBytes int64 // likewise MaxBytes

	// Row numbers: Excel shows one row per record (a quoted cell with line breaks stays in one
	// row) and one row per blank line, which encoding/csv skips. So a record's row is the previous
	// record's row plus the number of lines between the end of that record and the start of this
	// one.
	prevRow     int
	prevEndLine int
}

// openReader decodes r, detects the delimiter and reads the header row.
func openReader(r io.Reader, path, forcedEnc string, maxBytes int64) (*listReader, []string, int, error) {
	dec, enc, err := decodeInput(r, forcedEnc, path)
	if errors.Is(err, errListTooLarge) {
		return nil, nil, 0, tooLarge(path, 0, maxBytes)
	}
	if err != nil {
		return nil, nil, 0, err
	}
	br := bufio.NewReaderSize(dec, sniffBytes)
	peek, err := br.Peek(sniffBytes)
	if errors.Is(err, errListTooLarge) {
		return nil, nil, 0, tooLarge(path, 0, maxBytes)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, 0, &Error{Path: path, Msg: "cannot read the list: " + err.Error(), Err: err}
	}
	lr := &listReader{path: path, enc: enc, delim: detectDelimiter(peek), forced: forcedEnc != "", maxBytes: maxBytes}
	lr.guard = &guardReader{r: br, limit: maxRecordBytes + csvReadAhead}
	lr.cr = csv.NewReader(lr.guard)
	lr.cr.Comma = lr.delim
	lr.cr.FieldsPerRecord = -1
	lr.cr.ReuseRecord = true

	row, rec, err := lr.next()
	if errors.Is(err, io.EOF) {
		return nil, nil, 0, &Error{Path: path, Msg: msgEmptyFile, Hint: "export the patient list again, with a header row and one row per patient"}
	}
	if err != nil {
		return nil, nil, 0, err
	}
	lr.ncols = len(rec)
	if e := lr.checkCells(row, rec); e != nil {
		return nil, nil, 0, e
	}
	return lr, slices.Clone(rec), row, nil
}

// detectDelimiter picks tab when the header line holds more tabs than commas (Excel's "Unicode
// text" and many records systems), comma otherwise.
func detectDelimiter(p []byte) rune {
	commas, tabs, quoted := 0, 0, false
	for _, c := range p {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			if tabs > commas {
				return '\t'
			}
			return ','
		case c == ',':
			commas++
		case c == '\t':
			tabs++
		}
	}
	if tabs > commas {
		return '\t'
	}
	return ','
}

// next reads one record and works out its row number. The record is only valid until the next
// call (csv.Reader.ReuseRecord).
func (lr *listReader) next() (int, []string, error) {
	rec, err := lr.cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		return 0, nil, lr.readError(err)
	}
	line, _ := lr.cr.FieldPos(0)
	row := lr.prevRow + line - lr.prevEndLine
	last, _ := lr.cr.FieldPos(len(rec) - 1)
	lr.prevRow = row
	lr.prevEndLine = last + strings.Count(rec[len(rec)-1], "\n")
	lr.guard.limit = lr.cr.InputOffset() + maxRecordBytes + csvReadAhead
	lr.guard.mark = lr.guard.lines
	return row, rec, nil
}

func (lr *listReader) rowOf(startLine int) int {
	return lr.prevRow + startLine - lr.prevEndLine
}

// readError words an encoding/csv error for the person who must fix the file.
func (lr *listReader) readError(err error) error {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, errListTooLarge):
		return tooLarge(lr.path, lr.prevRow+1, lr.maxBytes)
	case errors.Is(err, errRecordTooLong) && lr.guard.lines-lr.guard.mark >= runawayLines:
		return &Error{Path: lr.path, Row: lr.prevRow + 1, Err: err,
			Msg:  "the row runs on for more than 1 MiB, over hundreds of lines",
			Hint: "a quote mark that is never closed swallows the rows after it: close the quote or re-export the file"}
	case errors.Is(err, errRecordTooLong):
		return &Error{Path: lr.path, Row: lr.prevRow + 1, Err: err,
			Msg:  "a cell is larger than 1 MiB: no patient's name, number or note is that long, so the file looks damaged",
			Hint: "open the row in Excel to see what is in it, or " + hintReexport}
	case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrBareQuote):
		return &Error{Path: lr.path, Row: lr.rowOf(pe.StartLine), Err: err,
			Msg:  `a quote mark (") inside a cell that does not start with one`,
			Hint: `put the whole cell in quotes and double the quote mark (""), or ` + hintReexport}
	case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrQuote):
		if pe.Line > pe.StartLine {
			return &Error{Path: lr.path, Row: lr.rowOf(pe.StartLine), Err: err,
				Msg:  "unterminated quoted field",
				Hint: "close the quote or re-export the file"}
		}
		return &Error{Path: lr.path, Row: lr.rowOf(pe.StartLine), Err: err,
			Msg:  "a quoted cell is not closed properly",
			Hint: `double any quote mark inside a quoted cell (""), close the quote, or re-export the file`}
	case errors.As(err, &pe):
		return &Error{Path: lr.path, Row: lr.rowOf(pe.StartLine), Err: err,
			Msg: pe.Err.Error(), Hint: hintReexport}
	}
	return &Error{Path: lr.path, Row: lr.prevRow + 1, Err: err, Msg: "cannot read the list: " + err.Error()}
}

// checkCells rejects cells that are too long or not text in the file's encoding.
func (lr *listReader) checkCells(row int, rec []string) error {
	for _, c := range rec {
		if len(c) > maxFieldBytes {
			if strings.Count(c, "\n") >= runawayLines {
				return &Error{Path: lr.path, Row: row,
					Msg:  "a cell is longer than 64 KiB, over hundreds of lines",
					Hint: "a quote mark that is never closed swallows the rows after it: close the quote or re-export the file"}
			}
			return &Error{Path: lr.path, Row: row,
				Msg:  "a cell is longer than 64 KiB: no patient's name, number or note is that long, so the file looks damaged",
				Hint: "open the row in Excel to see what is in it, or " + hintReexport}
		}
		switch lr.enc {
		case EncodingUTF8, EncodingUTF8BOM:
			if !utf8.ValidString(c) {
				return lr.notUTF8(row, c)
			}
			if !lr.sawUTF8 && !isASCII(c) {
				lr.sawUTF8 = true
			}
		case EncodingCP932:
			if strings.ContainsRune(c, utf8.RuneError) {
				return &Error{Path: lr.path, Row: row,
					Msg:  "bytes that are not Shift_JIS (CP932) text",
					Hint: "the file is damaged or mixes encodings: re-export it, or pass --encoding utf-8 if it is UTF-8"}
			}
		default:
			if strings.ContainsRune(c, utf8.RuneError) {
				return &Error{Path: lr.path, Row: row, Msg: "bytes that are not " + lr.enc + " text", Hint: hintReexport}
			}
		}
	}
	return nil
}

// notUTF8 says what a cell that is not UTF-8 in a UTF-8 list most likely is: the whole file in
// CP932 read as UTF-8 on request, a CP932 row pasted below UTF-8 ones, or damage.
func (lr *listReader) notUTF8(row int, cell string) *Error {
	cp932 := looksCP932(cell)
	switch {
	case cp932 && lr.sawUTF8:
		return &Error{Path: lr.path, Row: row,
			Msg:  "the row is not UTF-8 like the rows above it: it looks like CP932 (Shift_JIS), so the file mixes encodings",
			Hint: "re-export the whole list from Excel in one encoding (CSV UTF-8), or retype the row"}
	case cp932 && lr.forced:
		return &Error{Path: lr.path, Row: row,
			Msg:  "the file is not UTF-8: it looks like CP932 (Shift_JIS)",
			Hint: "drop --encoding to detect it, or use --encoding cp932"}
	case cp932:
		// Only ASCII before this row, and the reader could not look further ahead (a pipe).
		return &Error{Path: lr.path, Row: row,
			Msg:  "text that is not valid UTF-8: it looks like CP932 (Shift_JIS)",
			Hint: "pass --encoding cp932"}
	case lr.forced:
		return &Error{Path: lr.path, Row: row,
			Msg:  "text that is not valid UTF-8",
			Hint: "drop --encoding to detect the encoding, or re-export the list from Excel as CSV"}
	}
	return &Error{Path: lr.path, Row: row,
		Msg:  "text that is not valid UTF-8",
		Hint: "the file looks damaged: " + hintReexport}
}

// looksCP932 reports whether s, not UTF-8, reads as Shift_JIS text without a bad byte.
func looksCP932(s string) bool {
	t, err := japanese.ShiftJIS.NewDecoder().String(s)
	return err == nil && !strings.ContainsRune(t, utf8.RuneError)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// shape checks a data record against the header. Extra cells are accepted only when blank (some
// exports pad rows with trailing commas); anything else means cells have shifted, and guessing
// which patient a number belongs to is not an option.
func (lr *listReader) shape(row int, rec []string) ([]string, error) {
	if len(rec) == lr.ncols {
		return rec, nil
	}
	sep := "comma"
	if lr.delim == '\t' {
		sep = "tab"
	}
	msg := fmt.Sprintf("the row has %d %s but the header has %d", len(rec), plural(len(rec), "cell", "cells"), lr.ncols)
	if len(rec) > lr.ncols {
		extra := rec[lr.ncols:]
		if slices.IndexFunc(extra, func(c string) bool { return strings.TrimSpace(c) != "" }) < 0 {
			return rec[:lr.ncols], nil
		}
		return nil, &Error{Path: lr.path, Row: row, Msg: msg,
			Hint: fmt.Sprintf("a %s inside a name or note needs the cell in quotes: fix the row or %s", sep, hintReexport)}
	}
	return nil, &Error{Path: lr.path, Row: row, Msg: msg,
		Hint: "a line break inside a cell needs the cell in quotes: fix the row or " + hintReexport}
}

func blankRecord(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

package roster

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// guardReader sits under encoding/csv and fails a read once the current record has run on for
// more than maxRecordBytes, so a 100 MB field (or a quote that never closes in a 1 GB file) is
// never read into memory. The record loop moves limit forward after each record.
type guardReader struct {
	r     io.Reader
	n     int64
	limit int64
}

// csvReadAhead is encoding/csv's own bufio buffer: csv may have read this far past the record
// it is parsing.
const csvReadAhead = 4096

func (g *guardReader) Read(p []byte) (int, error) {
	if g.n > g.limit {
		return 0, errRecordTooLong
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
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

	// Row numbers: Excel shows one row per record (a quoted cell with line breaks stays in one
	// row) and one row per blank line, which encoding/csv skips. So a record's row is the previous
	// record's row plus the number of lines between the end of that record and the start of this
	// one.
	prevRow     int
	prevEndLine int
}

// openList decodes r, detects the delimiter and reads the header row.
func openList(r io.Reader, path, forcedEnc string) (*listReader, []string, int, error) {
	dec, enc, err := decodeInput(r, forcedEnc, path)
	if err != nil {
		return nil, nil, 0, err
	}
	br := bufio.NewReaderSize(dec, sniffBytes)
	peek, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, 0, &Error{Path: path, Msg: "cannot read the list: " + err.Error(), Err: err}
	}
	lr := &listReader{path: path, enc: enc, delim: detectDelimiter(peek)}
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
	return row, rec, nil
}

func (lr *listReader) rowOf(startLine int) int {
	return lr.prevRow + startLine - lr.prevEndLine
}

// readError words an encoding/csv error for the person who must fix the file.
func (lr *listReader) readError(err error) error {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, errRecordTooLong):
		return &Error{Path: lr.path, Row: lr.prevRow + 1, Err: err,
			Msg:  "the row runs on for more than 1 MiB",
			Hint: "a quote mark that is never closed swallows the rows after it: close the quote or re-export the file"}
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
			return &Error{Path: lr.path, Row: row,
				Msg:  "a cell is longer than 64 KiB",
				Hint: "this is not a patient list, or a quote mark is never closed: check the row or re-export the file"}
		}
		switch lr.enc {
		case EncodingUTF8, EncodingUTF8BOM:
			if !utf8.ValidString(c) {
				return &Error{Path: lr.path, Row: row,
					Msg:  "text that is not valid UTF-8",
					Hint: "the file mixes encodings: re-export it, or pass --encoding cp932 if it is Shift_JIS"}
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

package roster

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Problem is one row that will not receive the message, with why.
type Problem struct {
	Row    int    `json:"row"`
	Value  string `json:"value"` // the phone cell as written
	Reason string `json:"reason"`
	Class  Class  `json:"class"`
	Column string `json:"column,omitempty"` // the phone column, only when the list has several and the row has a number
	// For the rows of a number on more than MaxShare rows, one Problem stands for them all: Row
	// is the first of them, Rows names every one compactly and Count says how many.
	Rows  string `json:"rows,omitempty"`
	Count int    `json:"count,omitempty"`

	dupOf int // for Duplicate: the row that keeps the number
}

// CheckReport is list hygiene: what was detected, counts per class and every problem row.
// Its JSON is the output of `smscast check --json`.
//
// Counting rules: Rows counts data rows (blank rows are counted apart in BlankRows). Sendable
// counts unique sendable numbers (the first row of each); Duplicates counts rows whose sendable
// number appeared on an earlier row; Landline counts fixed lines only, with VoIP (JP 050),
// TollFree (0120, 0800) and Pager apart; Invalid includes valid numbers of kinds that cannot take
// an SMS (premium rate, 0570, …). The classes add up to Rows. Problems lists every row that is not
// Sendable, duplicates included, in row order, except that the repeats of a number on more than
// MaxShare rows are one Problem (with Rows and Count), so that the report stays small however
// damaged the list: the number itself is in Shared, and in Warnings.
type CheckReport struct {
	Rows         int       `json:"rows"`
	Sendable     int       `json:"sendable"`
	Duplicates   int       `json:"duplicates"`
	Landline     int       `json:"landline"`
	VoIP         int       `json:"voip"`
	TollFree     int       `json:"tollfree"`
	Pager        int       `json:"pager"`
	Invalid      int       `json:"invalid"`
	Empty        int       `json:"empty"`
	OptedOut     int       `json:"opted_out"`
	BlankRows    int       `json:"blank_rows"`
	Encoding     string    `json:"encoding"`
	Delimiter    string    `json:"delimiter"` // "comma" or "tab"
	PhoneColumn  string    `json:"phone_column"`
	PhoneColumns []string  `json:"phone_columns"`
	NameColumn   string    `json:"name_column"`
	MaxShare     int       `json:"max_share"` // rows one number may be on before it is in Shared
	Shared       []Shared  `json:"shared"`    // numbers on more than MaxShare rows: a data problem
	Warnings     []string  `json:"warnings"`
	Problems     []Problem `json:"problems"`

	path          string
	complete      bool
	invalidSample []string         // the first invalid numbers, for LikelyRegion
	over          map[int]*Problem // by first row: the one Problem for the repeats of an over-shared number
}

// Check reads a whole list, streaming, and reports on it. When the list cannot be read to the
// end (a ragged row, a broken quote), Check returns the error together with the report of the
// rows before it; that report is not OK. A list whose every number is invalid is not an error:
// the report says so in Warnings and OK is false.
func Check(path string, opts Options) (*CheckReport, error) {
	f, err := openFile(path)
	if err != nil {
		return &CheckReport{path: path, Problems: []Problem{}, Warnings: []string{}, Shared: []Shared{}, MaxShare: opts.maxShare()}, err
	}
	defer f.Close()
	return CheckReader(f, path, opts)
}

// CheckReader is Check over any reader; name is how the report and errors refer to it.
func CheckReader(r io.Reader, name string, opts Options) (*CheckReport, error) {
	rep := &CheckReport{path: name, Problems: []Problem{}, Warnings: []string{}, Shared: []Shared{}, MaxShare: opts.maxShare()}
	meta, err := scan(r, name, opts, true, func(row Row) error {
		rep.add(row)
		return nil
	})
	rep.collapse(meta.Shared)
	if len(meta.PhoneColumns) <= 1 {
		for i := range rep.Problems {
			rep.Problems[i].Column = ""
		}
	}
	rep.Rows = meta.Rows
	rep.BlankRows = meta.BlankRows
	rep.Encoding = meta.Encoding
	rep.Delimiter = delimiterName(meta.Delimiter)
	rep.PhoneColumn = meta.PhoneColumn
	rep.PhoneColumns = meta.PhoneColumns
	if rep.PhoneColumns == nil {
		rep.PhoneColumns = []string{}
	}
	rep.NameColumn = meta.NameColumn
	if err != nil {
		return rep, err
	}
	rep.complete = true
	for _, sh := range rep.Shared {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"%s is on %s rows (rows %s), more than %d: one message reaches them all and the call list cannot tell the patients apart; check whether an office number was entered for every patient or the export is damaged",
			sh.Phone, thousands(sh.Count), sh.Rows, rep.MaxShare))
	}
	region := opts.Region
	if region == "" {
		region = "JP"
	}
	if better, _ := LikelyRegion(region, rep.invalidSample); better != "" && rep.Invalid*2 > rep.Rows-rep.Empty {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("most numbers are not valid in region %s but are numbers of %s: is the region right? (--region %s)",
			strings.ToUpper(region), RegionName(better), better))
	} else if rep.Sendable == 0 {
		rep.Warnings = append(rep.Warnings, "no row has a number that can receive SMS: check the phone column and --region")
	} else if rep.Invalid*2 > rep.Rows {
		rep.Warnings = append(rep.Warnings, "more than half the numbers are invalid: check the phone column and --region")
	}
	return rep, nil
}

func delimiterName(r rune) string {
	switch r {
	case ',':
		return "comma"
	case '\t':
		return "tab"
	case 0:
		return ""
	}
	return string(r)
}

func (rep *CheckReport) add(row Row) {
	switch row.Class {
	case Sendable:
		rep.Sendable++
		return
	case Duplicate:
		rep.Duplicates++
	case Landline:
		rep.Landline++
	case VoIP:
		rep.VoIP++
	case TollFree:
		rep.TollFree++
	case Pager:
		rep.Pager++
	case Invalid:
		rep.Invalid++
		if len(rep.invalidSample) < 64 {
			rep.invalidSample = append(rep.invalidSample, row.Phone)
		}
	case Empty:
		rep.Empty++
	case OptedOut:
		rep.OptedOut++
	}
	p := Problem{Row: row.Row, Value: row.Phone, Reason: row.Reason, Class: row.Class, dupOf: row.DuplicateOf}
	if row.Class != Empty {
		p.Column = row.PhoneColumn
	}
	if row.overShared {
		// From here on the number's repeats are one Problem; the ones listed before it are
		// dropped by collapse. So at most MaxShare rows of any number are held.
		if rep.over == nil {
			rep.over = make(map[int]*Problem)
		}
		if g := rep.over[row.DuplicateOf]; g != nil {
			g.Count++
			return
		}
		p.Count = 1
		rep.over[row.DuplicateOf] = &p
		return
	}
	rep.Problems = append(rep.Problems, p)
}

// collapse replaces the repeats of every over-shared number by one Problem naming their rows.
func (rep *CheckReport) collapse(shared []Shared) {
	rep.Shared = append(rep.Shared[:0], shared...)
	if len(rep.over) == 0 {
		return
	}
	out := rep.Problems[:0]
	for _, p := range rep.Problems {
		if p.Class == Duplicate && rep.over[p.dupOf] != nil {
			continue
		}
		out = append(out, p)
	}
	for _, sh := range shared {
		g := rep.over[sh.FirstRow]
		if g == nil {
			continue
		}
		// The repeats are every row of the number but the first: Shared.Rows without it.
		g.Row, g.Rows = sh.set.rest()
		g.Count = sh.Count - 1
		g.Reason = fmt.Sprintf("same number as row %d, on %s rows in all", sh.FirstRow, thousands(sh.Count))
		out = append(out, *g)
	}
	slices.SortStableFunc(out, func(a, b Problem) int { return a.Row - b.Row })
	rep.Problems = out
	rep.over = nil
}

// OK reports whether the list was read to the end and at least one row can receive the message.
func (rep *CheckReport) OK() bool { return rep.complete && rep.Sendable > 0 }

// maxTextProblems caps the problem rows WriteText prints; the JSON lists them all.
const maxTextProblems = 200

// WriteText prints the report for a person: what was detected, counts, then every problem row
// (the first 200 of them; the JSON has all).
func (rep *CheckReport) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := map[string]string{
		EncodingUTF8: "UTF-8", EncodingUTF8BOM: "UTF-8 with BOM", EncodingCP932: "CP932 (Shift_JIS)",
		EncodingUTF16LE: "UTF-16LE", EncodingUTF16BE: "UTF-16BE",
	}[rep.Encoding]
	if enc == "" {
		enc = rep.Encoding
	}
	fmt.Fprintf(bw, "%s: %d rows, %s, %s-separated\n", rep.path, rep.Rows, enc, rep.Delimiter)
	phone := rep.PhoneColumn
	if len(rep.PhoneColumns) > 1 {
		phone = strings.Join(rep.PhoneColumns, ", then ") + " (the first mobile number in a row is used)"
	}
	fmt.Fprintf(bw, "phone column: %s\n", phone)
	if rep.NameColumn != "" {
		fmt.Fprintf(bw, "name column:  %s\n", rep.NameColumn)
	} else {
		fmt.Fprintf(bw, "name column:  none found\n")
	}
	counts := []struct {
		label string
		n     int
		note  string
	}{
		{"sendable", rep.Sendable, "unique mobile numbers"},
		{"duplicates", rep.Duplicates, "number already on an earlier row"},
		{"landline", rep.Landline, "call instead"},
		{"voip", rep.VoIP, "IP phone (050): call instead"},
		{"tollfree", rep.TollFree, "call instead"},
		{"pager", rep.Pager, ""},
		{"invalid", rep.Invalid, "fix the number"},
		{"empty", rep.Empty, "no phone number"},
		{"opted out", rep.OptedOut, ""},
	}
	for _, c := range counts {
		if c.n == 0 && c.label != "sendable" {
			continue
		}
		if c.note != "" {
			fmt.Fprintf(bw, "  %-11s %7d  %s\n", c.label, c.n, c.note)
		} else {
			fmt.Fprintf(bw, "  %-11s %7d\n", c.label, c.n)
		}
	}
	if rep.BlankRows > 0 {
		fmt.Fprintf(bw, "  %-11s %7d  skipped\n", "blank rows", rep.BlankRows)
	}
	for _, wmsg := range rep.Warnings {
		fmt.Fprintf(bw, "warning: %s\n", wmsg)
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintf(bw, "problems (%d):\n", len(rep.Problems))
		for i, p := range rep.Problems {
			if i == maxTextProblems {
				fmt.Fprintf(bw, "  … and %d more (--json lists them all)\n", len(rep.Problems)-i)
				break
			}
			v := p.Value
			if strings.TrimSpace(v) == "" {
				v = "(blank)"
			} else if p.Column != "" {
				v += " in " + p.Column
			}
			if p.Rows != "" {
				fmt.Fprintf(bw, "  rows %s: %s: %s\n", p.Rows, v, p.Reason)
				continue
			}
			fmt.Fprintf(bw, "  row %d: %s: %s\n", p.Row, v, p.Reason)
		}
	}
	return bw.Flush()
}

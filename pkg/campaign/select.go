package campaign

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/smscast/smscast/pkg/filter"
	"github.com/smscast/smscast/pkg/roster"
)

// Selection narrows a list to the rows a run is for: --where, --rows, --limit.
type Selection struct {
	Where    filter.Filters
	Rows     map[int]bool // --rows; nil selects every row
	Limit    int          // --limit; 0 means no limit
	Warnings []string     // rows whose cells a filter could not read (set by Apply)
}

// Narrowed reports whether the selection leaves out any row.
func (s *Selection) Narrowed() bool { return s.Where != nil || s.Rows != nil || s.Limit > 0 }

// NewSelection parses --where, --rows and --limit (0: no limit).
func NewSelection(where []string, rows string, limit int) (*Selection, error) {
	s := &Selection{Limit: limit}
	if limit < 0 {
		return nil, bad("e.g. --limit 5", "--limit %d: give a positive number of patients", limit)
	}
	if len(where) > 0 {
		f, err := filter.ParseAll(where)
		if err != nil {
			return nil, inputErr(err, "")
		}
		s.Where = f
	}
	if rows != "" {
		r, err := ParseRows(rows)
		if err != nil {
			return nil, err
		}
		s.Rows = r
	}
	return s, nil
}

// ParseRows reads --rows 3,7,10-12 (spreadsheet row numbers: the header is row 1).
func ParseRows(spec string) (map[int]bool, error) {
	bad := func(part string) error {
		return bad("write row numbers as Excel shows them, e.g. --rows 3,7,10-12",
			"--rows %q: %q is not a row number or range", spec, part)
	}
	rows := map[int]bool{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err == nil && a == 1 {
			return nil, inputErr(fmt.Errorf("--rows %q: row 1 is the header; the first patient is row 2", spec),
				"write row numbers as Excel shows them, e.g. --rows 2,7,10-12")
		}
		if err != nil || a < 2 {
			return nil, bad(part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil || b < a || b-a > 1_000_000 {
				return nil, bad(part)
			}
		}
		for r := a; r <= b; r++ {
			rows[r] = true
		}
	}
	return rows, nil
}

// Apply keeps the selected rows of list, in order. Rows a filter cannot read are left out and
// listed in s.Warnings.
func (s *Selection) Apply(list *roster.List, today time.Time) error {
	if !s.Narrowed() {
		return nil
	}
	x := s.start(today)
	kept := list.Rows[:0:0]
	for _, r := range list.Rows {
		if x.keep(list.Header, r) {
			kept = append(kept, r)
		}
	}
	if err := x.finish(list.Header, list.Path); err != nil {
		return err
	}
	list.Rows = kept
	return nil
}

// selector applies a Selection to a list row by row, in file order, for a list read as a stream.
// Like Apply over a whole list, it reports an error only once every row was seen (finish), so a
// list that cannot be read is reported before a --where that does not fit it.
type selector struct {
	s        *Selection
	today    time.Time
	checked  bool
	err      error
	full     bool // --limit was reached and a further row matched: no row after it is selected
	sendable int
	rows     int // rows seen, selected or not
	last     int // the last row seen
}

func (s *Selection) start(today time.Time) *selector {
	return &selector{s: s, today: today}
}

// keep reports whether row r of a list with header is selected.
func (x *selector) keep(header []string, r roster.Row) bool {
	x.rows++
	x.last = r.Row
	s := x.s
	if s == nil || !s.Narrowed() {
		return true
	}
	if x.err != nil || x.full {
		return false
	}
	if s.Where != nil && !x.checked {
		x.checked = true
		if err := s.Where.Check(header); err != nil {
			x.err = inputErr(err, "")
			return false
		}
	}
	if s.Rows != nil && !s.Rows[r.Row] {
		return false
	}
	if s.Where != nil {
		ok, err := s.Where.Match(r.Fields, x.today)
		var ce *filter.CellError
		if errors.As(err, &ce) {
			s.Warnings = append(s.Warnings, fmt.Sprintf("row %d: %v", r.Row, err))
			return false
		}
		if err != nil {
			x.err = inputErr(err, "")
			return false
		}
		if !ok {
			return false
		}
	}
	if s.Limit > 0 && x.sendable >= s.Limit {
		x.full = true
		return false
	}
	if r.Class == roster.Sendable || r.Class == roster.Duplicate {
		x.sendable++
	}
	return true
}

// finish reports what the selection could not do with the list at path: a --where that does not
// fit its header, a cell a filter could not compare, --rows all beyond its last row.
func (x *selector) finish(header []string, path string) error {
	s := x.s
	if s == nil || !s.Narrowed() {
		return nil
	}
	if x.err == nil && s.Where != nil && !x.checked {
		if err := s.Where.Check(header); err != nil {
			return inputErr(err, "")
		}
	}
	if x.err != nil {
		return x.err
	}
	if s.Rows != nil && x.rows > 0 {
		beyond := 0
		for r := range s.Rows {
			if r > x.last {
				beyond++
			}
		}
		if beyond == len(s.Rows) {
			return bad(fmt.Sprintf("the list's rows are 2–%d (as Excel numbers them): check the row numbers", x.last),
				"--rows: every row given is beyond the last row of %s (%d)", path, x.last)
		}
	}
	return nil
}

// LoadTestGroup reads the test group (config test_group: list files or numbers) as a list. A member
// who is also on the patient list gets that row's fields, so personalised templates render as
// they would for the patient.
func LoadTestGroup(entries []string, region string, patients *roster.List) (*roster.List, error) {
	if len(entries) == 0 {
		return nil, bad("set test_group in the config: a list file, or the numbers of the volunteers",
			"--test: no test group configured")
	}
	byNumber := map[string]roster.Row{}
	for _, r := range patients.Rows {
		if _, ok := byNumber[r.E164]; !ok && r.E164 != "" {
			byNumber[r.E164] = r
		}
	}
	group := &roster.List{Path: "test group", Encoding: patients.Encoding, Header: patients.Header,
		PhoneColumn: patients.PhoneColumn, NameColumn: patients.NameColumn}
	var numbers []string
	for _, entry := range entries {
		entry = strings.TrimSpace(entry)
		st, err := os.Stat(entry)
		if err != nil && LooksLikeFile(entry) {
			return nil, bad("fix test_group in the config: name an existing list file (a relative path is read from the config file's folder), or write the volunteers' numbers",
				"test_group: %s: no such file", entry)
		}
		if err == nil && !st.IsDir() {
			l, err := roster.Load(entry, roster.Options{Region: region})
			if err != nil {
				return nil, inputErr(err, "fix the test group file named in test_group")
			}
			group.Rows = append(group.Rows, l.Rows...)
			continue
		}
		numbers = append(numbers, entry)
	}
	if len(numbers) > 0 {
		var b strings.Builder
		b.WriteString("phone\n")
		for _, n := range numbers {
			fmt.Fprintf(&b, "%q\n", n)
		}
		_, err := roster.ScanReader(strings.NewReader(b.String()), "test_group", roster.Options{Region: region},
			func(r roster.Row) error { group.Rows = append(group.Rows, r); return nil })
		if err != nil {
			return nil, inputErr(err, "fix test_group in the config")
		}
	}
	for i, r := range group.Rows {
		if p, ok := byNumber[r.E164]; ok {
			fields := map[string]string{}
			for k, v := range p.Fields {
				fields[k] = v
			}
			for k, v := range r.Fields {
				if v != "" {
					fields[k] = v
				}
			}
			r.Fields = fields
			if r.Name == "" {
				r.Name = p.Name
			}
		}
		group.Rows[i] = r
	}
	return group, nil
}

// TestMarker is put before the text of a test broadcast, in the message's language.
func TestMarker(lang string) string {
	if lang == "en" {
		return "[TEST] "
	}
	return "【テスト】"
}

// RenderID renders --campaign, which may be a template such as 'bloodwork-{{.Today}}' so that a
// daily cron run resumes the day's campaign instead of sending again.
func RenderID(spec, tmplName string, now time.Time) (string, error) {
	if spec == "" {
		return "", nil
	}
	id := spec
	if strings.Contains(spec, "{{") {
		t, err := template.New("campaign").Option("missingkey=error").Parse(spec)
		if err != nil {
			return "", bad("e.g. --campaign 'bloodwork-{{.Today}}'", "--campaign %q: %v", spec, err)
		}
		var b strings.Builder
		err = t.Execute(&b, map[string]string{
			"Today":    now.Format("2006-01-02"),
			"Month":    now.Format("2006-01"),
			"Now":      now.Format("20060102-1504"),
			"Template": tmplName,
		})
		if err != nil {
			return "", bad("the fields are .Today, .Month, .Now and .Template", "--campaign %q: %v", spec, err)
		}
		id = b.String()
	}
	var ie *IDError
	if err := ValidID(id); errors.As(err, &ie) {
		return "", bad("use letters, digits, dot, dash and underscore, e.g. "+IDExample,
			"--campaign %q: not a usable campaign ID (it names the report files, on Windows too): it %s", id, ie.Reason)
	}
	return id, nil
}

// LooksLikeFile tells a test_group entry meant as a file from a phone number: a number has no
// path separator and no extension with letters (".csv"), and a mistyped file name must not be
// read as an invalid number.
func LooksLikeFile(entry string) bool {
	if strings.ContainsAny(entry, `/\`) {
		return true
	}
	ext := filepath.Ext(entry)
	return strings.IndexFunc(ext, unicode.IsLetter) >= 0
}

// bad is an InputError with a hint.
func bad(hint, format string, a ...any) error {
	return &InputError{Err: fmt.Errorf(format, a...), Hint: hint, Format: format, Args: a}
}

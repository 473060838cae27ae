// Package filter selects list rows with --where expressions such as 透析曜日=月,水,金 or
// bloodwork_date<=+7d.
//
// An expression is COLUMN OP VALUE. OP is = (any of a comma-separated list), != (none of it), or
// <, <=, >, >= (dates and numbers only). Full-width operators (＝, ＜) and ≠ ≤ ≥ work too.
// Column names and values are compared after NFKC, case folding and removing spaces, so
// "ＢＬＯＯＤＷＯＲＫ_date" finds the column Bloodwork_Date, "採血 日" finds 採血日, and the value
// "ｶﾅ" equals "カナ". Underscores and hyphens are kept: bloodwork_date does not find "Bloodwork Date".
//
// The right-hand side decides how cells are read:
//
//   - Dates (every list item is a date ParseDate reads: today, +2d, 2026/11/22, 11月22日,
//     令和8年11月22日, …): each cell is read with the same parser and compared as a calendar day.
//     An empty cell is no date: it matches only !=. A cell that is not empty and cannot be read
//     gives a *CellError: the row is not selected and the caller lists it as a warning.
//   - Weekdays (every item names only weekdays: 月, 月水金, 月・水・金, 月曜日, Mon): a cell matches
//     when it names any of those days anywhere, so 月,水,金 selects 月水金, 月・金 and 水 午前, and
//     月水金 on the right means the same as 月,水,金. != selects cells that name none of them.
//   - Numbers, for <, <=, >, >= only (年齢>=75): a cell that is not a number gives a *CellError.
//   - Anything else is text: a cell matches when it equals one of the items exactly, after
//     folding. An empty value (備考=) selects empty cells; 備考!= selects the others.
//
// A value that looks like a mistyped date (tomorow, 2026-13-01, +2) is an error at parse time, not
// silently compared as text.
package filter

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

type op int

const (
	opEq op = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

type kind int

const (
	kindText kind = iota
	kindWeekday
	kindDate
	kindNumber
)

// Filter is one parsed --where expression. The zero Filter matches nothing useful; build one with
// Parse.
type Filter struct {
	expr   string // as written, trimmed
	column string // as written, NFKC
	key    string // fold(column)
	op     op
	kind   kind
	texts  []string   // folded items, kindText
	days   daySet     // kindWeekday
	dates  []dateSpec // kindDate
	num    float64    // kindNumber
}

// Filters is every --where of a run; a row must match all of them.
type Filters []Filter

// ColumnError is an expression naming a column the list does not have, or one that matches
// several columns once case, width and spaces are ignored.
type ColumnError struct {
	Expr      string
	Column    string
	Known     []string // the list's columns, in header order when known
	Ambiguous []string // columns that all match Column; empty when none does
}

func (e *ColumnError) Error() string {
	if len(e.Ambiguous) > 0 {
		return fmt.Sprintf("--where %q: %q could mean any of the columns %s: write one of them exactly as in the header",
			e.Expr, e.Column, strings.Join(e.Ambiguous, ", "))
	}
	return fmt.Sprintf("--where %q: the list has no column %q: its columns are %s", e.Expr, e.Column, strings.Join(e.Known, ", "))
}

// ExprError is a --where expression that cannot be read. Format and Args are the sentence that
// follows `--where "EXPR": `, kept apart so that a front end can word it in its own language.
type ExprError struct {
	Expr   string
	Format string
	Args   []any
}

func (e *ExprError) Error() string {
	return fmt.Sprintf("--where %q: ", e.Expr) + fmt.Sprintf(e.Format, e.Args...)
}

// Unwrap is the error among Args (a *DateError), if any.
func (e *ExprError) Unwrap() error {
	for _, a := range e.Args {
		if err, ok := a.(error); ok {
			return err
		}
	}
	return nil
}

// CellError is a cell a filter could not read: a date filter meeting "未定" or "11月31日", a
// number filter meeting "七十". The row is not selected; the caller should show it as a warning
// (with the row's name and number) so that staff can fix the list or contact that patient by hand.
type CellError struct {
	Expr   string
	Column string
	Value  string // the cell as written
	Err    error  // why it could not be read, e.g. a *DateError
}

func (e *CellError) Error() string {
	return fmt.Sprintf("--where %q: %s %v", e.Expr, e.Column, e.Err)
}

func (e *CellError) Unwrap() error { return e.Err }

// ParseAll parses every --where of a run. It reports all bad expressions at once.
func ParseAll(exprs []string) (Filters, error) {
	fs := make(Filters, 0, len(exprs))
	var errs []error
	for _, e := range exprs {
		f, err := Parse(e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fs = append(fs, f)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return fs, nil
}

var operatorForms = strings.NewReplacer("≠", "!=", "≦", "<=", "≤", "<=", "≧", ">=", "≥", ">=")

// Parse reads one --where expression. Its errors are sentences for the user that quote the
// expression and say what to write instead.
func Parse(expr string) (Filter, error) {
	raw := strings.TrimSpace(expr)
	f := Filter{expr: raw}
	n := operatorForms.Replace(norm.NFKC.String(raw))
	fail := func(format string, args ...any) (Filter, error) {
		return Filter{}, &ExprError{Expr: raw, Format: format, Args: args}
	}
	if n == "" {
		return fail("the expression is empty: write COLUMN=VALUE, e.g. 透析曜日=月,水,金 or bloodwork_date=tomorrow")
	}
	i := strings.IndexAny(n, "=<>!")
	if i < 0 {
		return fail("no =, != or <= in it: write COLUMN=VALUE, e.g. 透析曜日=月,水,金 or bloodwork_date=tomorrow")
	}
	rest := n[i:]
	width := 2
	switch {
	case strings.HasPrefix(rest, "!="), strings.HasPrefix(rest, "<>"):
		f.op = opNe
	case strings.HasPrefix(rest, "<="):
		f.op = opLe
	case strings.HasPrefix(rest, ">="):
		f.op = opGe
	case strings.HasPrefix(rest, "=="):
		f.op = opEq
	case strings.HasPrefix(rest, "=<"):
		return fail("write <= rather than =<")
	case strings.HasPrefix(rest, "=>"):
		return fail("write >= rather than =>")
	case strings.HasPrefix(rest, "!"):
		return fail("write != for \"is not\"")
	default:
		width = 1
		switch rest[0] {
		case '=':
			f.op = opEq
		case '<':
			f.op = opLt
		default:
			f.op = opGt
		}
	}
	f.column = strings.TrimSpace(n[:i])
	f.key = fold(f.column)
	if f.key == "" {
		return fail("no column name before %q: write COLUMN%sVALUE with a column of the list", rest[:width], rest[:width])
	}
	value := strings.TrimSpace(rest[width:])
	if value != "" && strings.ContainsRune("=<>!", rune(value[0])) {
		return fail("two operators in a row: write one of =, !=, <, <=, >, >=")
	}
	value = unquote(value)

	if f.op == opEq || f.op == opNe {
		err := f.parseList(value)
		if err != nil {
			return fail("%v", err)
		}
		return f, nil
	}
	opText := rest[:width]
	if value == "" {
		return fail("nothing after %s: write a date or a number, e.g. bloodwork_date%s+7d", opText, opText)
	}
	if d, err := parseDateSpec(value); err == nil {
		f.kind, f.dates = kindDate, []dateSpec{d}
		return f, nil
	} else if looksLikeDate(value) {
		return fail("%v", err)
	}
	if x, ok := parseNumber(value); ok {
		f.kind, f.num = kindNumber, x
		return f, nil
	}
	return fail("%s compares dates or numbers, and %q is neither: write e.g. bloodwork_date%s+7d or 年齢%s75, or use = to compare text",
		opText, value, opText, opText)
}

// parseList reads the right-hand side of = and !=.
func (f *Filter) parseList(value string) error {
	if value == "" {
		f.texts = []string{""}
		return nil
	}
	var items []string
	for _, it := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == '、' }) {
		if it = strings.TrimSpace(it); it != "" {
			items = append(items, unquote(it))
		}
	}
	if len(items) == 0 {
		return fmt.Errorf("%q lists no values: write one or more, separated by commas", value)
	}

	var dates []dateSpec
	var dateErr error
	for _, it := range items {
		d, err := parseDateSpec(it)
		switch {
		case err == nil:
			dates = append(dates, d)
		case dateErr == nil && looksLikeDate(it):
			dateErr = err
		}
	}
	if dateErr != nil {
		return dateErr
	}
	if len(dates) == len(items) {
		f.kind, f.dates = kindDate, dates
		return nil
	}
	if len(dates) > 0 {
		return fmt.Errorf("%q mixes dates and other values: a date column takes only dates, e.g. 採血日=today,tomorrow", value)
	}

	var days daySet
	for _, it := range items {
		d, ok := parseWeekdays(it)
		if !ok {
			days = 0
			break
		}
		days |= d
	}
	if days != 0 {
		f.kind, f.days = kindWeekday, days
		return nil
	}

	f.kind = kindText
	for _, it := range items {
		f.texts = append(f.texts, fold(it))
	}
	return nil
}

// String returns the expression as written.
func (f Filter) String() string { return f.expr }

// Column returns the column the expression names, as written (NFKC).
func (f Filter) Column() string { return f.column }

// Check reports a column the header lacks, naming the columns it has. Call it once after reading
// the header, before matching rows, so that a misspelt column is an error and not an empty send.
func (f Filter) Check(header []string) error {
	_, err := f.find(header)
	return err
}

// find returns the header entry the expression's column refers to: the exact text first, else the
// only entry equal to it after folding.
func (f Filter) find(header []string) (string, error) {
	if slices.Contains(header, f.column) {
		return f.column, nil
	}
	var found []string
	for _, h := range header {
		if fold(h) == f.key {
			found = append(found, h)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", &ColumnError{Expr: f.expr, Column: f.column, Known: slices.Clone(header)}
	}
	return "", &ColumnError{Expr: f.expr, Column: f.column, Known: slices.Clone(header), Ambiguous: found}
}

// Match reports whether a row satisfies the expression. fields is the row keyed by header text;
// today anchors relative and year-less dates, and its location is the one dates are compared in.
// The error is a *ColumnError when the column is missing, a *CellError when the cell cannot be
// read (the row is then not selected), or an error about a date on the right-hand side that does
// not exist in today's year (2/29).
func (f Filter) Match(fields map[string]string, today time.Time) (bool, error) {
	cell, ok := fields[f.column]
	if !ok {
		header := make([]string, 0, len(fields))
		for k := range fields {
			header = append(header, k)
		}
		slices.Sort(header)
		col, err := f.find(header)
		if err != nil {
			return false, err
		}
		cell = fields[col]
	}
	neg := f.op == opNe
	switch f.kind {
	case kindWeekday:
		return (weekdaysIn(cell)&f.days != 0) != neg, nil
	case kindText:
		return slices.Contains(f.texts, fold(cell)) != neg, nil
	case kindNumber:
		if fold(cell) == "" {
			return false, nil
		}
		x, ok := parseNumber(cell)
		if !ok {
			return false, &CellError{Expr: f.expr, Column: f.column, Value: cell, Err: fmt.Errorf("%q is not a number", cell)}
		}
		return f.compare(cmpFloat(x, f.num)), nil
	}
	if fold(cell) == "" {
		return neg, nil
	}
	got, err := ParseDate(cell, today)
	if err != nil {
		return false, &CellError{Expr: f.expr, Column: f.column, Value: cell, Err: err}
	}
	hit := false
	for _, d := range f.dates {
		want, err := d.resolve(today)
		if err != nil {
			return false, &ExprError{Expr: f.expr, Format: "%v", Args: []any{err}}
		}
		if f.op == opEq || f.op == opNe {
			hit = hit || got.Equal(want)
			continue
		}
		return f.compare(got.Compare(want)), nil
	}
	return hit != neg, nil
}

func (f Filter) compare(c int) bool {
	switch f.op {
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	case opGe:
		return c >= 0
	case opNe:
		return c != 0
	}
	return c == 0
}

// Match reports whether a row satisfies every filter. A row that some filter rejects outright is
// simply not selected (nil error), even if another of its cells is unreadable; otherwise the first
// *CellError is returned so that the caller can warn about the row. A *ColumnError is returned
// whatever the other filters say.
func (fs Filters) Match(fields map[string]string, today time.Time) (bool, error) {
	rejected := false
	var unreadable error
	for _, f := range fs {
		ok, err := f.Match(fields, today)
		var ce *CellError
		switch {
		case errors.As(err, &ce):
			if unreadable == nil {
				unreadable = err
			}
		case err != nil:
			return false, err
		case !ok:
			rejected = true
		}
	}
	if rejected {
		return false, nil
	}
	if unreadable != nil {
		return false, unreadable
	}
	return true, nil
}

// Check reports every filter whose column the header lacks.
func (fs Filters) Check(header []string) error {
	var errs []error
	for _, f := range fs {
		if err := f.Check(header); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// String lists the expressions for a summary line: 透析曜日=月,水,金 and 採血日=tomorrow.
func (fs Filters) String() string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.expr
	}
	return strings.Join(s, " and ")
}

func parseNumber(s string) (float64, bool) {
	s = strings.ReplaceAll(fold(s), ",", "")
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// unquote removes one pair of quotes a shell left around a value.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

package report

import (
	"slices"
	"strings"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/roster"
)

// Contacts is what the call list shows of each patient beyond what the journal records: read
// again from the list the campaign was sent to. journal.Patient records the row, the name and the
// number texted; once it also records the ID, フリガナ, 備考, every number and the clinic's columns,
// Contacts is no longer needed.
type Contacts struct {
	IDColumn      string   // headers in the list; "" when it has none
	KanaColumn    string   //
	NotesColumn   string   //
	NumberColumns []string // every phone-like column, in list order
	Extra         []string // the clinic's call_list_columns found in the list, in the order given

	rows map[int]contact
}

type contact struct {
	roster.Row
	extra []string
}

// ContactsFromList prepares the call list's columns from list l: columns names the clinic's
// call_list_columns. A name that matches no column of the list is returned as a warning, to print;
// the call list is written without it. Columns the call list already shows (the name, the numbers,
// ID, フリガナ, 備考) are not repeated.
func ContactsFromList(l *roster.List, columns []string) (*Contacts, []roster.MissingColumn) {
	c := &Contacts{IDColumn: l.IDColumn, KanaColumn: l.KanaColumn, NotesColumn: l.NotesColumn,
		NumberColumns: l.NumberColumns, rows: make(map[int]contact, len(l.Rows))}
	found, missing := l.Columns(columns)
	shown := append([]string{l.IDColumn, l.KanaColumn, l.NotesColumn}, l.NumberColumns...)
	for _, h := range found {
		if !slices.Contains(shown, h) && !isNameColumn(l, h) {
			c.Extra = append(c.Extra, h)
		}
	}
	for _, r := range l.Rows {
		x := contact{Row: r, extra: make([]string, len(c.Extra))}
		for i, h := range c.Extra {
			x.extra[i] = r.Fields[h]
		}
		x.Fields = nil // the call list needs only the columns above
		c.rows[r.Row] = x
	}
	return c, missing
}

func isNameColumn(l *roster.List, h string) bool {
	for _, part := range strings.Split(l.NameColumn, "+") {
		if part == h {
			return true
		}
	}
	return false
}

// lookup finds the list's row for a patient of the journal. The list may have been edited since
// the campaign: a row whose name or numbers no longer match is not used, so that nobody is phoned
// at another patient's number.
func (c *Contacts) lookup(p journal.Patient) (contact, bool) {
	if c == nil {
		return contact{}, false
	}
	x, ok := c.rows[p.Row]
	if !ok || x.Name != p.Name {
		return contact{}, false
	}
	if p.Phone != "" && x.Phone != p.Phone &&
		!slices.ContainsFunc(x.Numbers, func(n roster.Number) bool { return n.Value == p.Phone }) {
		return contact{}, false
	}
	return x, true
}

package report

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/roster"
)

// CallRow is one patient staff still have to phone.
type CallRow struct {
	Row    int    `csv:"row" json:"row"`
	Name   string `csv:"name" json:"name"`
	Phone  string `csv:"phone" json:"phone"` // the number texted, as written in the list
	Reason string `csv:"reason" json:"reason"`

	// From Options.Contacts, when the list still holds this patient.
	ID      string          `csv:"-" json:"id,omitempty"`
	Kana    string          `csv:"-" json:"kana,omitempty"`
	Numbers []roster.Number `csv:"-" json:"numbers,omitempty"` // every number in the list, by Contacts.NumberColumns
	Notes   string          `csv:"-" json:"notes,omitempty"`
	Extra   []string        `csv:"-" json:"extra,omitempty"` // by Contacts.Extra

	State   journal.State `csv:"-" json:"state"`
	Class   roster.Class  `csv:"-" json:"class,omitempty"` // why a skipped row was not texted
	Urgency Urgency       `csv:"-" json:"urgency"`
}

// Urgency is who to phone first. A patient the message did not reach comes before one whose
// number could never take an SMS: the first expect a text and wait for it; the second are phoned
// on every campaign and staff know them.
type Urgency int

// Urgency groups, most urgent first.
const (
	NotSent     Urgency = iota // the run stopped before the message, or the provider refused it
	NotReached                 // accepted, then reported undelivered, or not delivered in time
	NotKnown                   // ambiguous: it may or may not have been sent
	CannotText                 // a landline, an IP phone, …, or opted out: a number to call
	WrongNumber                // the number in the list is wrong: look the patient up
	NoNumber                   // the list has no number for the patient
)

var urgencyWords = map[Urgency]words{
	NotSent:     {"送信できていない方", "Not sent"},
	NotReached:  {"届いていない方", "Not delivered"},
	NotKnown:    {"届いたか分からない方", "Unknown"},
	CannotText:  {"SMSを受けられない番号の方", "Numbers that cannot take an SMS"},
	WrongNumber: {"番号に誤りがある方", "Wrong numbers"},
	NoNumber:    {"番号のない方", "No number"},
}

func urgencyOf(s journal.State, c roster.Class) Urgency {
	switch s {
	case journal.Pending, journal.Sending, journal.Failed:
		return NotSent
	case journal.Undelivered, journal.Submitted, journal.Sent, journal.Delivered:
		return NotReached // only late messages of the accepted states reach the call list
	case journal.Unknown:
		return NotKnown
	}
	switch c {
	case roster.Landline, roster.VoIP, roster.TollFree, roster.Pager, roster.OptedOut:
		return CannotText
	case roster.Empty:
		return NoNumber
	}
	return WrongNumber
}

// CallList lists every patient not reached, with the reason in plain words for the person who
// phones: in list order, or with Options.ByUrgency by Urgency (not sent or failed, undelivered,
// unknown, then numbers that cannot take an SMS, wrong numbers, no number), list order within each.
func CallList(ds []journal.Delivery, opt Options) []CallRow {
	lang := opt.lang()
	late := map[int]time.Duration{} // row → the call_after it went past
	for _, d := range ds {
		after := opt.NotDeliveredAfter.For(d.Carrier)
		if after > 0 && (d.State == journal.Submitted || d.State == journal.Sent) && !d.SendingAt.IsZero() &&
			opt.Now.Sub(d.SendingAt) >= after {
			for _, p := range d.Patients {
				late[p.Row] = after
			}
		}
	}
	var out []CallRow
	for _, d := range ds {
		if d.ErrorCode == journal.CodeAlreadyReceived {
			continue // got this very text from an earlier campaign: reached
		}
		for _, p := range d.Patients {
			after, isLate := late[p.Row]
			if Reached(d.State) && !isLate {
				continue
			}
			r := CallRow{Row: p.Row, Name: p.Name, Phone: p.Phone, State: d.State}
			if d.State == journal.Skipped {
				r.Class = classOfReason(d.Reason)
			}
			if c, ok := opt.Contacts.lookup(p); ok {
				r.ID, r.Kana, r.Notes, r.Extra = c.ID, c.Kana, c.Notes, c.extra
				r.Numbers = c.Numbers
				if d.State == journal.Skipped && c.Class != roster.Sendable && c.Class != "" {
					r.Class = c.Class
				}
			} else if opt.Contacts != nil && len(opt.Contacts.NumberColumns) > 0 {
				// The list no longer holds this patient: show the number texted, in its column.
				col := p.Column
				if !slices.Contains(opt.Contacts.NumberColumns, col) {
					col = opt.Contacts.NumberColumns[0]
				}
				r.Numbers = []roster.Number{{Column: col, Value: p.Phone}}
			}
			if isLate {
				r.Reason = lateWords(after).in(lang)
			} else {
				r.Reason = situation(d.State, d.Reason, r.Class, lang)
			}
			r.Urgency = urgencyOf(d.State, r.Class)
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, k int) bool {
		if opt.ByUrgency && out[i].Urgency != out[k].Urgency {
			return out[i].Urgency < out[k].Urgency
		}
		return out[i].Row < out[k].Row
	})
	return out
}

func lateWords(after time.Duration) words {
	return words{
		ja: fmt.Sprintf("送信後%sたっても届いていません", jaAge(after)),
		en: fmt.Sprintf("not delivered %s after sending", humanAge(after)),
	}
}

// hoursMinutes is d to the nearest minute, in whole hours and the minutes left.
func hoursMinutes(d time.Duration) (h, m int) {
	d = d.Round(time.Minute)
	return int(d / time.Hour), int(d % time.Hour / time.Minute)
}

func humanAge(d time.Duration) string {
	h, m := hoursMinutes(d)
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	case h > 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d min", m)
}

func jaAge(d time.Duration) string {
	h, m := hoursMinutes(d)
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%d時間%d分", h, m)
	case h > 0:
		return fmt.Sprintf("%d時間", h)
	}
	return fmt.Sprintf("%d分", m)
}

// situation says why a delivery needs a call. In English, the provider's or the roster's own
// reason is kept when there is one (the provider's words name what happened to the handset); in
// Japanese the words come from the tables, and the report CSV keeps the original in 詳細.
func situation(s journal.State, reason string, class roster.Class, lang string) string {
	if s == journal.Skipped {
		if class == "" {
			class = classOfReason(reason)
		}
		if w, ok := classWords[class]; ok {
			return w.in(lang)
		}
		if lang == LangJA {
			return stateWords[s].ja
		}
		return reason
	}
	w, ok := reasonWords[s]
	if !ok {
		if lang == LangJA {
			return "" // reached: the state says it all
		}
		return reason
	}
	if lang == LangJA {
		return w.ja
	}
	switch {
	case s == journal.Pending || s == journal.Sending:
		return w.en
	case s == journal.Unknown && reason != "":
		return w.en + ": " + reason
	case reason != "":
		return reason
	}
	return w.en
}

// callColumn is one column of the call list: its header and how a row fills it.
type callColumn struct {
	header string
	cell   func(CallRow) string
}

// callColumns lays out the call list: the row, the list's ID column, the name, フリガナ, every
// number (each in its own column, headed as in the list), the reason, 備考 and the clinic's
// call_list_columns, then three empty columns to fill in by hand.
func callColumns(opt Options) []callColumn {
	lang := opt.lang()
	cols := []callColumn{{hRow.in(lang), func(r CallRow) string { return strconv.Itoa(r.Row) }}}
	c := opt.Contacts
	if c != nil && c.IDColumn != "" {
		cols = append(cols, callColumn{c.IDColumn, func(r CallRow) string { return r.ID }})
	}
	cols = append(cols, callColumn{hName.in(lang), func(r CallRow) string { return r.Name }})
	if c != nil && c.KanaColumn != "" {
		cols = append(cols, callColumn{hKana.in(lang), func(r CallRow) string { return r.Kana }})
	}
	if c != nil && len(c.NumberColumns) > 0 {
		for _, h := range c.NumberColumns {
			cols = append(cols, callColumn{h, func(r CallRow) string { return r.number(h) }})
		}
	} else {
		cols = append(cols, callColumn{hPhone.in(lang), func(r CallRow) string { return r.Phone }})
	}
	cols = append(cols, callColumn{hReason.in(lang), func(r CallRow) string { return r.Reason }})
	if c != nil && c.NotesColumn != "" {
		cols = append(cols, callColumn{hNotes.in(lang), func(r CallRow) string { return r.Notes }})
	}
	if c != nil {
		for i, h := range c.Extra {
			cols = append(cols, callColumn{h, func(r CallRow) string {
				if i < len(r.Extra) {
					return r.Extra[i]
				}
				return ""
			}})
		}
	}
	for _, h := range []words{hCalled, hCalledAt, hMemo} {
		cols = append(cols, callColumn{h.in(lang), func(CallRow) string { return "" }})
	}
	return cols
}

// number is the row's cell of the number column h; a row the list no longer holds shows the
// number texted in the column it came from.
func (r CallRow) number(h string) string {
	if r.Numbers == nil {
		return ""
	}
	i := slices.IndexFunc(r.Numbers, func(n roster.Number) bool { return n.Column == h })
	if i < 0 {
		return ""
	}
	return r.Numbers[i].Value
}

func callCSV(rows []CallRow, opt Options) ([]byte, error) {
	cols := callColumns(opt)
	table := make([][]string, 0, len(rows)+1)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = Neutralize(c.header)
	}
	table = append(table, header)
	for _, r := range rows {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = Neutralize(c.cell(r))
		}
		table = append(table, cells)
	}
	return tableBytes(table)
}

// WriteCallList writes the call list as CSV that Japanese Excel opens.
func WriteCallList(path string, rows []CallRow, opt Options) error {
	data, err := callCSV(rows, opt)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return WriteFile(path, data)
}

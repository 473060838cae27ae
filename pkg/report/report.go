// Package report turns a campaign's journal into the delivery report and the list of patients to
// phone: CSV that Japanese Excel opens (UTF-8 with a BOM, headers and words in Japanese or
// English), JSON with English keys, and the call list as a page to print.
package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gocarina/gocsv"

	"github.com/smscast/smscast/pkg/internal/private"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/roster"
)

// Row is one patient row of the delivery report.
type Row struct {
	Row       int    `csv:"row" json:"row"`
	Name      string `csv:"name" json:"name"`
	Phone     string `csv:"phone" json:"phone"` // as written in the list
	E164      string `csv:"e164" json:"e164"`
	State     string `csv:"state" json:"state"`
	Reason    string `csv:"reason" json:"reason,omitempty"`
	ErrorCode string `csv:"error_code" json:"error_code,omitempty"`
	MessageID string `csv:"message_id" json:"message_id,omitempty"`
	Time      string `csv:"time" json:"time,omitempty"`
	// SentWith names the group of rows one shared message covered: on the group's first row the
	// other rows ("rows 5, 9–12 (group of 6)"), on the others the first row ("row 4 (group of
	// 6)"). Each row is listed once, so the report grows with the list, not with its square.
	SentWith string `csv:"sent_with" json:"sent_with,omitempty"`
	// Group is the first row of the group (its ID) and GroupSize how many rows it has; both are
	// zero for a message to one row.
	Group     int `csv:"-" json:"group,omitempty"`
	GroupSize int `csv:"-" json:"group_size,omitempty"`
	// Provider is the route that carried the message (twilio, karaden, smsgate/sim1, …: after a
	// failover not always the campaign's), Carrier the mobile carrier that delivered it when the
	// provider says (空電プッシュ: docomo, au, softbank, rakuten).
	Provider string `csv:"provider" json:"provider,omitempty"`
	Carrier  string `csv:"carrier" json:"carrier,omitempty"`

	at     time.Time // Time, for the Japanese CSV
	others string    // on a group's first row: the other rows, compactly (roster.RowRanges)
}

// Rows expands deliveries into one report row per patient row, in list order.
func Rows(ds []journal.Delivery) []Row {
	n := 0
	for _, d := range ds {
		n += len(d.Patients)
	}
	rows := make([]Row, 0, n)
	for _, d := range ds {
		var stamp string
		if !d.UpdatedAt.IsZero() {
			stamp = d.UpdatedAt.Format(time.RFC3339) // once per delivery: shared by its rows
		}
		first, size, others := group(d.Patients)
		for _, p := range d.Patients {
			r := Row{
				Row:       p.Row,
				Name:      p.Name,
				Phone:     p.Phone,
				E164:      d.To,
				State:     string(d.State),
				Reason:    d.Reason,
				ErrorCode: d.ErrorCode,
				MessageID: d.ProviderID,
				Time:      stamp,
				Provider:  d.Provider,
				Carrier:   d.Carrier,
				at:        d.UpdatedAt,
			}
			if size > 1 {
				r.Group, r.GroupSize = first, size
				if p.Row == first {
					r.others = others
					r.SentWith = plural(size-1, "row ", "rows ") + others + groupOf(size, LangEN)
				} else {
					r.SentWith = "row " + strconv.Itoa(first) + groupOf(size, LangEN)
				}
			}
			rows = append(rows, r)
		}
	}
	sort.SliceStable(rows, func(i, k int) bool { return rows[i].Row < rows[k].Row })
	return rows
}

// group is the first row of the patients one message covered, their number, and the other rows
// named compactly (computed once per delivery).
func group(ps []journal.Patient) (first, size int, others string) {
	if len(ps) < 2 {
		return 0, len(ps), ""
	}
	rows := make([]int, len(ps))
	for i, p := range ps {
		rows[i] = p.Row
	}
	slices.Sort(rows)
	return rows[0], len(rows), roster.RowRanges(rows[1:])
}

func groupOf(size int, lang string) string {
	if lang == LangJA {
		return "(" + thousands(size) + "行で1通)"
	}
	return " (group of " + thousands(size) + ")"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// thousands writes n with thousands separators: 1,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Reached reports whether a delivery in state s needs no phone call.
func Reached(s journal.State) bool {
	switch s {
	case journal.Submitted, journal.Sent, journal.Delivered:
		return true
	}
	return false
}

// CallAfter is how long an accepted message may stay undelivered before its patient goes on the
// call list: Default, or the carrier's own time (au gives up on a phone that is off after about an
// hour, docomo keeps trying for days, so an au message is worth a call sooner). Zero: never.
type CallAfter struct {
	Default   time.Duration
	ByCarrier map[string]time.Duration // keys in lower case: docomo, au, softbank, rakuten
}

// For is the time for a message the carrier delivered or is delivering ("" when unknown).
func (c CallAfter) For(carrier string) time.Duration {
	if d, ok := c.ByCarrier[strings.ToLower(carrier)]; ok {
		return d
	}
	return c.Default
}

// Options tune the reports.
type Options struct {
	// Now and NotDeliveredAfter put on the call list a message the provider accepted but has not
	// reported delivered this long after it was sent (used after status refreshes receipts). Now
	// is also the time printed at the top of the call list page.
	Now               time.Time
	NotDeliveredAfter CallAfter

	// Lang is the language of the CSV headers, of the state and reason words, and of the call list
	// page: "ja" or "en" (the default). The JSON report keeps its English keys and codes.
	Lang string
	// Location is the time zone of the times written in Japanese and on the page; nil keeps the
	// journal's.
	Location *time.Location
	// ByUrgency orders the call list by who to phone first (see CallList) instead of list order.
	ByUrgency bool
	// ContactsFor, when Contacts is nil, gives the contacts of just the rows the call list
	// holds (need; nil: every row), read from the campaign's list when the reports are written.
	ContactsFor func(need map[int]bool) *Contacts
	// Contacts, read from the campaign's list, add to the call list every number of a patient, the
	// ID, フリガナ and 備考 columns and the clinic's call_list_columns. Without it the call list has
	// what the journal records: the row, the name and the number texted.
	Contacts *Contacts
}

func (o Options) lang() string {
	if o.Lang == LangJA {
		return LangJA
	}
	return LangEN
}

// Paths are the files Write produced.
type Paths struct{ CSV, JSON, Call, CallHTML string }

// Write writes <campaign>.csv, <campaign>.json, <campaign>-call.csv and the printable call list
// <campaign>-call.html into dir.
func Write(dir string, c journal.Campaign, ds []journal.Delivery, opt Options) (Paths, error) {
	p := Paths{
		CSV:      filepath.Join(dir, c.ID+".csv"),
		JSON:     filepath.Join(dir, c.ID+".json"),
		Call:     filepath.Join(dir, c.ID+"-call.csv"),
		CallHTML: filepath.Join(dir, c.ID+"-call.html"),
	}
	// The delivery report is written as it is encoded: 1,000,000 rows of one number are 150 MB
	// of CSV and 370 MB of JSON, which would otherwise be held (and the JSON indented) whole.
	rows := withProvider(Rows(ds), c)
	if err := writeFileFrom(p.CSV, func(w io.Writer) error { return writeReportCSV(w, rows, opt) }); err != nil {
		return p, err
	}
	if err := writeFileFrom(p.JSON, func(w io.Writer) error { return writeJSONReport(w, newJSONReport(c, ds, rows)) }); err != nil {
		return p, err
	}
	calls := CallList(ds, opt)
	if err := WriteCallList(p.Call, calls, opt); err != nil {
		return p, err
	}
	page, err := CallListHTML(c, calls, opt)
	if err != nil {
		return p, fmt.Errorf("write %s: %w", p.CallHTML, err)
	}
	if err := WriteFile(p.CallHTML, page); err != nil {
		return p, err
	}
	return p, nil
}

// WriteFormat writes one report to path: "csv" (the delivery report), "json", "call" (the
// call list) or "call-html" (the call list as a page to print). A path of "-" writes to w
// instead, e.g. standard output.
func WriteFormat(w io.Writer, path, format string, c journal.Campaign, ds []journal.Delivery, opt Options) error {
	var data []byte
	var stream func(w io.Writer) error
	switch format {
	case "csv":
		stream = func(w io.Writer) error { return writeReportCSV(w, withProvider(Rows(ds), c), opt) }
	case "call":
		b, err := callCSV(CallList(ds, opt), opt)
		if err != nil {
			return err
		}
		data = b
	case "call-html":
		b, err := CallListHTML(c, CallList(ds, opt), opt)
		if err != nil {
			return err
		}
		data = b
	case "json":
		stream = func(w io.Writer) error { return writeJSONReport(w, newJSONReport(c, ds, withProvider(Rows(ds), c))) }
	default:
		return fmt.Errorf("unknown report format %q: use csv, json, call or call-html", format)
	}
	if stream == nil {
		stream = func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		}
	}
	if path == "-" {
		bw := bufio.NewWriterSize(w, 64<<10)
		if err := stream(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	return writeFileFrom(path, stream)
}

type jsonReport struct {
	Campaign string         `json:"campaign"`
	Template string         `json:"template"`
	List     string         `json:"list"`
	Provider string         `json:"provider"`
	Test     bool           `json:"test"`
	Created  string         `json:"created"`
	Counts   map[string]int `json:"counts"`
	Rows     []Row          `json:"rows"`
}

func newJSONReport(c journal.Campaign, ds []journal.Delivery, rows []Row) jsonReport {
	counts := map[string]int{}
	for _, d := range ds {
		counts[string(d.State)] += len(d.Patients)
	}
	if rows == nil {
		rows = []Row{}
	}
	return jsonReport{
		Campaign: c.ID, Template: c.Template, List: c.List, Provider: c.Provider, Test: c.Test,
		Created: c.CreatedAt.Format(time.RFC3339), Counts: counts, Rows: rows,
	}
}

// writeJSONReport writes r as json.MarshalIndent(r, "", "  ") and a newline would, byte for byte,
// one row at a time: each row is encoded by encoding/json where the report with no rows has its
// null.
func writeJSONReport(w io.Writer, r jsonReport) error {
	rows := r.Rows
	r.Rows = nil
	head, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	before, after, ok := bytes.Cut(head, []byte("\n  \"rows\": null"))
	if !ok {
		return fmt.Errorf("json report: no rows in %s", head) // a bug: jsonReport lost them
	}
	if _, err := w.Write(before); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\n  \"rows\": "); err != nil {
		return err
	}
	if len(rows) == 0 {
		_, err = io.WriteString(w, "[]")
	}
	for i := range rows {
		sep := ",\n    "
		if i == 0 {
			sep = "[\n    "
		}
		b, err := json.MarshalIndent(&rows[i], "    ", "  ")
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	if err == nil && len(rows) > 0 {
		_, err = io.WriteString(w, "\n  ]")
	}
	if err != nil {
		return err
	}
	_, err = w.Write(append(after, '\n'))
	return err
}

// reportCSV is the delivery report as CSV: English headers and state codes (the csv tags of Row),
// or Japanese headers and words for staff.
func reportCSV(rows []Row, opt Options) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeReportCSV(&buf, rows, opt); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeReportCSV writes reportCSV to w as it is encoded, the rows neutralised a chunk at a time
// rather than all copied first.
func writeReportCSV(w io.Writer, rows []Row, opt Options) error {
	const chunk = 4096
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	if opt.lang() != LangJA {
		for i := 0; i == 0 || i < len(rows); i += chunk {
			part := neutralizeRows(rows[i:min(i+chunk, len(rows))])
			marshal := gocsv.MarshalWithoutHeaders
			if i == 0 {
				marshal = gocsv.Marshal
			}
			if err := marshal(part, w); err != nil {
				return err
			}
		}
		return nil
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(jaRowHeaders); err != nil {
		return err
	}
	for i := 0; i < len(rows); i += chunk {
		if err := writeJARows(cw, neutralizeRows(rows[i:min(i+chunk, len(rows))]), opt); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeJARows writes rows, neutralised, in the Japanese report's columns.
func writeJARows(cw *csv.Writer, rows []Row, opt Options) error {
	for _, r := range rows {
		s := journal.State(r.State)
		sentWith := ""
		switch {
		case r.GroupSize < 2:
		case r.Row == r.Group:
			sentWith = r.others + "行目と同じ送信" + groupOf(r.GroupSize, LangJA)
		default:
			sentWith = strconv.Itoa(r.Group) + "行目と同じ送信" + groupOf(r.GroupSize, LangJA)
		}
		if err := cw.Write([]string{strconv.Itoa(r.Row), r.Name, r.Phone, r.E164, stateWords[s].in(LangJA),
			situation(s, r.Reason, "", LangJA), r.Reason, r.ErrorCode, r.MessageID, localTime(r.at, opt, LangJA), sentWith,
			r.Provider, r.Carrier}); err != nil {
			return err
		}
	}
	return nil
}

// withProvider names the campaign's provider on every row a message went out for whose route the
// journal did not record (one provider, or a journal from before routes were recorded).
func withProvider(rows []Row, c journal.Campaign) []Row {
	for i := range rows {
		if rows[i].Provider == "" && rows[i].MessageID != "" {
			rows[i].Provider = c.Provider
		}
	}
	return rows
}

// localTime writes t for a reader: 2026/11/21 18:00 in Japanese, which Excel reads as a date.
func localTime(t time.Time, opt Options, lang string) string {
	if t.IsZero() {
		return ""
	}
	if opt.Location != nil {
		t = t.In(opt.Location)
	}
	if lang == LangJA {
		return t.Format("2006/01/02 15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// tableBytes writes rows of cells as UTF-8 CSV with a BOM, so that Japanese Excel opens it as
// UTF-8 instead of guessing CP932. Callers neutralise the cells.
func tableBytes(table [][]string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(table); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteFile replaces path atomically with data, readable only by its owner. A missing directory is
// created 0700. The data goes to a new temporary file (created exclusively, so never a link
// someone planted) that is renamed over path: a symbolic link at path is replaced, never
// followed, and the file is 0600 whatever mode an earlier one had.
func WriteFile(path string, data []byte) error {
	return writeFileFrom(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeFileFrom is WriteFile with the data written by write as it is made.
func writeFileFrom(path string, write func(w io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := private.MkdirAll(dir); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	// 0600 on Unix; on Windows an owner-only access list, which neither CreateTemp nor a mode gives.
	if err := private.Restrict(tmp); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Neutralize makes a cell that a spreadsheet would run as a formula display as text: a leading
// =, +, -, @, tab or carriage return gets a leading apostrophe (OWASP's advice for CSV injection).
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

func neutralizeRows(rows []Row) []Row {
	out := make([]Row, len(rows))
	for i, r := range rows {
		r.Name = Neutralize(r.Name)
		r.Phone = Neutralize(r.Phone)
		r.E164 = Neutralize(r.E164)
		r.Reason = Neutralize(r.Reason)
		r.ErrorCode = Neutralize(r.ErrorCode)
		r.MessageID = Neutralize(r.MessageID)
		out[i] = r
	}
	return out
}

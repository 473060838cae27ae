// Package report turns a campaign's journal into the delivery report and the list of patients to phone.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gocarina/gocsv"

	"github.com/smscast/smscast/pkg/journal"
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
	SentWith  string `csv:"sent_with" json:"sent_with,omitempty"` // other rows one shared message covered
}

// CallRow is one patient staff still have to phone.
type CallRow struct {
	Row    int    `csv:"row" json:"row"`
	Name   string `csv:"name" json:"name"`
	Phone  string `csv:"phone" json:"phone"`
	Reason string `csv:"reason" json:"reason"`
}

// Rows expands deliveries into one report row per patient row, in list order.
func Rows(ds []journal.Delivery) []Row {
	var rows []Row
	for _, d := range ds {
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
			}
			if !d.UpdatedAt.IsZero() {
				r.Time = d.UpdatedAt.Format(time.RFC3339)
			}
			if len(d.Patients) > 1 {
				r.SentWith = otherRows(d.Patients, p.Row)
			}
			rows = append(rows, r)
		}
	}
	sort.SliceStable(rows, func(i, k int) bool { return rows[i].Row < rows[k].Row })
	return rows
}

func otherRows(ps []journal.Patient, self int) string {
	var b strings.Builder
	for _, p := range ps {
		if p.Row == self {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString(strconv.Itoa(p.Row))
	}
	return "rows " + b.String()
}

// Reached reports whether a delivery in state s needs no phone call.
func Reached(s journal.State) bool {
	switch s {
	case journal.Submitted, journal.Sent, journal.Delivered:
		return true
	}
	return false
}

// Options tune the call list.
type Options struct {
	// Now and NotDeliveredAfter put on the call list a message the provider accepted but has not
	// reported delivered this long after it was sent (used after status refreshes receipts).
	Now               time.Time
	NotDeliveredAfter time.Duration
}

// CallList lists every patient not reached, in list order, with the reason in plain words.
func CallList(ds []journal.Delivery, opt Options) []CallRow {
	late := map[int]bool{}
	if opt.NotDeliveredAfter > 0 {
		for _, d := range ds {
			if (d.State == journal.Submitted || d.State == journal.Sent) && !d.SendingAt.IsZero() &&
				opt.Now.Sub(d.SendingAt) >= opt.NotDeliveredAfter {
				for _, p := range d.Patients {
					late[p.Row] = true
				}
			}
		}
	}
	var out []CallRow
	for _, r := range Rows(ds) {
		s := journal.State(r.State)
		reason := callReason(s, r.Reason)
		if late[r.Row] {
			reason = fmt.Sprintf("not delivered %s after sending", humanAge(opt.NotDeliveredAfter))
		} else if Reached(s) {
			continue
		}
		out = append(out, CallRow{Row: r.Row, Name: r.Name, Phone: r.Phone, Reason: reason})
	}
	return out
}

func humanAge(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return fmt.Sprintf("%d h", d/time.Hour)
	}
	return d.Round(time.Minute).String()
}

func callReason(s journal.State, reason string) string {
	switch s {
	case journal.Pending, journal.Sending:
		return "not sent yet: the run stopped before this message"
	case journal.Unknown:
		if reason == "" {
			return "unknown whether the message was sent"
		}
		return "unknown whether the message was sent: " + reason
	}
	if reason == "" {
		return string(s)
	}
	return reason
}

// Paths are the files Write produced.
type Paths struct{ CSV, JSON, Call string }

// Write writes <campaign>.csv, <campaign>.json and <campaign>-call.csv into dir.
func Write(dir string, c journal.Campaign, ds []journal.Delivery, opt Options) (Paths, error) {
	p := Paths{
		CSV:  filepath.Join(dir, c.ID+".csv"),
		JSON: filepath.Join(dir, c.ID+".json"),
		Call: filepath.Join(dir, c.ID+"-call.csv"),
	}
	rows := Rows(ds)
	if err := writeCSV(p.CSV, neutralizeRows(rows)); err != nil {
		return p, err
	}
	data, err := json.MarshalIndent(newJSONReport(c, ds, rows), "", "  ")
	if err != nil {
		return p, err
	}
	if err := WriteFile(p.JSON, append(data, '\n')); err != nil {
		return p, err
	}
	if err := WriteCallList(p.Call, CallList(ds, opt)); err != nil {
		return p, err
	}
	return p, nil
}

// WriteFormat writes one report to path: "csv" (the delivery report), "json", or "call" (the
// call list). A path of "-" writes to w instead, e.g. standard output.
func WriteFormat(w io.Writer, path, format string, c journal.Campaign, ds []journal.Delivery, opt Options) error {
	var data []byte
	switch format {
	case "csv":
		b, err := csvBytes(neutralizeRows(Rows(ds)))
		if err != nil {
			return err
		}
		data = b
	case "call":
		b, err := csvBytes(neutralizeCalls(CallList(ds, opt)))
		if err != nil {
			return err
		}
		data = b
	case "json":
		b, err := json.MarshalIndent(newJSONReport(c, ds, Rows(ds)), "", "  ")
		if err != nil {
			return err
		}
		data = append(b, '\n')
	default:
		return fmt.Errorf("unknown report format %q: use csv, json or call", format)
	}
	if path == "-" {
		_, err := w.Write(data)
		return err
	}
	return WriteFile(path, data)
}

// WriteCallList writes the call list as CSV that Japanese Excel opens.
func WriteCallList(path string, rows []CallRow) error {
	return writeCSV(path, neutralizeCalls(rows))
}

func neutralizeCalls(rows []CallRow) []CallRow {
	out := make([]CallRow, len(rows))
	for i, r := range rows {
		r.Name, r.Phone, r.Reason = Neutralize(r.Name), Neutralize(r.Phone), Neutralize(r.Reason)
		out[i] = r
	}
	return out
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

// writeCSV writes v (a slice of csv-tagged structs) as UTF-8 CSV with a BOM, so that Japanese
// Excel opens it as UTF-8 instead of guessing CP932.
func writeCSV(path string, v any) error {
	data, err := csvBytes(v)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return WriteFile(path, data)
}

func csvBytes(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	if err := gocsv.Marshal(v, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteFile replaces path atomically with data, readable only by its owner. A missing directory is
// created 0700.
func WriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
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

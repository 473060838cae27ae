// Package roster reads patient lists as clinics export them and classifies every row.
package roster

// Class is what a row's number allows.
type Class string

// Row classes.
const (
	Sendable  Class = "sendable"
	Landline  Class = "landline"
	VoIP      Class = "voip"
	TollFree  Class = "tollfree"
	Pager     Class = "pager"
	Invalid   Class = "invalid"
	Empty     Class = "empty"
	OptedOut  Class = "opted_out"
	Duplicate Class = "duplicate" // sendable, but the number appeared on an earlier row
)

// Options says how to read a list.
type Options struct {
	PhoneColumn string // header of the phone column; "" finds it by alias
	NameColumn  string
	Region      string // default region for numbers without a country code, e.g. "JP"
	Encoding    string // "", "utf-8", "cp932"/"shift_jis"
	OptOut      func(e164 string) bool
}

// Row is one data row of the list.
type Row struct {
	Row         int               // spreadsheet row number: the header is row 1
	Fields      map[string]string // every column by header
	Name        string
	Phone       string // as written
	PhoneColumn string // header of the column the phone came from
	E164        string
	Class       Class
	Reason      string // plain words, for the report and the call list; empty when sendable
	DuplicateOf int    // for Duplicate: the row where the number first appeared
}

// List is a whole list read into memory.
type List struct {
	Path        string
	Encoding    string
	Delimiter   rune
	Header      []string
	PhoneColumn string
	NameColumn  string
	Rows        []Row
}

// Load reads and classifies a whole list.
func Load(path string, opts Options) (*List, error) { panic("TODO") }

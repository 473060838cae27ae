// Package roster reads patient lists as clinics export them and classifies every row.
//
// A list is a CSV or tab-separated file in UTF-8 (with or without a byte-order mark), CP932
// (Shift_JIS, what Japanese Excel writes) or UTF-16 with a byte-order mark, with a header row.
// The phone and name columns are found by header (電話番号, 携帯, TEL, phone, 氏名, 姓+名, …) or
// named in Options; so are, for the call list, the ID (患者番号, カルテ番号, ID), フリガナ and 備考
// columns and the numbers that are called but never texted (緊急連絡先, 家族連絡先). Every data row ends with a Class and, unless sendable, a Reason in plain words:
// nothing is dropped silently. Rows with every cell blank are skipped and counted (Meta.BlankRows).
//
// Row numbers are the ones Excel shows: the header is row 1 and the first patient row 2. A quoted
// cell with line breaks in it is still one row (records are counted, not lines), and a blank line,
// which Excel shows as an empty row, still counts (so blank lines above the header push it down).
//
// Errors meant for the user are *Error values naming the file and row.
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
	// PhoneColumn is the header of the one phone column to use; "" finds every phone column by
	// alias (携帯 before 電話番号 before 自宅) and takes, per row, the first mobile number.
	// Headers are matched as written, then case-, width- and space-insensitively.
	PhoneColumn string
	// NameColumn is the header of the name column; "姓+名" joins two columns with a space.
	// "" finds it by alias (氏名, 名前, name, …, then 姓+名 or first+last, then フリガナ).
	NameColumn string
	Region     string // default region for numbers without a country code, e.g. "JP" (the default)
	Encoding   string // "", "utf-8", "cp932"/"shift_jis", "utf-16le", "utf-16be"; "" detects it
	// OptOut reports numbers that must not be sent to; they become OptedOut. It is called from
	// the goroutine that called Load, Scan or Check, in row order, only for sendable numbers.
	OptOut func(e164 string) bool
	// MaxShare is how many rows may share one number before the list is reported as having a
	// data problem (Meta.Shared, CheckReport.Shared): a family shares a phone, but a number on
	// hundreds of rows is a care home's office entered for every resident, or a damaged export.
	// 0 means DefaultMaxShare; a negative value turns the report off.
	MaxShare int
	// Opened, when set, is called once the header is read, before the first row, with what Meta
	// knows by then: Path, Encoding, Delimiter, Header and the columns found. A caller that
	// streams the rows (Scan) can use the header as it goes.
	Opened func(Meta)

	// For tests of the limits: 0 means MaxRows and MaxBytes.
	maxRows  int
	maxBytes int64
}

// DefaultMaxShare is Options.MaxShare when it is zero: more rows than a household or a small
// group home would put on one phone.
const DefaultMaxShare = 20

// The largest list smscast reads. A clinic's list has hundreds of rows and a hospital group's
// tens of thousands; a million rows at the longest plausible row (about 1 KiB with notes) is
// 1 GiB. Beyond either limit the file is not one clinic's patients (or it is damaged), and
// refusing it keeps check and send within their memory and time bounds (a million rows are
// checked in seconds under 200 MB). The error names the limit.
const (
	MaxRows  = 1_000_000 // data rows, blank rows not counted
	MaxBytes = 1 << 30   // bytes of the file as stored (1 GiB)
)

func (o Options) maxShare() int {
	if o.MaxShare == 0 {
		return DefaultMaxShare
	}
	return o.MaxShare
}

// Shared is a number on more rows than Options.MaxShare: a data problem to show before sending,
// since one message reaches them all and the call list cannot tell the patients apart.
type Shared struct {
	Phone    string `json:"phone"`          // as written on the first row that repeats it
	E164     string `json:"e164,omitempty"` // when the reader computed it (not in check)
	FirstRow int    `json:"first_row"`      // the row that keeps the number (sendable)
	Count    int    `json:"count"`          // rows with the number, the first included
	Rows     string `json:"rows"`           // every one of them, compactly: "2–1000001"

	set *rowSet
}

// Row is one data row of the list.
type Row struct {
	Row         int               // spreadsheet row number: the header is row 1
	Fields      map[string]string // every column by header (Meta.Header: trimmed, made unique)
	Name        string
	Phone       string // as written
	PhoneColumn string // header of the column the phone came from
	E164        string // set for every valid number, sendable or not
	Class       Class
	Reason      string // plain words, for the report and the call list; empty when sendable
	DuplicateOf int    // for Duplicate: the row where the number first appeared

	overShared bool // for Duplicate: by this row the number is on more than Options.MaxShare rows

	// For the call list: every number staff could dial, and who the patient is.
	Numbers []Number // every phone-like column (Meta.NumberColumns), blank cells included
	ID      string   // the patient ID column (患者番号, カルテ番号, …), "" when the list has none
	Kana    string   // フリガナ, unless it is the name column
	Notes   string   // 備考
}

// Number is one phone-like cell of a row: the texted columns (携帯, 電話番号, 自宅) and the ones
// only called (緊急連絡先, 家族連絡先, 勤務先電話, …).
type Number struct {
	Column string // header, as in Meta.Header
	Value  string // as written
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

	PhoneColumns []string // every phone column, in the order they are tried
	BlankRows    int      // rows with every cell blank, skipped
	Shared       []Shared // numbers on more rows than Options.MaxShare, by first row

	NumberColumns []string // every phone-like column, texted or only called, in list order
	IDColumn      string   // "" when the list has none; likewise KanaColumn and NotesColumn
	KanaColumn    string
	NotesColumn   string
}

// Load reads and classifies a whole list. A list that reads cleanly but has no sendable number
// (every number invalid, say) is returned without error: Check reports it, and the caller decides.
func Load(path string, opts Options) (*List, error) {
	return LoadRows(path, opts, nil)
}

// LoadRows reads a list as Load does but keeps only the rows keep says (all when keep is nil):
// the call list of a campaign needs the few rows it names, not a million.
func LoadRows(path string, opts Options, keep func(row int) bool) (*List, error) {
	var rows []Row
	meta, err := Scan(path, opts, func(r Row) error {
		if keep == nil || keep(r.Row) {
			rows = append(rows, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &List{
		Path: meta.Path, Encoding: meta.Encoding, Delimiter: meta.Delimiter, Header: meta.Header,
		PhoneColumn: meta.PhoneColumn, NameColumn: meta.NameColumn, Rows: rows,
		PhoneColumns: meta.PhoneColumns, BlankRows: meta.BlankRows, Shared: meta.Shared,
		NumberColumns: meta.NumberColumns, IDColumn: meta.IDColumn, KanaColumn: meta.KanaColumn,
		NotesColumn: meta.NotesColumn,
	}, nil
}

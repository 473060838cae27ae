package roster

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Meta describes a list as it was read.
type Meta struct {
	Path         string
	Encoding     string   // EncodingUTF8, EncodingUTF8BOM, EncodingCP932, …
	Delimiter    rune     // ',' or '\t'
	Header       []string // Row.Fields keys, in column order
	PhoneColumn  string   // the first phone column tried
	PhoneColumns []string // every phone column, in the order they are tried
	NameColumn   string   // "氏名", or "姓+名" for joined columns, or "" when there is none
	Rows         int      // data rows passed to fn (blank rows are not counted)
	BlankRows    int      // rows with every cell blank: skipped, they are not patients
	Shared       []Shared // numbers on more rows than Options.MaxShare, by first row

	NumberColumns []string // every phone-like column (texted, or only called such as 緊急連絡先), in list order
	IDColumn      string   // patient ID column (患者番号, カルテ番号, ID, …), "" when there is none
	KanaColumn    string   // フリガナ column, "" when there is none or it is the name column
	NotesColumn   string   // 備考 column, "" when there is none
}

// Scan reads and classifies a list row by row without holding it in memory, calling fn for every
// data row in file order. Numbers are parsed on all cores; fn runs on the calling goroutine.
// A fn error stops the scan and is returned as is. Rows before a read error are passed to fn
// first, then the error (a *Error naming the row) is returned.
func Scan(path string, opts Options, fn func(Row) error) (Meta, error) {
	f, err := openFile(path)
	if err != nil {
		return Meta{Path: path}, err
	}
	defer f.Close()
	return ScanReader(f, path, opts, fn)
}

// ScanReader is Scan over any reader; name is how errors refer to it. When r is also an
// io.Seeker (a file), encoding detection may read ahead and seek back.
func ScanReader(r io.Reader, name string, opts Options, fn func(Row) error) (Meta, error) {
	return scan(r, name, opts, false, fn)
}

func openFile(path string) (*os.File, error) {
	return openList(path, MaxBytes)
}

// openList opens a list file. What the path leads to is checked before the open: opening a FIFO
// blocks until something writes to it (forever, and deaf to the first Ctrl-C), and a device
// never ends. A link to a regular file is read (lists live on shared drives and behind
// shortcuts); the file's size is checked against the limit before a byte is read.
func openList(path string, maxBytes int64) (*os.File, error) {
	openErr := func(err error) error {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return &Error{Path: path, Msg: "no such file", Hint: "check the path and the file name", Err: err}
		case errors.Is(err, fs.ErrPermission):
			return &Error{Path: path, Msg: "permission denied", Hint: "check that you may read the file", Err: err}
		}
		return &Error{Path: path, Msg: "cannot open the list", Err: err}
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, openErr(err)
	}
	if e := notAList(path, st, maxBytes); e != nil {
		return nil, e
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, openErr(err)
	}
	if st, err := f.Stat(); err == nil {
		// The path may have changed between the two looks: check what was opened.
		if e := notAList(path, st, maxBytes); e != nil {
			f.Close()
			return nil, e
		}
	}
	return f, nil
}

func notAList(path string, st fs.FileInfo, maxBytes int64) *Error {
	switch {
	case st.IsDir():
		return &Error{Path: path, Msg: "this is a folder, not a list", Hint: "name the CSV file inside it"}
	case !st.Mode().IsRegular():
		return &Error{Path: path, Msg: "not a regular file (a pipe, a device or a socket)",
			Hint: "save the list as a file and name that file"}
	case st.Size() > maxBytes:
		return tooLarge(path, 0, maxBytes)
	}
	return nil
}

func tooLarge(path string, row int, maxBytes int64) *Error {
	return &Error{Path: path, Row: row, Err: errListTooLarge,
		Msg:  "the list is larger than " + byteSize(maxBytes) + ", the most smscast reads",
		Hint: "this is not one clinic's patient list, or the export is damaged: check the file, or split it"}
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + " GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// limitReader fails once more than max bytes were read, for lists that are not files (standard
// input, an upload). It seeks when what it reads seeks, so encoding detection can look ahead.
type limitReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n > l.max {
		return 0, errListTooLarge
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, errListTooLarge
	}
	return n, err
}

func (l *limitReader) Seek(off int64, whence int) (int64, error) {
	s, ok := l.r.(io.Seeker)
	if !ok {
		return 0, errors.New("not seekable")
	}
	pos, err := s.Seek(off, whence)
	if err == nil {
		l.n = pos
	}
	return pos, err
}

// regionCode validates a region such as Options.Region; "" means JP.
func regionCode(region, path string) (string, error) {
	rg := strings.ToUpper(strings.TrimSpace(region))
	if rg == "" {
		rg = "JP"
	}
	if phonenumbers.GetCountryCodeForRegion(rg) == 0 {
		return "", &Error{Path: path, Msg: "unknown region " + strconv.Quote(region),
			Hint: "use a two-letter country code such as JP or US"}
	}
	return rg, nil
}

const (
	batchRows = 256 // rows per unit of work: large enough to amortise channel costs
)

// scanned is a Row on its way through the pipeline, with its key in the duplicate set.
type scanned struct {
	Row
	key    uint64
	keyStr string
}

type batch struct {
	seq   int
	rows  []int    // row numbers
	cells []string // len(rows) × ncols
	blank int      // blank rows skipped while filling this batch
	out   []scanned
	err   error // read error after these rows
	eof   bool
}

// scan runs the pipeline: one goroutine reads records into batches, GOMAXPROCS workers classify
// them, and the calling goroutine puts batches back in file order, decides duplicates and opt-outs
// (which depend on order) and calls fn. At most inFlight batches exist at once, so memory stays
// flat however long the list. lean skips what Check does not need (Fields, Name, E164).
func scan(r io.Reader, name string, opts Options, lean bool, fn func(Row) error) (Meta, error) {
	meta := Meta{Path: name}
	rg, err := regionCode(opts.Region, name)
	if err != nil {
		return meta, err
	}
	forced, ok := encodingOption(opts.Encoding)
	if !ok {
		return meta, &Error{Path: name, Msg: "unknown encoding " + strconv.Quote(opts.Encoding),
			Hint: "use utf-8, cp932 (Shift_JIS) or utf-16le, or leave it out to detect it"}
	}
	maxBytes, maxRows := opts.maxBytes, opts.maxRows
	if maxBytes <= 0 {
		maxBytes = MaxBytes
	}
	if maxRows <= 0 {
		maxRows = MaxRows
	}
	r = &limitReader{r: r, max: maxBytes}
	lr, header, headerRow, err := openReader(r, name, forced, maxBytes)
	if err != nil {
		return meta, err
	}
	cols, err := resolveColumns(header, opts, name, headerRow)
	if err != nil {
		return meta, err
	}
	meta.Encoding, meta.Delimiter, meta.Header = lr.enc, lr.delim, cols.keys
	meta.NameColumn = cols.nameColumn
	for _, i := range cols.phone {
		meta.PhoneColumns = append(meta.PhoneColumns, cols.keys[i])
	}
	meta.PhoneColumn = meta.PhoneColumns[0]
	for _, i := range cols.numbers {
		meta.NumberColumns = append(meta.NumberColumns, cols.keys[i])
	}
	columnOf := func(i int) string {
		if i < 0 {
			return ""
		}
		return cols.keys[i]
	}
	meta.IDColumn, meta.KanaColumn, meta.NotesColumn = columnOf(cols.id), columnOf(cols.kana), columnOf(cols.notes)
	lr.maxRows = maxRows
	if opts.Opened != nil {
		opts.Opened(meta)
	}

	workers := max(1, runtime.GOMAXPROCS(0))
	inFlight := 4 * workers
	tokens := make(chan struct{}, inFlight)
	work := make(chan *batch, inFlight)
	results := make(chan *batch, inFlight)
	done := make(chan struct{})

	go func() {
		defer close(work)
		for seq := 0; ; seq++ {
			select {
			case tokens <- struct{}{}:
			case <-done:
				return
			}
			b := lr.readBatch(seq)
			work <- b
			if b.err != nil || b.eof {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w := worker{cols: cols, lean: lean, p: phoneParser{region: rg, wantE164: !lean || opts.OptOut != nil}}
			for b := range work {
				select {
				case <-done:
				default:
					w.process(b)
				}
				results <- b
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	d := dedup{seen: make(map[uint64]int32), maxShare: opts.maxShare()}
	pending := make(map[int]*batch)
	next := 0
	var stopErr error
	stop := func(err error) {
		if stopErr == nil {
			stopErr = err
			close(done)
		}
	}
	for b := range results {
		if stopErr != nil {
			continue // drain, so the workers and the reader can finish
		}
		pending[b.seq] = b
		for stopErr == nil {
			nb, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			for i := range nb.out {
				s := &nb.out[i]
				d.apply(s, opts.OptOut)
				meta.Rows++
				if err := fn(s.Row); err != nil {
					stop(err)
					break
				}
			}
			meta.BlankRows += nb.blank
			<-tokens
			if nb.err != nil {
				stop(nb.err)
			}
		}
	}
	meta.Shared = d.overShared()
	if stopErr != nil {
		return meta, stopErr
	}
	if meta.Rows == 0 {
		return meta, &Error{Path: name, Msg: "the list has a header but no patient rows",
			Hint: "add one row per patient below the header, or check that this is the right file"}
	}
	return meta, nil
}

// readBatch reads up to batchRows data rows.
func (lr *listReader) readBatch(seq int) *batch {
	b := &batch{seq: seq, rows: make([]int, 0, batchRows), cells: make([]string, 0, batchRows*lr.ncols)}
	for len(b.rows) < batchRows {
		row, rec, err := lr.next()
		if errors.Is(err, io.EOF) {
			b.eof = true
			return b
		}
		if err != nil {
			b.err = err
			return b
		}
		if blankRecord(rec) {
			b.blank++
			continue
		}
		if lr.rows++; lr.rows > lr.maxRows {
			b.err = &Error{Path: lr.path, Row: row, Err: errListTooLarge,
				Msg:  "the list has more than " + thousands(lr.maxRows) + " patient rows, the most smscast reads",
				Hint: "this is not one clinic's patient list, or rows were repeated when it was exported: check the file, or split it"}
			return b
		}
		if rec, err = lr.shape(row, rec); err == nil {
			err = lr.checkCells(row, rec)
		}
		if err != nil {
			b.err = err
			return b
		}
		b.rows = append(b.rows, row)
		b.cells = append(b.cells, rec...)
	}
	return b
}

// worker classifies the rows of a batch; each worker owns its phoneParser.
type worker struct {
	cols columns
	lean bool
	p    phoneParser
}

// classRank orders the numbers of a row's phone columns when none is sendable: a number staff can
// call beats a broken one, which beats a blank.
func classRank(c Class) int {
	switch c {
	case Sendable:
		return 0
	case Landline, VoIP, TollFree, Pager:
		return 1
	case Invalid:
		return 2
	}
	return 3
}

func (w *worker) process(b *batch) {
	n := len(w.cols.keys)
	b.out = make([]scanned, len(b.rows))
	var tried []number
	for i, row := range b.rows {
		cells := b.cells[i*n : (i+1)*n]
		s := &b.out[i]
		s.Row.Row = row

		best := -1
		var bn number
		tried = tried[:0]
		for _, ci := range w.cols.phone {
			num := w.p.classify(cells[ci])
			if len(w.cols.phone) > 1 {
				tried = append(tried, num)
			}
			if best < 0 || classRank(num.class) < classRank(bn.class) {
				best, bn = ci, num
			}
			if num.class == Sendable {
				break
			}
		}
		s.Phone, s.PhoneColumn = bn.raw, w.cols.keys[best]
		s.Class, s.Reason, s.E164 = bn.class, bn.reason, bn.e164
		s.key, s.keyStr = bn.key, bn.keyStr
		if bn.class != Sendable && len(tried) > 1 {
			// Say what was wrong with the other phone columns, so a typo in 携帯 is not hidden
			// behind the landline in 自宅.
			for j, num := range tried {
				ci := w.cols.phone[j]
				if ci != best && num.class != Empty {
					s.Reason += " (" + w.cols.keys[ci] + ": " + num.reason + ")"
				}
			}
		}

		if w.lean {
			continue
		}
		s.Fields = make(map[string]string, n)
		for j, k := range w.cols.keys {
			s.Fields[k] = cells[j]
		}
		s.Numbers = make([]Number, len(w.cols.numbers))
		for j, ci := range w.cols.numbers {
			s.Numbers[j] = Number{Column: w.cols.keys[ci], Value: strings.TrimSpace(cells[ci])}
		}
		cell := func(i int) string {
			if i < 0 {
				return ""
			}
			return strings.TrimSpace(cells[i])
		}
		s.ID, s.Kana, s.Notes = cell(w.cols.id), cell(w.cols.kana), cell(w.cols.notes)
		switch len(w.cols.name) {
		case 0:
		case 1:
			s.Name = strings.TrimSpace(cells[w.cols.name[0]])
		default:
			parts := make([]string, 0, len(w.cols.name))
			for _, ci := range w.cols.name {
				if p := strings.TrimSpace(cells[ci]); p != "" {
					parts = append(parts, p)
				}
			}
			s.Name = strings.Join(parts, " ")
		}
	}
	b.cells = nil
}

// dedup marks opted-out numbers and numbers already seen on an earlier row, and counts the rows
// of every number that repeats. It runs in file order.
type dedup struct {
	seen     map[uint64]int32
	seenStr  map[string]int32
	maxShare int              // < 0: no report
	shares   map[int32]*share // by first row, for numbers seen at least twice
}

// share is a repeated number: its rows as runs, so memory follows the runs, not the rows (a
// million copies of one number are one run).
type share struct {
	phone, e164 string
	rows        rowSet
}

func (d *dedup) apply(s *scanned, optOut func(string) bool) {
	if s.Class != Sendable {
		return
	}
	if optOut != nil && optOut(s.E164) {
		s.Class, s.Reason = OptedOut, reasonOptedOut
		return
	}
	var first int32
	var dup bool
	if s.key != 0 {
		if first, dup = d.seen[s.key]; !dup {
			d.seen[s.key] = int32(s.Row.Row)
		}
	} else {
		if d.seenStr == nil {
			d.seenStr = make(map[string]int32)
		}
		if first, dup = d.seenStr[s.keyStr]; !dup {
			d.seenStr[s.keyStr] = int32(s.Row.Row)
		}
	}
	if dup {
		s.Class, s.DuplicateOf = Duplicate, int(first)
		s.Reason = "same number as row " + strconv.Itoa(int(first))
		if d.maxShare >= 0 {
			if d.shares == nil {
				d.shares = make(map[int32]*share)
			}
			sh := d.shares[first]
			if sh == nil {
				sh = &share{phone: s.Phone, e164: s.E164}
				sh.rows.add(int(first))
				d.shares[first] = sh
			}
			sh.rows.add(s.Row.Row)
			s.overShared = sh.rows.n > d.maxShare
		}
	}
}

// overShared lists the numbers on more than maxShare rows, by first row.
func (d *dedup) overShared() []Shared {
	var out []Shared
	for first, sh := range d.shares {
		if sh.rows.n > d.maxShare {
			out = append(out, Shared{Phone: sh.phone, E164: sh.e164, FirstRow: int(first), Count: sh.rows.n, Rows: sh.rows.String(), set: &sh.rows})
		}
	}
	slices.SortFunc(out, func(a, b Shared) int { return a.FirstRow - b.FirstRow })
	return out
}

// thousands writes n with thousands separators: 1,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

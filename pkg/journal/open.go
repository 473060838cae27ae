package journal

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/smscast/smscast/pkg/internal/private"
)

// Errors that Open (and every read that finds a row it cannot trust) wraps, so that a caller can
// stop (exit 1) and print the error as it is: each names the file and says what to do.
var (
	// ErrDamaged: the journal is empty, truncated, corrupt, or a row of it was altered.
	ErrDamaged = errors.New("journal is damaged")
	// ErrNotJournal: the file is not an smscast journal (not SQLite, or another program's).
	ErrNotJournal = errors.New("not an smscast journal")
	// ErrReadOnly: the journal exists but this process cannot write it (or its directory).
	ErrReadOnly = errors.New("journal cannot be written")
	// ErrInUse: another program holds the journal open without sharing it (on Windows: a backup
	// or sync tool, a database viewer). The journal itself is fine.
	ErrInUse = errors.New("journal is in use by another program")
)

// restoreHint is what to do with a journal that cannot be used. It never suggests starting over
// lightly: a fresh journal would text everyone again.
const restoreHint = "restore it from a backup, or move it aside to start over: a new journal does not know who was already texted"

// fileError is a journal file, or a row of it, that cannot be used: "journal PATH WHAT (WHY): HINT".
type fileError struct {
	path, what, why, hint string
	kind                  error // ErrDamaged, ErrNotJournal, ErrReadOnly
	err                   error // the underlying error, if any
}

func (e *fileError) Error() string {
	s := "journal " + e.path + " " + e.what
	if e.why != "" {
		s += " (" + e.why + ")"
	}
	return s + ": " + e.hint
}

func (e *fileError) Unwrap() []error {
	if e.err == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.err}
}

func damaged(path, why string, err error) error {
	return &fileError{path: path, what: "is damaged", why: why, hint: restoreHint, kind: ErrDamaged, err: err}
}

func notJournal(path, why string) error {
	return &fileError{path: path, what: "is not a usable smscast journal", why: why,
		hint: "if it is the journal, " + restoreHint, kind: ErrNotJournal}
}

func readOnly(path string, err error) error {
	return &fileError{path: path, what: "cannot be written", why: errText(err),
		hint: "check the permissions and owner of the file and of its directory: smscast must be able to write both", kind: ErrReadOnly, err: err}
}

func inUse(path string, err error) error {
	return &fileError{path: path, what: "is in use by another program", why: errText(err),
		hint: "close the program that has it open (a backup or sync tool, a database viewer) and run the same command again", kind: ErrInUse, err: err}
}

// sharingViolation reports whether err is Windows' refusal to open a file another program holds
// open without sharing it (ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION). goos is the running
// OS: the same numbers mean other things elsewhere (32 is EPIPE on Unix).
func sharingViolation(goos string, err error) bool {
	var errno syscall.Errno
	if goos != "windows" || !errors.As(err, &errno) {
		return false
	}
	return errno == 32 || errno == 33
}

func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// wrapSQLite names the file in errors that mean the journal itself is damaged or cannot be
// written; other errors are returned as they are.
func wrapSQLite(path string, err error) error {
	var rd *rowDamage
	if errors.As(err, &rd) {
		return &fileError{path: path, what: "has a damaged row", why: rd.what + ": " + rd.why, hint: rowHint, kind: ErrDamaged, err: err}
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return damaged(path, se.Error(), err)
	case sqlite3.SQLITE_IOERR:
		if se.Code() == sqlite3.SQLITE_IOERR_SHORT_READ {
			return damaged(path, "it is shorter than SQLite expects", err)
		}
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
		return readOnly(path, err)
	}
	return err
}

// openErr is an error of opening the journal: classified by wrapSQLite when it can be, else
// prefixed with the file.
func openErr(path string, err error) error {
	w := wrapSQLite(path, err)
	var fe *fileError
	if errors.As(w, &fe) {
		return w
	}
	return fmt.Errorf("open journal %s: %w", path, w)
}

// create builds a new journal at abs so that no crash can leave at abs anything that looks like a
// journal and is not one (a 0-byte file is indistinguishable from a journal truncated to nothing):
// the whole schema is written to a temporary file beside it, synced, and only then given its
// name, which never replaces a file that appeared meanwhile. It returns errAppeared when one did.
//
// beforeLink is a test's crash point; nil otherwise.
func create(ctx context.Context, abs, path string, beforeLink func()) (err error) {
	dir := filepath.Dir(abs)
	f, err := os.CreateTemp(dir, "."+filepath.Base(abs)+".new-*") // mode 0600
	if err != nil {
		return fmt.Errorf("create journal %s: %w", path, err)
	}
	tmp := f.Name()
	f.Close()
	// Private before SQLite writes a byte: 0600 already on Unix, an owner-only access list on
	// Windows, which CreateTemp does not give. The link below keeps it.
	if err := private.Restrict(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("create journal %s: make it private: %w", path, err)
	}
	defer func() {
		for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
			os.Remove(p) // after the link this is only the temporary name of the journal
		}
	}()
	db, err := sql.Open("sqlite", dataSourceName(tmp))
	if err != nil {
		return fmt.Errorf("create journal %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	err = migrate(ctx, db, path, migrations)
	// Closing the last connection checkpoints the log into the file and removes it: the file
	// alone is then the whole journal.
	if e := db.Close(); err == nil && e != nil {
		err = fmt.Errorf("create journal %s: %w", path, e)
	}
	if err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("create journal %s: %w", path, err)
	}
	if err := checkFile(tmp); err != nil {
		return fmt.Errorf("create journal %s: the new file failed its own check: %w", path, err)
	}
	if beforeLink != nil {
		beforeLink()
	}
	if err := linkNew(tmp, abs); err != nil {
		if errors.Is(err, os.ErrExist) {
			return errAppeared
		}
		return fmt.Errorf("create journal %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("create journal %s: %w", path, err)
	}
	return nil
}

// errAppeared: another process created the journal while this one was building its own.
var errAppeared = errors.New("journal appeared meanwhile")

// linkNew gives the file tmp the name path, failing with an os.ErrExist error if path exists. A
// hard link is the portable way to do so atomically (rename replaces what is there); where the
// file system has no hard links (FAT, some network shares) it falls back to a rename after a
// check, which leaves an instant's window between the two.
func linkNew(tmp, path string) error {
	err := os.Link(tmp, path)
	if err == nil || errors.Is(err, os.ErrExist) {
		return err
	}
	if _, lerr := os.Lstat(path); lerr == nil {
		return &os.LinkError{Op: "link", Old: tmp, New: path, Err: os.ErrExist}
	} else if !errors.Is(lerr, os.ErrNotExist) {
		return lerr
	}
	return os.Rename(tmp, path)
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if e := f.Close(); err == nil {
		err = e
	}
	return err
}

// checkFile refuses, before SQLite opens it, a file that SQLite would take for a journal it is not
// or silently treat as smaller than it was: empty, too short for the pages its header counts (and
// its log does not hold), not SQLite, another program's, or from a newer smscast. It only reads.
func checkFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		if sharingViolation(runtime.GOOS, err) {
			return inUse(path, err)
		}
		if errors.Is(err, os.ErrPermission) {
			return readOnly(path, err)
		}
		return fmt.Errorf("open journal %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open journal %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return notJournal(path, "it is not a regular file")
	}
	size := fi.Size()
	if size == 0 {
		return damaged(path, "it is empty: 0 bytes", nil)
	}
	var h [100]byte
	n, err := io.ReadFull(f, h[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("read journal %s: %w", path, err)
	}
	magic := "SQLite format 3\x00"
	if m := min(n, len(magic)); string(h[:m]) != magic[:m] {
		return notJournal(path, "it is not a SQLite database")
	}
	if n < len(h) {
		return damaged(path, fmt.Sprintf("it is truncated: %d bytes, shorter than a SQLite header", size), nil)
	}
	be32 := func(off int) uint32 { return binary.BigEndian.Uint32(h[off:]) }
	pageSize := int64(binary.BigEndian.Uint16(h[16:]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize&(pageSize-1) != 0 || h[18] < 1 || h[18] > 2 || h[19] < 1 || h[19] > 2 ||
		h[21] != 64 || h[22] != 32 || h[23] != 32 {
		return damaged(path, "its SQLite header is damaged", nil)
	}
	appID, version := be32(68), int32(be32(60))
	switch {
	case appID != 0 && appID != applicationID:
		return notJournal(path, "it is a SQLite database of another program")
	case appID == applicationID && (version < 0 || version > 1<<16):
		return damaged(path, fmt.Sprintf("its SQLite header is damaged: schema version %d", version), nil)
	case appID == applicationID && int(version) > len(migrations):
		return newerSchema(path, int(version), len(migrations))
	}
	if size%pageSize != 0 {
		return damaged(path, fmt.Sprintf("it is truncated: %d bytes, not a whole number of %d-byte pages", size, pageSize), nil)
	}
	// The page count in the header is valid when the change counter equals version-valid-for
	// (SQLite 3.7.0 and later always keep it so).
	pages := int64(be32(28))
	if pages == 0 || be32(24) != be32(92) {
		return nil
	}
	have := size / pageSize
	walPages, inWAL, err := readWAL(path+"-wal", pageSize)
	if err != nil {
		return fmt.Errorf("read journal %s-wal: %w", path, err)
	}
	if walPages > 0 {
		pages = int64(walPages) // the latest commit's size: the file catches up at the next checkpoint
	}
	for p := have + 1; p <= pages; p++ {
		if !inWAL[uint32(p)] {
			return damaged(path, fmt.Sprintf("it is truncated: %d bytes, its header and log count %d pages of %d bytes", size, pages, pageSize), nil)
		}
	}
	return nil
}

func newerSchema(path string, version, latest int) error {
	return fmt.Errorf("journal %s was written by a newer smscast (schema %d, this one knows %d): upgrade smscast to use it: %w",
		path, version, latest, ErrNewerSchema)
}

// readWAL reads a SQLite write-ahead log as SQLite's recovery does: frames count while their
// salts match the header and their running checksum holds, and only up to the last commit. It
// returns the database's size in pages after that commit and the pages the log holds; 0 and nil
// when there is no log or no valid commit in it.
func readWAL(path string, pageSize int64) (uint32, map[uint32]bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var h [32]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, nil // empty or shorter than a header: SQLite ignores it too
	}
	be := binary.BigEndian
	magic := be.Uint32(h[0:])
	if magic&^1 != 0x377f0682 || int64(be.Uint32(h[8:])) != pageSize {
		return 0, nil, nil
	}
	var order binary.ByteOrder = binary.LittleEndian
	if magic&1 == 1 {
		order = binary.BigEndian
	}
	s0, s1 := walChecksum(order, h[:24], 0, 0)
	if s0 != be.Uint32(h[24:]) || s1 != be.Uint32(h[28:]) {
		return 0, nil, nil
	}
	salt1, salt2 := be.Uint32(h[16:]), be.Uint32(h[20:])
	frame := make([]byte, 24+pageSize)
	var dbPages uint32
	committed, pending := map[uint32]bool{}, []uint32(nil)
	for {
		if _, err := io.ReadFull(r, frame); err != nil {
			break
		}
		if be.Uint32(frame[8:]) != salt1 || be.Uint32(frame[12:]) != salt2 {
			break
		}
		s0, s1 = walChecksum(order, frame[:8], s0, s1)
		s0, s1 = walChecksum(order, frame[24:], s0, s1)
		if s0 != be.Uint32(frame[16:]) || s1 != be.Uint32(frame[20:]) {
			break
		}
		pending = append(pending, be.Uint32(frame[0:]))
		if size := be.Uint32(frame[4:]); size != 0 {
			for _, p := range pending {
				committed[p] = true
			}
			pending, dbPages = pending[:0], size
		}
	}
	if dbPages == 0 {
		return 0, nil, nil
	}
	return dbPages, committed, nil
}

// walChecksum is SQLite's log checksum over b (a multiple of 8 bytes), continuing from s0, s1.
func walChecksum(order binary.ByteOrder, b []byte, s0, s1 uint32) (uint32, uint32) {
	for i := 0; i+8 <= len(b); i += 8 {
		s0 += order.Uint32(b[i:]) + s1
		s1 += order.Uint32(b[i+4:]) + s0
	}
	return s0, s1
}

// checkWritable refuses a journal this process cannot write, before SQLite reports it as a
// confusing failure halfway through a run.
func checkWritable(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		if sharingViolation(runtime.GOOS, err) {
			return inUse(path, err)
		}
		if errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EROFS) {
			return readOnly(path, err)
		}
		return fmt.Errorf("open journal %s: %w", path, err)
	}
	return f.Close()
}

// verify reads the whole journal through SQLite before it is used: the schema is this program's,
// and every page of every table and index is sound (PRAGMA quick_check). A refused file must be
// left exactly as it was: with a log beside it, the connection is read-only (a writer would
// checkpoint the log into the file on close); without one, a read-write connection that only
// reads removes on close the log and index files it made, and writes nothing.
func verify(ctx context.Context, abs, path string) error {
	dsn := dataSourceName(abs) + "&_pragma=query_only(1)"
	if _, err := os.Lstat(abs + "-wal"); err == nil {
		dsn = strings.Replace(dsn, "?mode=rw", "?mode=ro", 1)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return openErr(path, err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return openErr(path, err)
	}
	defer conn.Close()
	if _, err := checkSchema(ctx, conn, path, len(migrations)); err != nil {
		return err
	}
	rows, err := conn.QueryContext(ctx, `PRAGMA quick_check(5)`)
	if err != nil {
		return openErr(path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return openErr(path, err)
		}
		for _, line := range strings.Split(s, "\n") {
			if line != "ok" && line != "" && !strings.HasPrefix(line, "***") {
				problems = append(problems, line)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return openErr(path, err)
	}
	if len(problems) > 0 {
		return damaged(path, "SQLite's check found: "+problems[0], nil)
	}
	return nil
}

// prepare makes the file at abs one that Open can use: a new journal when nothing is at the path,
// else the existing file once it has passed every check. It changes an existing file only to make
// it private (mode 0600; on Windows an owner-only access list), and only once it is known to be a
// sound journal.
func prepare(ctx context.Context, abs, path string) error {
	if _, err := os.Lstat(abs); errors.Is(err, os.ErrNotExist) {
		if err := create(ctx, abs, path, nil); !errors.Is(err, errAppeared) {
			return err
		}
		// Another process created it first: check it as any existing journal.
	} else if err != nil {
		return fmt.Errorf("open journal %s: %w", path, err)
	}
	if _, err := os.Stat(abs); errors.Is(err, os.ErrNotExist) {
		return notJournal(path, "it is a symbolic link to a file that does not exist")
	}
	if err := checkFile(abs); err != nil {
		return err
	}
	if err := checkWritable(abs); err != nil {
		return err
	}
	if err := verify(ctx, abs, path); err != nil {
		return err
	}
	if err := private.Restrict(abs); err != nil && !sharedJournal(runtime.GOOS, err) {
		return fmt.Errorf("journal %s: make it readable by this user only: %w", path, err)
	}
	return nil
}

// sharedJournal reports whether err, from making an existing journal private, is Windows refusing
// to let this user change the access list of a file another user owns: a journal on the clinic's
// shared drive, used from two computers. It stays as private as its owner made it; refusing it
// would leave the second computer without its journal.
func sharedJournal(goos string, err error) bool {
	return goos == "windows" && errors.Is(err, os.ErrPermission)
}

// restrictLogs makes SQLite's log and index files (-wal, -shm) private on Unix, where SQLite gives
// them the database's mode but a umask or an older file may not agree. On Windows (goos
// "windows") they are left alone: SQLite holds them open, and they inherit the access list of the
// journal's directory, which private.MkdirAll made owner-only.
func restrictLogs(goos, abs string) error {
	if goos == "windows" {
		return nil
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := private.Restrict(abs + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

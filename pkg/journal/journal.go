// Package journal is the campaign store: the plan and every state change, in SQLite, the source of truth.
package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smscast/smscast/pkg/internal/private"
)

// Journal is an open journal file. Its methods are safe for concurrent use.
//
// Writes go through one writer goroutine that commits whatever is queued in one transaction
// (group commit): many workers waiting on MarkSending share one fsync.
type Journal struct {
	path string
	wdb  *sql.DB // one connection, used only by the writer goroutine
	rdb  *sql.DB // readers (WAL lets them run beside the writer)

	mu     sync.RWMutex // guards closed against enqueue
	closed bool
	ops    chan *op
	done   chan struct{} // closed when the writer goroutine has exited

	async    atomic.Int64 // asynchronous writes queued and not yet committed
	errMu    sync.Mutex
	asyncErr error // first failure of an asynchronous write, reported by Flush and Close

	lockMu sync.Mutex
	locks  map[string]*heldLock // campaign locks held by this process through this journal

	commits, writes atomic.Int64
}

// Stats counts the group commits of MarkSending and Record writes since Open.
type Stats struct {
	Commits int64 // transactions (each one fsync)
	Writes  int64 // MarkSending and Record calls they carried
}

// Stats reports how well writes are being grouped.
func (j *Journal) Stats() Stats { return Stats{Commits: j.commits.Load(), Writes: j.writes.Load()} }

// timeFormat is fixed-width so that stored times sort as text and read well in the sqlite3 shell.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// Open opens the journal at path, or creates it (mode 0600, parent directories 0700) when nothing
// is there.
//
// A file that is empty, truncated, damaged, not an smscast journal, written by a newer smscast, or
// not writable is an error naming the file and saying what to do (it wraps ErrDamaged,
// ErrNotJournal, ErrNewerSchema or ErrReadOnly): Open never starts a fresh journal in place of an
// existing file, because a fresh journal would text everyone again.
func Open(ctx context.Context, path string) (*Journal, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if err := private.MkdirAll(filepath.Dir(abs)); err != nil {
		return nil, fmt.Errorf("create journal directory: %w", err)
	}
	if err := prepare(ctx, abs, path); err != nil {
		return nil, err
	}

	dsn := dataSourceName(abs)
	wdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)

	if err := migrate(ctx, wdb, path, migrations); err != nil {
		wdb.Close()
		return nil, err
	}
	// SQLite copies the database's mode to its -wal and -shm files, but a umask or an older file
	// may not agree. Not on Windows, where SQLite holds -shm mapped and a chmod there fails.
	if err := restrictLogs(runtime.GOOS, abs); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}

	rdb, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(4)
	rdb.SetMaxIdleConns(4)

	j := &Journal{
		path:  path,
		wdb:   wdb,
		rdb:   rdb,
		ops:   make(chan *op, 4096),
		done:  make(chan struct{}),
		locks: map[string]*heldLock{},
	}
	w, err := newWriter(ctx, j)
	if err != nil {
		rdb.Close()
		wdb.Close()
		return nil, j.wrap(err)
	}
	go w.run()
	return j, nil
}

// Path returns the journal's file path as given to Open.
func (j *Journal) Path() string { return j.path }

func dataSourceName(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive path: file:///C:/…
	}
	u := url.URL{Path: p}
	// journal_mode=WAL is set by migrate once the file is known to be ours: it is persistent, and a
	// refused file must be left untouched.
	// FULL: a commit is on disk (not only in the OS cache) when it returns, so a `sending` survives
	// power loss; group commit pays one fsync per batch, not per delivery. Measured with
	// BenchmarkSendCycle (32 workers): FULL and NORMAL give the same throughput, because the
	// fsync's wait lets batches grow (31 writes per commit against 11), and FULL costs less CPU.
	return "file://" + u.EscapedPath() + "?mode=rw" +
		"&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(1)" +
		// Statement journals (needed by statements that fire triggers) stay in memory: on disk
		// they cost a write syscall per page and made a 100k-row plan take seconds.
		"&_pragma=temp_store(MEMORY)" +
		"&_pragma=cache_size(-16384)"
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) && runtime.GOOS != "windows" {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// wrap names the file in errors that mean the journal itself is damaged or cannot be written.
func (j *Journal) wrap(err error) error { return wrapSQLite(j.path, err) }

// Close flushes pending writes and closes the file. It is safe to call more than once.
func (j *Journal) Close() error {
	j.mu.Lock()
	already := j.closed
	j.closed = true
	if !already {
		close(j.ops)
	}
	j.mu.Unlock()
	if already {
		return nil
	}
	<-j.done
	err := j.peekAsyncErr()
	j.lockMu.Lock()
	for _, l := range j.locks {
		if e := l.release(); e != nil && err == nil {
			err = e
		}
	}
	j.locks = map[string]*heldLock{}
	j.lockMu.Unlock()
	if e := j.rdb.Close(); e != nil && err == nil {
		err = e
	}
	if e := j.wdb.Close(); e != nil && err == nil {
		err = e
	}
	return err
}

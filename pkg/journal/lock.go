package journal

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LockedError says that another process is sending the campaign.
type LockedError struct {
	Campaign string
	PID      int       // 0 when the holder could not be identified
	Host     string    // the holder's host when it is not this one
	Started  time.Time // when the holder took the lock; zero if unknown
}

func (e *LockedError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = fmt.Sprintf("process %d", e.PID)
	}
	if e.Host != "" {
		who += " on " + e.Host
	}
	s := fmt.Sprintf("campaign %s is being sent by %s", e.Campaign, who)
	if !e.Started.IsZero() {
		s += fmt.Sprintf(" (started %s)", e.Started.Local().Format("15:04"))
	}
	s += ": wait for it or stop it"
	if e.Host != "" {
		s += "; if no smscast runs on " + e.Host + " any more, its lock was left over and must be cleared"
	}
	return s
}

// holder identifies a process holding a campaign lock.
type holder struct {
	Campaign string    `json:"campaign"`
	PID      int       `json:"pid"`
	Host     string    `json:"host"`
	Boot     string    `json:"boot,omitempty"` // Linux boot id: a pid from an earlier boot is dead
	Started  time.Time `json:"started"`
	// ProcStart is when the process started, as the OS counts it (Linux: clock ticks since boot;
	// Windows: its creation time in 100 ns units since 1601); empty where unknown. Another start
	// for the same pid is another process, which is how a pid reused after a reboot is told apart
	// on Windows, which has no boot id.
	ProcStart string `json:"pstart,omitempty"`
}

func self(campaign string) holder {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return holder{Campaign: campaign, PID: pid, Host: host, Boot: bootID(), Started: time.Now(), ProcStart: processStart(pid)}
}

func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func (h holder) lockedError(me holder) *LockedError {
	e := &LockedError{Campaign: me.Campaign, PID: h.PID, Started: h.Started}
	if h.Host != me.Host {
		e.Host = h.Host
	}
	return e
}

// stale reports whether h is certainly dead as seen from me, asking the OS about its pid.
func (h holder) stale(me holder) bool { return staleHolder(h, me, processStart, processAlive) }

// staleHolder is stale's decision, with the OS's answers as functions so that every branch can be
// tested on any OS: startOf(pid) is the pid's process start ("" if unknown), alive(pid) whether
// it exists.
//
// A holder on another host is never taken for dead: we cannot ask that host (a journal on a shared
// drive). A holder that is this very process is: a process sends a campaign through one Journal,
// whose lock is re-entrant, so a row naming this pid was left by this process (a release that
// failed) or by an earlier process that had the same pid, which on Windows after a reboot is
// common and has no boot id to tell it by.
func staleHolder(h, me holder, startOf func(pid int) string, alive func(pid int) bool) bool {
	if h.Host != me.Host {
		return false
	}
	if h.Boot != "" && me.Boot != "" && h.Boot != me.Boot {
		return true // the machine rebooted since: every process of that boot is gone
	}
	if h.PID == me.PID {
		return true
	}
	if h.ProcStart != "" {
		if now := startOf(h.PID); now != "" && now != h.ProcStart {
			return true // the pid now belongs to another process: the holder is gone
		}
	}
	return !alive(h.PID)
}

// fileTimeStart is a Windows process creation time (a FILETIME: 100 ns units since 1601, in two
// halves) as holder.ProcStart records it.
func fileTimeStart(high, low uint32) string {
	if high == 0 && low == 0 {
		return ""
	}
	return strconv.FormatUint(uint64(high)<<32|uint64(low), 10)
}

type heldLock struct {
	refs    int
	release func() error
}

// Lock takes the campaign's lock, so that two processes never send one campaign at once. If
// another live process holds it, the error is a *LockedError naming that process. A lock left by
// a dead process is taken over.
//
// On Linux, macOS and the BSDs the lock is an flock on a file next to the journal: the kernel
// drops it when the holder dies, however it dies. Elsewhere it is a row in the journal holding the
// pid, taken over when that pid is no longer alive on this host and boot.
//
// Within one Journal the lock is re-entrant (the CLI and broadcast.Run may both take it); each
// release func must be called once, and Close releases whatever is still held.
func (j *Journal) Lock(ctx context.Context, campaign string) (release func() error, err error) {
	j.lockMu.Lock()
	defer j.lockMu.Unlock()
	h := j.locks[campaign]
	if h == nil {
		rel, err := j.acquire(ctx, campaign)
		if err != nil {
			return nil, err
		}
		h = &heldLock{release: rel}
		j.locks[campaign] = h
	}
	h.refs++
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			j.lockMu.Lock()
			defer j.lockMu.Unlock()
			if j.locks[campaign] != h {
				return // released by Close
			}
			if h.refs--; h.refs == 0 {
				delete(j.locks, campaign)
				err = h.release()
			}
		})
		return err
	}, nil
}

func (j *Journal) acquire(ctx context.Context, campaign string) (func() error, error) {
	if haveFlock {
		return j.lockFile(ctx, campaign)
	}
	return j.lockRow(ctx, campaign)
}

// lockPath is the flock file of a campaign: hashed, because a campaign id may hold any character.
func (j *Journal) lockPath(campaign string) string {
	sum := sha256.Sum256([]byte(campaign))
	return j.path + ".lock-" + hex.EncodeToString(sum[:8])
}

// lockRow is the portable lock: a row in the locks table, checked and taken in one write
// transaction so that two processes cannot both take over a stale row.
func (j *Journal) lockRow(ctx context.Context, campaign string) (func() error, error) {
	me := self(campaign)
	err := j.exclusive(ctx, func(ctx context.Context, c *sql.Conn) error {
		var h holder
		var started string
		err := c.QueryRowContext(ctx, `SELECT pid, host, boot, started, pstart FROM locks WHERE campaign = ?`, campaign).
			Scan(&h.PID, &h.Host, &h.Boot, &started, &h.ProcStart)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			h.Started, _ = parseTime(started)
			if !h.stale(me) {
				return h.lockedError(me)
			}
		}
		_, err = c.ExecContext(ctx, `INSERT OR REPLACE INTO locks (campaign, pid, host, boot, started, pstart) VALUES (?, ?, ?, ?, ?, ?)`,
			campaign, me.PID, me.Host, me.Boot, fmtTime(me.Started), me.ProcStart)
		return err
	})
	if err != nil {
		var le *LockedError
		if errors.As(err, &le) {
			return nil, le
		}
		return nil, fmt.Errorf("lock campaign %s: %w", campaign, j.wrap(err))
	}
	return func() error {
		return j.exclusive(context.Background(), func(ctx context.Context, c *sql.Conn) error {
			_, err := c.ExecContext(ctx, `DELETE FROM locks WHERE campaign = ? AND pid = ? AND started = ?`,
				campaign, me.PID, fmtTime(me.Started))
			return err
		})
	}, nil
}

// ForceUnlock removes a campaign's lock whoever holds it, for a holder on another computer that
// is known to be gone. It is never needed for a holder on this computer.
func (j *Journal) ForceUnlock(ctx context.Context, campaign string) error {
	if haveFlock {
		if err := os.Remove(j.lockPath(campaign)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return j.exclusive(ctx, func(ctx context.Context, c *sql.Conn) error {
		_, err := c.ExecContext(ctx, `DELETE FROM locks WHERE campaign = ?`, campaign)
		return err
	})
}

func readHolder(b []byte) (holder, bool) {
	var h holder
	if len(b) == 0 || json.Unmarshal(b, &h) != nil {
		return holder{}, false
	}
	return h, true
}

// LockWait is Lock, but while a live process holds the lock it tries again every 20 ms for up to
// wait before returning the *LockedError. Two identical runs started moments apart thus see each
// other as they are: the second waits for the first to take or give up the lock, and then names
// it, instead of both racing to look it up. A dead holder's lock is taken over at once, as by
// Lock.
func (j *Journal) LockWait(ctx context.Context, campaign string, wait time.Duration) (release func() error, err error) {
	const poll = 20 * time.Millisecond
	deadline := time.Now().Add(wait)
	for {
		release, err := j.Lock(ctx, campaign)
		var le *LockedError
		if !errors.As(err, &le) {
			return release, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, err
		}
		t := time.NewTimer(min(poll, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("lock campaign %s: %w (%v)", campaign, ctx.Err(), err)
		case <-t.C:
		}
	}
}

package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrNewerSchema is wrapped by Open when the journal was written by a newer smscast.
var ErrNewerSchema = errors.New("journal written by a newer smscast")

// applicationID marks a SQLite file as an smscast journal ("SMSC").
const applicationID = 0x534d5343

// migrations[i] takes the schema from version i to i+1 (PRAGMA user_version). Append only: a
// released migration is never edited, because journals in the field already ran it.
var migrations = []string{
	// 1: the plan, its history, opt-outs and campaign locks.
	`CREATE TABLE campaigns (
		id         TEXT PRIMARY KEY,
		template   TEXT NOT NULL,
		list       TEXT NOT NULL,
		provider   TEXT NOT NULL,
		test       INTEGER NOT NULL DEFAULT 0,
		created_at TEXT NOT NULL,
		meta       TEXT NOT NULL DEFAULT '{}'
	);
	CREATE TABLE deliveries (
		id          INTEGER PRIMARY KEY,
		campaign    TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
		seq         INTEGER NOT NULL,
		patients    TEXT NOT NULL DEFAULT '[]',
		"to"        TEXT NOT NULL DEFAULT '',
		body        TEXT NOT NULL DEFAULT '',
		segments    INTEGER NOT NULL DEFAULT 0,
		state       TEXT NOT NULL,
		reason      TEXT NOT NULL DEFAULT '',
		error_code  TEXT NOT NULL DEFAULT '',
		provider_id TEXT NOT NULL DEFAULT '',
		attempts    INTEGER NOT NULL DEFAULT 0,
		sending_at  TEXT,
		updated_at  TEXT NOT NULL,
		version     INTEGER NOT NULL DEFAULT 0, -- bumped by every change: the key of its event
		UNIQUE (campaign, seq)
	);
	-- No index on state: every send changes a delivery's state twice, and keeping an index on it
	-- up to date cost 20-25 % of the journal's CPU per message (BenchmarkSendCycle). Work and
	-- Counts read a campaign's rows through UNIQUE (campaign, seq): 100k rows in tens of ms.
	CREATE TABLE optouts (
		e164   TEXT PRIMARY KEY,
		source TEXT NOT NULL,
		at     TEXT NOT NULL
	);
	-- Every state a delivery ever had: the first written with the plan, every later one by a
	-- trigger, so that no code path can forget it.
	CREATE TABLE events (
		delivery    INTEGER NOT NULL,
		version     INTEGER NOT NULL,
		state       TEXT NOT NULL,
		attempt     INTEGER NOT NULL,
		provider_id TEXT NOT NULL,
		error_code  TEXT NOT NULL,
		reason      TEXT NOT NULL,
		at          TEXT NOT NULL,
		PRIMARY KEY (delivery, version)
	) WITHOUT ROWID;
	CREATE TRIGGER deliveries_changed AFTER UPDATE ON deliveries BEGIN
		INSERT INTO events (delivery, version, state, attempt, provider_id, error_code, reason, at)
		VALUES (NEW.id, NEW.version, NEW.state, NEW.attempts, NEW.provider_id, NEW.error_code, NEW.reason, NEW.updated_at);
	END;
	-- Campaign locks where the OS has no flock (see lock.go).
	CREATE TABLE locks (
		campaign TEXT PRIMARY KEY,
		pid      INTEGER NOT NULL,
		host     TEXT NOT NULL,
		boot     TEXT NOT NULL,
		started  TEXT NOT NULL
	);`,
	// 2: a campaign's identity (its message, whatever its ID) and a checksum of what each delivery
	// sends (number and body): checked before sending, and the key that finds a number that was
	// already accepted the identical text in another campaign (repeat_window).
	`ALTER TABLE campaigns ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
	CREATE INDEX campaigns_fingerprint ON campaigns (fingerprint);
	ALTER TABLE deliveries ADD COLUMN checksum TEXT NOT NULL DEFAULT '';
	CREATE INDEX deliveries_checksum ON deliveries (checksum);`,
	// 3: the lock holder's process start (Linux: ticks since boot, from /proc/<pid>/stat), so
	// that a pid reused by another program is not taken for the holder.
	`ALTER TABLE locks ADD COLUMN pstart TEXT NOT NULL DEFAULT '';`,
	// 4: the audit trail (audit.go): one row per action, each holding the hash of the one before.
	// The triggers make a slip in the sqlite3 shell fail loudly; tamper-evidence is the chain and
	// the head file, since whoever can write the file can drop a trigger. audit_start says when
	// the trail began: at the upgrade, for a journal from before it. purged remembers campaigns
	// whose patient data purge removed (purge.go); notices, when a reminder was last shown.
	`CREATE TABLE audit (
		seq       INTEGER PRIMARY KEY,
		at        TEXT NOT NULL,
		tz_offset INTEGER NOT NULL,
		action    TEXT NOT NULL,
		test      INTEGER NOT NULL,
		operator  TEXT NOT NULL,
		host      TEXT NOT NULL,
		command   TEXT NOT NULL,
		campaign  TEXT NOT NULL,
		template  TEXT NOT NULL,
		text_hash TEXT NOT NULL,
		provider  TEXT NOT NULL,
		counts    TEXT NOT NULL,
		prev      TEXT NOT NULL,
		hash      TEXT NOT NULL
	);
	CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
		SELECT RAISE(ABORT, 'the audit trail is append-only');
	END;
	CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
		SELECT RAISE(ABORT, 'the audit trail is append-only');
	END;
	CREATE TABLE audit_start (
		at        TEXT NOT NULL,
		campaigns INTEGER NOT NULL
	);
	INSERT INTO audit_start (at, campaigns) SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), count(*) FROM campaigns;
	CREATE TABLE purged (
		campaign   TEXT PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
		at         TEXT NOT NULL,
		finished   TEXT NOT NULL,
		deliveries INTEGER NOT NULL
	);
	CREATE TABLE notices (
		name TEXT PRIMARY KEY,
		at   TEXT NOT NULL
	);`,
	// 5: the mobile carrier that delivered each message, from the provider's receipt (receipts.go).
	`ALTER TABLE deliveries ADD COLUMN carrier TEXT NOT NULL DEFAULT '';`,
	// The route each delivery's latest attempt went through (provider.go): failover sends some
	// of a campaign through another provider, and a phone's daily limit is counted per SIM.
	// Empty: the campaign's provider. No index: Usage scans, and MarkSending stays as cheap.
	`ALTER TABLE deliveries ADD COLUMN provider TEXT NOT NULL DEFAULT '';`,
	// Replies (inbound.go): each message a person sent us, once per provider and provider id, with
	// the campaign and delivery it answers (NULL: unmatched, listed for a person to read).
	`CREATE TABLE inbound (
		id          INTEGER PRIMARY KEY,
		provider    TEXT NOT NULL,
		provider_id TEXT NOT NULL,
		sender      TEXT NOT NULL,
		e164        TEXT NOT NULL,
		recipient   TEXT NOT NULL,
		text        TEXT NOT NULL,
		at          TEXT NOT NULL,
		confirms    INTEGER NOT NULL,
		campaign    TEXT REFERENCES campaigns (id) ON DELETE CASCADE,
		delivery    INTEGER REFERENCES deliveries (id) ON DELETE CASCADE,
		stored_at   TEXT NOT NULL,
		UNIQUE (provider, provider_id)
	);
	CREATE INDEX inbound_campaign ON inbound (campaign, at);`,
}

// migrate brings the journal at path to len(ms), all steps in one transaction, or explains why
// it cannot.
func migrate(ctx context.Context, db *sql.DB, path string, ms []string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return openErr(path, err)
	}
	defer conn.Close()

	version, err := checkSchema(ctx, conn, path, len(ms))
	if err != nil {
		return err
	}
	// WAL: readers never block the writer, and a commit appends to the log instead of rewriting
	// pages. Persistent in the file; a no-op when already set.
	var mode string
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return openErr(path, err)
	}
	if mode != "wal" {
		return fmt.Errorf("open journal %s: the file system does not support SQLite's WAL mode (got %q)", path, mode)
	}
	if version == len(ms) {
		return nil
	}
	// Another process may be migrating the same file: check again under the write lock.
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return openErr(path, err)
	}
	err = func() error {
		version, err := checkSchema(ctx, conn, path, len(ms))
		if err != nil {
			return err
		}
		for v := version; v < len(ms); v++ {
			if _, err := conn.ExecContext(ctx, ms[v]); err != nil {
				return fmt.Errorf("upgrade journal %s to schema %d: %w", path, v+1, err)
			}
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d`, applicationID)); err != nil {
			return err
		}
		_, err = conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(ms)))
		return err
	}()
	if err != nil {
		conn.ExecContext(context.Background(), `ROLLBACK`)
		return err
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		conn.ExecContext(context.Background(), `ROLLBACK`)
		return openErr(path, err)
	}
	return nil
}

// checkSchema returns the journal's schema version, or an error if this smscast cannot use it.
func checkSchema(ctx context.Context, conn *sql.Conn, path string, latest int) (int, error) {
	var version, appID, tables int
	if err := conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return 0, openErr(path, err)
	}
	if err := conn.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&appID); err != nil {
		return 0, openErr(path, err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&tables); err != nil {
		return 0, openErr(path, err)
	}
	switch {
	case appID != applicationID && (version != 0 || tables != 0):
		return 0, notJournal(path, "it is a SQLite database of another program")
	case version > latest:
		return 0, newerSchema(path, version, latest)
	}
	return version, nil
}

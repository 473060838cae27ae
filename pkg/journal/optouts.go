package journal

import (
	"context"
	"database/sql"
	"time"
)

// AddOptOut remembers a number that must not be texted again. Adding a known number again keeps
// the first record.
func (j *Journal) AddOptOut(ctx context.Context, e164, source string) error {
	at := fmtTime(time.Now())
	return j.exclusive(ctx, func(ctx context.Context, c *sql.Conn) error {
		_, err := c.ExecContext(ctx, `INSERT INTO optouts (e164, source, at) VALUES (?, ?, ?) ON CONFLICT (e164) DO NOTHING`,
			e164, source, at)
		return err
	})
}

// OptedOut returns every remembered opted-out number.
func (j *Journal) OptedOut(ctx context.Context) (map[string]bool, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	rows, err := j.rdb.QueryContext(ctx, `SELECT e164 FROM optouts`)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, j.wrap(err)
		}
		out[n] = true
	}
	return out, j.wrap(rows.Err())
}

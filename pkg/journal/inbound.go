package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// MetaAck is the Meta key of a campaign whose message asked for a reply ("true"). Replies are
// matched only to such campaigns.
const MetaAck = "ack"

// Inbound is one message a person sent us (a reply), as the journal keeps it.
type Inbound struct {
	ID         int64
	Provider   string    // the provider it came through ("twilio", "smsgate", "sim")
	ProviderID string    // the provider's id of it: with Provider, the key that stores it once
	From       string    // the sender as the provider wrote it
	E164       string    // From normalised to E.164; empty when it is not a phone number
	To         string    // our number it was sent to, when the provider said
	Text       string    // as received
	At         time.Time // when the provider received it
	Confirms   bool      // the text confirms (1, はい, 了解, …): the caller decides
	Campaign   string    // the campaign it answers; empty: unmatched
	Delivery   int64     // the delivery it answers; 0: unmatched
	StoredAt   time.Time // when this journal first stored it
}

// AddInbound stores the messages it has not stored before, each once by Provider and ProviderID,
// and matches each to the delivery it answers (see MatchReply) in the same transaction. It returns
// the messages it stored now, with ID, Campaign, Delivery and StoredAt set; a message stored
// before is left out, whatever its fields say now. Messages stored unmatched earlier are matched
// again: a reply polled while its delivery was still being recorded finds it on the next poll.
func (j *Journal) AddInbound(ctx context.Context, msgs []Inbound, at time.Time) ([]Inbound, error) {
	var added []Inbound
	err := j.exclusive(ctx, func(ctx context.Context, c *sql.Conn) error {
		added = added[:0]
		for _, m := range msgs {
			if m.Provider == "" || m.ProviderID == "" {
				return fmt.Errorf("add inbound message from %q: no provider or provider id", m.From)
			}
			res, err := c.ExecContext(ctx, `INSERT INTO inbound (provider, provider_id, sender, e164, recipient, text, at, confirms, stored_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, provider_id) DO NOTHING`,
				m.Provider, m.ProviderID, m.From, m.E164, m.To, m.Text, fmtTime(m.At), m.Confirms, fmtTime(at))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				if err != nil {
					return err
				}
				continue
			}
			if m.ID, err = res.LastInsertId(); err != nil {
				return err
			}
			m.StoredAt = at
			m.Campaign, m.Delivery = "", 0
			added = append(added, m)
		}
		rows, err := c.QueryContext(ctx, `SELECT id, e164, at FROM inbound WHERE campaign IS NULL AND e164 != ''`)
		if err != nil {
			return err
		}
		type open struct {
			id       int64
			e164, at string
		}
		var todo []open
		for rows.Next() {
			var o open
			if err := rows.Scan(&o.id, &o.e164, &o.at); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		matched := map[int64][2]any{}
		for _, o := range todo {
			var campaign string
			var delivery int64
			err := c.QueryRowContext(ctx, matchQuery, o.at, o.e164).Scan(&delivery, &campaign)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			if _, err := c.ExecContext(ctx, `UPDATE inbound SET campaign = ?, delivery = ? WHERE id = ?`, campaign, delivery, o.id); err != nil {
				return err
			}
			matched[o.id] = [2]any{campaign, delivery}
		}
		for i := range added {
			if m, ok := matched[added[i].ID]; ok {
				added[i].Campaign, added[i].Delivery = m[0].(string), m[1].(int64)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store replies in %s: %w", j.path, j.wrap(err))
	}
	return added, nil
}

// matchQuery finds the delivery a reply from a number answers: among the campaigns that asked for
// a reply (Meta ack = "true") and were created at or before the reply arrived, the latest one
// whose provider accepted a message to that number. The campaigns are chosen first, so that the
// deliveries are read through their (campaign, seq) index, not by scanning every delivery.
const matchQuery = `SELECT d.id, d.campaign FROM deliveries d JOIN campaigns c ON c.id = d.campaign
	WHERE d.campaign IN (SELECT id FROM campaigns WHERE json_extract(meta, '$.` + MetaAck + `') = 'true' AND created_at <= ?1)
	AND d."to" = ?2 AND d.state IN ('submitted', 'sent', 'delivered', 'undelivered')
	ORDER BY c.created_at DESC, c.rowid DESC, d.seq LIMIT 1`

// MatchReply returns the delivery a reply from e164 received at at answers (see AddInbound), and
// found=false when it answers none: the number was asked for a reply by no campaign created by
// then, or its message was never accepted (a landline, a failure).
func (j *Journal) MatchReply(ctx context.Context, e164 string, at time.Time) (campaign string, delivery int64, found bool, err error) {
	if err := j.Flush(ctx); err != nil {
		return "", 0, false, err
	}
	err = j.rdb.QueryRowContext(ctx, matchQuery, fmtTime(at), e164).Scan(&delivery, &campaign)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, false, nil
	}
	if err != nil {
		return "", 0, false, j.wrap(err)
	}
	return campaign, delivery, true, nil
}

const inboundCols = `id, provider, provider_id, sender, e164, recipient, text, at, confirms, COALESCE(campaign, ''), COALESCE(delivery, 0), stored_at`

func (j *Journal) queryInbound(ctx context.Context, query string, args ...any) ([]Inbound, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	rows, err := j.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	var out []Inbound
	for rows.Next() {
		var m Inbound
		var at, stored string
		if err := rows.Scan(&m.ID, &m.Provider, &m.ProviderID, &m.From, &m.E164, &m.To, &m.Text, &at, &m.Confirms,
			&m.Campaign, &m.Delivery, &stored); err != nil {
			return nil, j.wrap(err)
		}
		if m.At, err = parseTime(at); err != nil {
			return nil, j.wrap(&rowDamage{what: fmt.Sprintf("reply %d", m.ID), why: "at: " + err.Error()})
		}
		if m.StoredAt, err = parseTime(stored); err != nil {
			return nil, j.wrap(&rowDamage{what: fmt.Sprintf("reply %d", m.ID), why: "stored_at: " + err.Error()})
		}
		out = append(out, m)
	}
	return out, j.wrap(rows.Err())
}

// InboundOf returns the replies matched to a campaign, oldest first.
func (j *Journal) InboundOf(ctx context.Context, campaign string) ([]Inbound, error) {
	if err := j.exists(ctx, campaign); err != nil {
		return nil, err
	}
	return j.queryInbound(ctx, `SELECT `+inboundCols+` FROM inbound WHERE campaign = ? ORDER BY at, id`, campaign)
}

// UnmatchedInbound returns the messages received at or after since that answer no campaign,
// oldest first: to be read by a person, never attributed to a patient.
func (j *Journal) UnmatchedInbound(ctx context.Context, since time.Time) ([]Inbound, error) {
	return j.queryInbound(ctx, `SELECT `+inboundCols+` FROM inbound WHERE campaign IS NULL AND at >= ? ORDER BY at, id`, fmtTime(since))
}

// SetMeta sets one Meta key of a campaign (an empty value removes it): the facts of a send that
// are known only once it was created, and MetaAck for a campaign created before it was set.
func (j *Journal) SetMeta(ctx context.Context, campaign, key, value string) error {
	err := j.exclusive(ctx, func(ctx context.Context, c *sql.Conn) error {
		var raw string
		err := c.QueryRowContext(ctx, `SELECT meta FROM campaigns WHERE id = ?`, campaign).Scan(&raw)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("campaign %s: %w", campaign, ErrNotFound)
		}
		if err != nil {
			return err
		}
		meta := map[string]string{}
		if raw != "" && raw != "null" {
			if err := json.Unmarshal([]byte(raw), &meta); err != nil {
				return badCampaign(campaign, "meta: "+err.Error())
			}
		}
		if value == "" {
			delete(meta, key)
		} else {
			meta[key] = value
		}
		b, err := json.Marshal(meta)
		if err != nil {
			return err
		}
		_, err = c.ExecContext(ctx, `UPDATE campaigns SET meta = ? WHERE id = ?`, string(b), campaign)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("set %s of campaign %s in %s: %w", key, campaign, j.path, j.wrap(err))
	}
	return nil
}

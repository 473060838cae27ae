package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// CreateCampaign writes the campaign and its whole plan in one transaction. It returns ErrExists
// if the id is taken, and then writes nothing.
//
// Each plan entry is stored in slice order: CreateCampaign sets plan[i].ID, plan[i].Campaign and
// plan[i].Seq (= i) in the caller's slice. State must be empty (meaning pending), pending or
// skipped.
func (j *Journal) CreateCampaign(ctx context.Context, c Campaign, plan []Delivery) error {
	if c.ID == "" {
		return errors.New("create campaign: empty id")
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	meta, err := json.Marshal(c.Meta)
	if err != nil {
		return fmt.Errorf("create campaign %s: %w", c.ID, err)
	}
	if err := checkNewPlan(c.ID, plan); err != nil {
		return fmt.Errorf("create %w", err)
	}
	ids := make([]int64, len(plan))
	err = j.exclusive(ctx, func(ctx context.Context, tx *sql.Conn) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM campaigns WHERE id = ?`, c.ID).Scan(&one)
		if err == nil {
			return fmt.Errorf("create campaign %s: %w", c.ID, ErrExists)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		created := fmtTime(c.CreatedAt)
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO campaigns (id, template, list, provider, test, created_at, meta, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Template, c.List, c.Provider, c.Test, created, string(meta), c.Fingerprint); err != nil {
			return err
		}
		return insertPlan(ctx, tx, c.ID, 0, plan, ids, created)
	})
	if err != nil {
		if errors.Is(err, ErrExists) {
			return err
		}
		return fmt.Errorf("create campaign %s in %s: %w", c.ID, j.path, j.wrap(err))
	}
	for i := range plan {
		plan[i].ID = ids[i]
		plan[i].Campaign = c.ID
		plan[i].Seq = i
		plan[i].UpdatedAt = c.CreatedAt
	}
	return nil
}

const campaignCols = `id, template, list, provider, test, created_at, meta, fingerprint`

func scanCampaign(row interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var created, meta string
	if err := row.Scan(&c.ID, &c.Template, &c.List, &c.Provider, &c.Test, &created, &meta, &c.Fingerprint); err != nil {
		return c, err
	}
	var err error
	if c.CreatedAt, err = parseTime(created); err != nil {
		return c, badCampaign(c.ID, "created_at: "+err.Error())
	}
	if meta != "" && meta != "null" {
		if err := json.Unmarshal([]byte(meta), &c.Meta); err != nil {
			return c, badCampaign(c.ID, "meta: "+err.Error())
		}
	}
	return c, nil
}

// Campaign returns one campaign, or ErrNotFound.
func (j *Journal) Campaign(ctx context.Context, id string) (Campaign, error) {
	c, err := scanCampaign(j.rdb.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, fmt.Errorf("campaign %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Campaign{}, j.wrap(err)
	}
	return c, nil
}

// Latest returns the most recently created campaign, or ErrNotFound when there is none.
func (j *Journal) Latest(ctx context.Context) (Campaign, error) {
	c, err := scanCampaign(j.rdb.QueryRowContext(ctx,
		`SELECT `+campaignCols+` FROM campaigns ORDER BY created_at DESC, rowid DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, fmt.Errorf("no campaign in %s yet: %w", j.path, ErrNotFound)
	}
	if err != nil {
		return Campaign{}, j.wrap(err)
	}
	return c, nil
}

// Campaigns lists all campaigns, newest first.
func (j *Journal) Campaigns(ctx context.Context) ([]Campaign, error) {
	return j.queryCampaigns(ctx, `SELECT `+campaignCols+` FROM campaigns ORDER BY created_at DESC, rowid DESC`)
}

// queryCampaigns runs a query of campaignCols and scans every row.
func (j *Journal) queryCampaigns(ctx context.Context, query string, args ...any) ([]Campaign, error) {
	rows, err := j.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	var out []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, j.wrap(err)
		}
		out = append(out, c)
	}
	return out, j.wrap(rows.Err())
}

func (j *Journal) exists(ctx context.Context, campaign string) error {
	var one int
	err := j.rdb.QueryRowContext(ctx, `SELECT 1 FROM campaigns WHERE id = ?`, campaign).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("campaign %s: %w", campaign, ErrNotFound)
	}
	return j.wrap(err)
}

package journal

import (
	"context"
	"strings"
	"time"
)

// Which route carried each delivery (deliveries.provider, written by MarkSendingVia) and how many
// messages a metered route sent in a day.
//
// A route is a provider's name as configured ("twilio", "smsgate"), optionally followed by "/"
// and one line of it that is metered on its own: "smsgate/sim2" is SIM slot 2 of the phone.

// RouteOf returns the provider of a recorded route: "smsgate" for "smsgate/sim2", campaign (the
// campaign's provider) for an empty route.
func RouteOf(route, campaign string) string {
	if route == "" {
		return campaign
	}
	if i := strings.IndexByte(route, '/'); i >= 0 {
		return route[:i]
	}
	return route
}

// Day returns the calendar day that holds t in loc: from its midnight to the next. A day is not
// always 24 hours (daylight saving time where loc has it).
func Day(t time.Time, loc *time.Location) (start, end time.Time) {
	if loc == nil {
		loc = time.Local
	}
	t = t.In(loc)
	start = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 0, 1)
}

// Usage counts, for each of routes, the messages that may have left through it from from until
// before to, in every campaign: deliveries whose latest attempt was recorded sending through it
// in that span and that are not pending or skipped, nor failed without the provider having
// taken them (no provider message id). A delivery left sending or unknown counts: it may have
// gone out. Routes with none are absent.
//
// It reads the deliveries themselves rather than a counter beside them: what the journal says was
// sent is the count, with nothing to keep in step (a crash between a counter and its delivery, a
// retry that did not leave). A delivery counts once, on the day of its latest attempt.
func (j *Journal) Usage(ctx context.Context, routes []string, from, to time.Time) (map[string]int, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	out := map[string]int{}
	if len(routes) == 0 {
		return out, nil
	}
	args := []any{fmtTime(from), fmtTime(to)}
	for _, r := range routes {
		args = append(args, r)
	}
	rows, err := j.rdb.QueryContext(ctx, `SELECT provider, count(*) FROM deliveries
		WHERE sending_at >= ? AND sending_at < ? AND provider IN (?`+strings.Repeat(",?", len(routes)-1)+`)
		AND state NOT IN ('pending', 'skipped') AND NOT (state = 'failed' AND provider_id = '')
		GROUP BY provider`, args...)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r string
		var n int
		if err := rows.Scan(&r, &n); err != nil {
			return nil, j.wrap(err)
		}
		out[r] = n
	}
	return out, j.wrap(rows.Err())
}

// InFlightByProvider returns the deliveries of a campaign that a provider accepted and has not
// reported final (submitted or sent), grouped by the provider that carried each (RouteOf: the
// campaign's provider for those recorded without a route), in plan order within each: a status
// refresh asks each delivery's own provider.
func (j *Journal) InFlightByProvider(ctx context.Context, campaign string) (map[string][]Delivery, error) {
	c, err := j.Campaign(ctx, campaign)
	if err != nil {
		return nil, err
	}
	ds, err := j.DeliveriesIn(ctx, campaign, Submitted, Sent)
	if err != nil {
		return nil, err
	}
	out := map[string][]Delivery{}
	for _, d := range ds {
		if !d.State.InFlight() {
			continue // a row DeliveriesIn returns to show it is damaged
		}
		p := RouteOf(d.Provider, c.Provider)
		out[p] = append(out[p], d)
	}
	return out, nil
}

// ProviderCounts returns how many deliveries of a campaign each route carried, per state: the
// report's "sent through" column and the run's summary after a failover. Deliveries never sent
// (skipped, or pending and never tried) are under the empty route.
func (j *Journal) ProviderCounts(ctx context.Context, campaign string) (map[string]Counts, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	if err := j.exists(ctx, campaign); err != nil {
		return nil, err
	}
	rows, err := j.rdb.QueryContext(ctx, `SELECT provider, state, count(*) FROM deliveries
		WHERE campaign = ? GROUP BY provider, state`, campaign)
	if err != nil {
		return nil, j.wrap(err)
	}
	defer rows.Close()
	out := map[string]Counts{}
	for rows.Next() {
		var p, s string
		var n int
		if err := rows.Scan(&p, &s, &n); err != nil {
			return nil, j.wrap(err)
		}
		if out[p] == nil {
			out[p] = Counts{}
		}
		out[p].Add(State(s), n)
	}
	if err := rows.Err(); err != nil {
		return nil, j.wrap(err)
	}
	return out, nil
}

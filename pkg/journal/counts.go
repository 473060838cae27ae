package journal

import "context"

// Counts is the number of deliveries per state: the one tally that the engine's result, the
// report and history read.
type Counts map[State]int

// Add counts n more deliveries in state s.
func (c Counts) Add(s State, n int) { c[s] += n }

// Accepted is how many deliveries the provider took: submitted, sent, delivered, undelivered.
func (c Counts) Accepted() int {
	return c[Submitted] + c[Sent] + c[Delivered] + c[Undelivered]
}

// Left is how many deliveries a run still has to deal with: pending, and sending (a run
// stopped mid-request; reconciled before any resend).
func (c Counts) Left() int { return c[Pending] + c[Sending] }

// Total is the number of deliveries counted.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// CodeAlreadyReceived is the error code of a delivery skipped because its number was accepted the
// identical text within the repeat window (in any campaign): reached, so never on the call list.
const CodeAlreadyReceived = "already-received"

// CountCode is how many deliveries of campaign are in state with error code code.
func (j *Journal) CountCode(ctx context.Context, campaign string, state State, code string) (int, error) {
	if err := j.Flush(ctx); err != nil {
		return 0, err
	}
	var n int
	err := j.rdb.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE campaign = ? AND state = ? AND error_code = ?`,
		campaign, string(state), code).Scan(&n)
	return n, j.wrap(err)
}

// Package campaign is the application layer under every front end: it decides what a send does
// with the journal (create a campaign, resume or grow an earlier one of the same message, skip
// numbers that already received the identical text) and returns data the CLI and the web page
// format each in their own way.
package campaign

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/smscast/smscast/pkg/journal"
)

// DefaultRepeatWindow is how long a number that was accepted a text is not sent the identical
// text again, whichever campaign, list file or ID is used (config repeat_window).
const DefaultRepeatWindow = 12 * time.Hour

// RepeatCode is the error code of a delivery skipped because its number already received the
// identical text within the repeat window: reached, so not on the call list.
const RepeatCode = journal.CodeAlreadyReceived

// Key is what makes two sends the same campaign: the message, not the ID or the list file.
type Key struct {
	Template string            `json:"template,omitempty"` // template name; empty for an ad hoc body
	Body     string            `json:"body,omitempty"`     // the text of --body / --body-file
	Lang     string            `json:"lang,omitempty"`
	Vars     map[string]string `json:"vars,omitempty"`
	Test     bool              `json:"test,omitempty"`
	Smart    bool              `json:"smart,omitempty"`
	Ack      bool              `json:"ack,omitempty"`
	// Drill marks a send through the simulator: a drill and the real send of the same message
	// are two campaigns, and a drill's "acceptances" never keep the real message from anyone.
	Drill   bool   `json:"drill,omitempty"`
	Follows string `json:"follows,omitempty"` // --recipients-of
	Only    string `json:"only,omitempty"`    // --only
}

// Fingerprint is a stable hash of k (map keys are sorted by encoding/json).
func (k Key) Fingerprint() string {
	b, err := json.Marshal(k)
	if err != nil {
		panic(err) // strings and bools only: cannot fail
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// MetaAgain marks a campaign created with --again in its Meta.
const MetaAgain = "again"

// ResolveInput is what Resolve needs to know about a send.
type ResolveInput struct {
	Key          Key
	ID           string             // --campaign; empty: find the campaign by Key
	Plan         []journal.Delivery // the rendered plan: pending and skipped deliveries
	RepeatWindow time.Duration      // 0: DefaultRepeatWindow; negative: no repeat check
	Again        bool               // send to numbers that already received the text
	Now          time.Time
	Location     *time.Location // for the times in reasons; nil: UTC
}

// Resolution says how a send relates to what the journal already holds.
type Resolution struct {
	// Campaign is the existing campaign this send resumes or grows; nil when a new one is made.
	Campaign *journal.Campaign
	// Add is what to write: the whole plan for a new campaign, the deliveries the existing one
	// does not hold yet otherwise. Repeats are already turned into skipped deliveries.
	Add []journal.Delivery
	// Counts of the existing campaign's deliveries before this run.
	Counts journal.Counts
	// AddedPending is how many deliveries of Add are to send.
	AddedPending int
	// Repeats are the deliveries of Add skipped because the number already received the text.
	Repeats int
	// RepeatCampaigns names the campaigns that sent those earlier, oldest first.
	RepeatCampaigns []string
	// Stopped is set when the existing campaign's last run stopped mid-send (deliveries left
	// sending: a crash or a kill); StoppedAt is when it last changed.
	Stopped   bool
	StoppedAt time.Time
	// OlderUnfinished is an unfinished campaign of the same message older than the repeat window:
	// not resumed (its texts may be stale), but the user is told.
	OlderUnfinished *journal.Campaign
}

// ToSend is how many deliveries a run of the resolution will send: the existing campaign's
// pending and sending ones and the added pending ones.
func (r *Resolution) ToSend() int {
	return r.Counts.Left() + r.AddedPending
}

// Resolve decides what a send does: it finds the campaign of the same message (by in.ID, or by
// in.Key within the repeat window), keeps of the plan only what that campaign does not hold yet,
// and skips the numbers that were accepted the identical text within the repeat window in any
// campaign, unless in.Again. j may be nil (no journal yet): everything is new.
func Resolve(ctx context.Context, j *journal.Journal, in ResolveInput) (*Resolution, error) {
	window := in.RepeatWindow
	if window == 0 {
		window = DefaultRepeatWindow
	}
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	res := &Resolution{Counts: journal.Counts{}}
	// The caller's plan stays as it was: what is skipped as a repeat is decided again each time.
	in.Plan = slices.Clone(in.Plan)
	if j == nil {
		res.Add = in.Plan
		res.AddedPending = countPending(in.Plan)
		return res, nil
	}
	c, older, err := find(ctx, j, in, window)
	if err != nil {
		return nil, err
	}
	res.OlderUnfinished = older
	add := in.Plan
	if c != nil {
		res.Campaign = c
		ds, err := j.Deliveries(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		held := make(map[string]bool, len(ds))
		for _, d := range ds {
			res.Counts.Add(d.State, 1)
			held[planKey(d)] = true
			if d.State == journal.Sending && d.UpdatedAt.After(res.StoppedAt) {
				res.Stopped, res.StoppedAt = true, d.UpdatedAt
			}
		}
		add = nil
		for _, d := range in.Plan {
			if !held[planKey(d)] {
				add = append(add, d)
			}
		}
	}
	if !in.Again && window > 0 {
		if err := skipRepeats(ctx, j, res, add, in.Now.Add(-window), loc, in.Key.Drill); err != nil {
			return nil, err
		}
	}
	res.Add = add
	res.AddedPending = countPending(add)
	return res, nil
}

// find returns the campaign a send continues: in.ID's, or the newest campaign of the same
// message created within the window (for --again, only an unfinished --again one). It also
// returns the newest unfinished campaign of the same message that is older than the window.
func find(ctx context.Context, j *journal.Journal, in ResolveInput, window time.Duration) (c, older *journal.Campaign, err error) {
	if in.ID != "" {
		got, err := j.Campaign(ctx, in.ID)
		switch {
		case errors.Is(err, journal.ErrNotFound):
			// IDs that differ only in case are one campaign: Windows and macOS give them one
			// report file.
			cs, err := j.Campaigns(ctx)
			if err != nil {
				return nil, nil, err
			}
			for i := range cs {
				if FoldID(cs[i].ID) == FoldID(in.ID) {
					return &cs[i], nil, nil
				}
			}
			return nil, nil, nil
		case err != nil:
			return nil, nil, err
		}
		return &got, nil, nil
	}
	cs, err := j.ByFingerprint(ctx, in.Key.Fingerprint())
	if err != nil || len(cs) == 0 {
		return nil, nil, err
	}
	unfinished := map[string]bool{}
	us, err := j.Unfinished(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range us {
		if u.Pending+u.Sending > 0 {
			unfinished[u.Campaign] = true
		}
	}
	since := in.Now.Add(-window)
	for i := range cs {
		cand := &cs[i]
		recent := window <= 0 || !cand.CreatedAt.Before(since)
		switch {
		case !recent:
			if older == nil && unfinished[cand.ID] {
				older = cand
			}
		case in.Again:
			if c == nil && unfinished[cand.ID] && cand.Meta[MetaAgain] == "true" {
				c = cand
			}
		case c == nil:
			c = cand
		}
	}
	return c, older, nil
}

// planKey identifies a delivery within a campaign across runs: what it sends to whom, or for a
// skipped row, the row's patient and why.
func planKey(d journal.Delivery) string {
	if d.State == journal.Skipped && d.ErrorCode != RepeatCode {
		p := journal.Patient{}
		if len(d.Patients) > 0 {
			p = d.Patients[0]
		}
		return "skip\x00" + p.Name + "\x00" + p.Phone + "\x00" + d.Reason
	}
	sum := d.Checksum
	if sum == "" {
		sum = journal.Checksum(d.To, d.Body)
	}
	return "send\x00" + sum
}

// skipRepeats turns the pending deliveries of add whose number was accepted the identical text
// since since into skipped ones that say so.
func skipRepeats(ctx context.Context, j *journal.Journal, res *Resolution, add []journal.Delivery, since time.Time, loc *time.Location, drill bool) error {
	var sums []string
	for i := range add {
		if add[i].State == journal.Pending || add[i].State == "" {
			if add[i].Checksum == "" {
				add[i].Checksum = journal.Checksum(add[i].To, add[i].Body)
			}
			sums = append(sums, add[i].Checksum)
		}
	}
	got, err := j.ReceivedSince(ctx, sums, since, !drill)
	if err != nil {
		return err
	}
	seen := map[string]time.Time{}
	for i := range add {
		d := &add[i]
		if d.State != journal.Pending && d.State != "" {
			continue
		}
		r, ok := got[d.Checksum]
		if !ok {
			continue
		}
		d.State = journal.Skipped
		d.ErrorCode = RepeatCode
		d.Reason = fmt.Sprintf("already received this message at %s (campaign %s)", r.At.In(loc).Format("01-02 15:04"), r.Campaign)
		res.Repeats++
		if t, ok := seen[r.Campaign]; !ok || r.At.Before(t) {
			seen[r.Campaign] = r.At
		}
	}
	for c := range seen {
		res.RepeatCampaigns = append(res.RepeatCampaigns, c)
	}
	sort.Slice(res.RepeatCampaigns, func(a, b int) bool {
		return seen[res.RepeatCampaigns[a]].Before(seen[res.RepeatCampaigns[b]])
	})
	return nil
}

func countPending(ds []journal.Delivery) int {
	n := 0
	for _, d := range ds {
		if d.State == journal.Pending || d.State == "" {
			n++
		}
	}
	return n
}

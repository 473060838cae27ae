package campaign

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/roster"
)

// MetaAck marks a campaign whose message asked patients to reply; MetaFollows names the campaign
// a follow-up took its recipients from.
const (
	MetaAck     = journal.MetaAck
	MetaFollows = "follows"
)

// Only values: which recipients of an earlier campaign a follow-up goes to.
const (
	OnlyAll         = ""
	OnlyReached     = "reached"     // the provider accepted their message
	OnlyUnreached   = "unreached"   // not accepted: failed, unknown, not sent, no SMS number
	OnlyConfirmed   = "confirmed"   // replied to confirm (acks)
	OnlyUnconfirmed = "unconfirmed" // did not confirm: everyone but the confirmed
)

// OnlyValues lists the --only values, for help and errors.
var OnlyValues = []string{OnlyReached, OnlyConfirmed, OnlyUnconfirmed, OnlyUnreached}

// ReplyInstruction is appended to a message that asks for a reply, in its language; it is
// counted in the segments like the rest of the text.
func ReplyInstruction(lang string) string {
	if lang == "en" {
		return "\nPlease reply 1 to confirm."
	}
	return "\n確認されましたら 1 と返信してください"
}

// recipientsOf reads the recipients of an earlier campaign as a list, with the fields they had on
// the list so templates still see 氏名 and the other columns.
func recipientsOf(ctx context.Context, j *journal.Journal, id, only string) (*roster.List, error) {
	if j == nil {
		return nil, bad("send a campaign first, or pass the journal that holds it with --journal",
			"--recipients-of %s: there is no journal yet", id)
	}
	c, err := j.Campaign(ctx, id)
	if errors.Is(err, journal.ErrNotFound) {
		return nil, bad(latestHint(ctx, j), "--recipients-of %s: no such campaign", id)
	}
	if err != nil {
		return nil, err
	}
	switch only {
	case OnlyAll, OnlyReached, OnlyUnreached, OnlyConfirmed, OnlyUnconfirmed:
	default:
		return nil, bad("use --only "+strings.Join(OnlyValues, ", --only "), "--only %q: not a recipient group", only)
	}
	var confirmed map[int64]bool
	if only == OnlyConfirmed || only == OnlyUnconfirmed {
		if c.Meta[MetaAck] != "true" {
			return nil, bad("use --only reached or --only unreached, or send a message that asks for a reply (--ack)",
				"--only %s: campaign %s did not ask for replies", only, c.ID)
		}
		if confirmed, err = confirmations(ctx, j, c.ID); err != nil {
			return nil, err
		}
	}
	ds, err := j.Deliveries(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	list := &roster.List{Path: "recipients of " + c.ID, Encoding: "journal"}
	seenHeader := map[string]bool{}
	for _, d := range ds {
		reached := d.State.Accepted() && d.State != journal.Undelivered
		if d.ErrorCode == journal.CodeAlreadyReceived {
			reached = true
		}
		keep := true
		switch only {
		case OnlyReached:
			keep = reached
		case OnlyUnreached:
			keep = !reached
		case OnlyConfirmed:
			keep = confirmed[d.ID]
		case OnlyUnconfirmed:
			keep = !confirmed[d.ID]
		}
		if !keep {
			continue
		}
		for _, p := range d.Patients {
			r := roster.Row{Row: p.Row, Name: p.Name, Phone: p.Phone, PhoneColumn: p.Column, E164: d.To,
				Fields: p.Fields, Class: roster.Sendable}
			if d.To == "" || (d.State == journal.Skipped && d.ErrorCode != journal.CodeAlreadyReceived) {
				// The first campaign's reason keeps its class: a landline is a landline, not an
				// invalid number, in the follow-up's summary and call list.
				r.Class, r.Reason = roster.ClassOfReason(d.Reason), d.Reason
				switch {
				case r.Class != "" && r.Class != roster.Sendable && r.Class != roster.Duplicate:
				case strings.TrimSpace(p.Phone) == "":
					r.Class = roster.Empty
				default:
					r.Class = roster.Invalid
				}
			}
			for k := range p.Fields {
				if !seenHeader[k] {
					seenHeader[k] = true
					list.Header = append(list.Header, k)
				}
			}
			if list.PhoneColumn == "" {
				list.PhoneColumn = p.Column
			}
			list.Rows = append(list.Rows, r)
		}
	}
	return list, nil
}

// latestHint names the latest campaigns, for an unknown ID.
func latestHint(ctx context.Context, j *journal.Journal) string {
	cs, err := j.Campaigns(ctx)
	if err != nil || len(cs) == 0 {
		return "run `smscast history` to list the campaigns"
	}
	var ids []string
	for _, c := range cs[:min(len(cs), 5)] {
		ids = append(ids, c.ID)
	}
	return fmt.Sprintf("the latest campaigns are %s (smscast history lists them all)", strings.Join(ids, ", "))
}

// confirmations reports which deliveries of an ack campaign a reply confirmed, from the replies
// the acks poll stored (run `smscast acks` first for the latest).
func confirmations(ctx context.Context, j *journal.Journal, campaign string) (map[int64]bool, error) {
	rep, err := AckStates(ctx, j, campaign)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(rep.States))
	for _, st := range rep.States {
		if st.Status == AckConfirmed {
			out[st.Delivery.ID] = true
		}
	}
	return out, nil
}

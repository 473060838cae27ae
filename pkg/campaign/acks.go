package campaign

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

// AckStatus is where a delivery of a campaign that asked for a reply stands.
type AckStatus string

// Ack statuses. Unreachable deliveries are those the message did not reach (failed, undelivered,
// unknown, not sent, no SMS number): staff phone them first.
const (
	AckConfirmed   AckStatus = "confirmed"   // a reply that confirms (1, はい, 了解, …)
	AckReplied     AckStatus = "replied"     // replies, none of which confirms: a person must read them
	AckUnconfirmed AckStatus = "unconfirmed" // reached, and no reply yet
	AckUnreachable AckStatus = "unreachable" // the message did not reach the patient
)

// ErrNoAck is returned for a campaign whose message did not ask for a reply.
var ErrNoAck = errors.New("the campaign did not ask for a reply")

// AckState is one delivery of a campaign that asked for a reply, with what its replies say.
type AckState struct {
	Delivery    journal.Delivery
	Status      AckStatus
	ConfirmedAt time.Time         // the first confirming reply, for AckConfirmed
	Replies     []journal.Inbound // every reply matched to the delivery, oldest first
}

// Reply is the text of the replies that did not confirm, oldest first, one per line: what staff
// read ("息子の車で行けません").
func (s AckState) Reply() string {
	var texts []string
	for _, r := range s.Replies {
		if !r.Confirms {
			texts = append(texts, r.Text)
		}
	}
	return strings.Join(texts, "\n")
}

// AckCounts count patients (a message to a number two patients share counts for both) and, for
// Unmatched, messages from numbers no campaign asked.
type AckCounts struct {
	Confirmed   int `json:"confirmed"`
	Replied     int `json:"replied"`
	Unconfirmed int `json:"unconfirmed"`
	Unreachable int `json:"unreachable"`
	Unmatched   int `json:"unmatched"`
}

// AckReport is where a campaign's replies stand.
type AckReport struct {
	Campaign  journal.Campaign
	States    []AckState        // every delivery, in plan order
	Unmatched []journal.Inbound // messages since the campaign was created that answer no campaign
	Counts    AckCounts
}

// AckEventKind says what an AckEvent reports.
type AckEventKind string

// Ack event kinds.
const (
	AckEventReply     AckEventKind = "reply"     // a new reply to one of the campaign's deliveries
	AckEventUnmatched AckEventKind = "unmatched" // a new message that answers no campaign
	AckEventOther     AckEventKind = "other"     // a new reply to another campaign
	AckEventDone      AckEventKind = "done"      // the poll is over: Counts holds the campaign's counts
)

// AckEvent is one thing a poll found, for a front end to show as it comes (the web page's live list).
type AckEvent struct {
	Kind    AckEventKind
	Inbound journal.Inbound // the new message (reply, unmatched, other)
	State   *AckState       // the delivery it answers, with its new status (reply)
	Counts  AckCounts       // done
}

// AckOptions tune PollAcks.
type AckOptions struct {
	Region  string // country of sender numbers written without one (smsgate's 090…); JP when empty
	OnEvent func(AckEvent)
}

// AckResult is what a poll did, and where the campaign's replies stand after it.
type AckResult struct {
	AckReport
	Fetched int // messages the provider returned
	New     int // of them, messages the journal had not stored before
}

// Asked reports whether campaign c asked for a reply.
func Asked(c journal.Campaign) bool { return c.Meta[journal.MetaAck] == "true" }

// PollAcks asks inbox for the messages received since the campaign was created, stores the new
// ones in the journal (each once: a second poll stores nothing again), each matched to the
// delivery it answers, and returns where the campaign's replies stand. It returns ErrNoAck, wrapped
// in an *InputError, for a campaign that did not ask for a reply.
func PollAcks(ctx context.Context, j *journal.Journal, campaignID string, inbox sms.Inbox, now time.Time, o AckOptions) (AckResult, error) {
	c, err := j.Campaign(ctx, campaignID)
	if err != nil {
		return AckResult{}, err
	}
	if !Asked(c) {
		return AckResult{}, noAck(c)
	}
	msgs, err := inbox.Inbound(ctx, c.CreatedAt)
	if err != nil {
		return AckResult{}, fmt.Errorf("read replies from %s: %w", c.Provider, err)
	}
	region := o.Region
	if region == "" {
		region = "JP"
	}
	in := make([]journal.Inbound, len(msgs))
	for i, m := range msgs {
		in[i] = journal.Inbound{Provider: c.Provider, ProviderID: m.ID, From: m.From, E164: SenderE164(m.From, region),
			To: m.To, Text: m.Text, At: m.At, Confirms: Confirms(m.Text)}
	}
	added, err := j.AddInbound(ctx, in, now)
	if err != nil {
		return AckResult{}, err
	}
	rep, err := AckStates(ctx, j, campaignID)
	if err != nil {
		return AckResult{}, err
	}
	res := AckResult{AckReport: rep, Fetched: len(msgs), New: len(added)}
	if o.OnEvent != nil {
		byID := map[int64]*AckState{}
		for i := range rep.States {
			byID[rep.States[i].Delivery.ID] = &rep.States[i]
		}
		for _, m := range added {
			switch {
			case m.Campaign == c.ID:
				o.OnEvent(AckEvent{Kind: AckEventReply, Inbound: m, State: byID[m.Delivery]})
			case m.Campaign == "":
				o.OnEvent(AckEvent{Kind: AckEventUnmatched, Inbound: m})
			default:
				o.OnEvent(AckEvent{Kind: AckEventOther, Inbound: m})
			}
		}
		o.OnEvent(AckEvent{Kind: AckEventDone, Counts: rep.Counts})
	}
	return res, nil
}

func noAck(c journal.Campaign) error {
	return &InputError{Err: fmt.Errorf("campaign %s: %w", c.ID, ErrNoAck),
		Hint: "replies are counted only for a message that asked for one (a template with ack: true, or send --ack)"}
}

// AckStates reads where the replies to a campaign that asked for them stand, from the journal
// alone (no provider): each delivery confirmed, replied, unconfirmed or unreachable.
func AckStates(ctx context.Context, j *journal.Journal, campaignID string) (AckReport, error) {
	c, err := j.Campaign(ctx, campaignID)
	if err != nil {
		return AckReport{}, err
	}
	if !Asked(c) {
		return AckReport{}, noAck(c)
	}
	ds, err := j.Deliveries(ctx, c.ID)
	if err != nil {
		return AckReport{}, err
	}
	replies, err := j.InboundOf(ctx, c.ID)
	if err != nil {
		return AckReport{}, err
	}
	unmatched, err := j.UnmatchedInbound(ctx, c.CreatedAt)
	if err != nil {
		return AckReport{}, err
	}
	byDelivery := map[int64][]journal.Inbound{}
	for _, r := range replies {
		byDelivery[r.Delivery] = append(byDelivery[r.Delivery], r)
	}
	rep := AckReport{Campaign: c, Unmatched: unmatched, States: make([]AckState, len(ds))}
	rep.Counts.Unmatched = len(unmatched)
	for i, d := range ds {
		s := AckState{Delivery: d, Replies: byDelivery[d.ID]}
		s.Status = ackStatus(d, s.Replies)
		for _, r := range s.Replies {
			if r.Confirms {
				s.ConfirmedAt = r.At
				break
			}
		}
		rep.States[i] = s
		n := max(1, len(d.Patients))
		switch s.Status {
		case AckConfirmed:
			rep.Counts.Confirmed += n
		case AckReplied:
			rep.Counts.Replied += n
		case AckUnconfirmed:
			rep.Counts.Unconfirmed += n
		default:
			rep.Counts.Unreachable += n
		}
	}
	return rep, nil
}

// ackStatus: any reply, whatever the delivery's state, shows the message reached the patient.
func ackStatus(d journal.Delivery, replies []journal.Inbound) AckStatus {
	for _, r := range replies {
		if r.Confirms {
			return AckConfirmed
		}
	}
	switch {
	case len(replies) > 0:
		return AckReplied
	case d.State == journal.Submitted || d.State == journal.Sent || d.State == journal.Delivered,
		d.ErrorCode == journal.CodeAlreadyReceived: // received this very text from an earlier campaign
		return AckUnconfirmed
	}
	return AckUnreachable
}

// SenderE164 normalises a sender's number to E.164 as the roster does a list's (NFKC first, then
// libphonenumber with the clinic's region), or returns "" when it is not a phone number (a
// carrier's alphanumeric sender).
func SenderE164(from, region string) string {
	s := strings.TrimSpace(norm.NFKC.String(from))
	if s == "" || strings.ContainsFunc(s, unicode.IsLetter) {
		return ""
	}
	pn, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil || !phonenumbers.IsPossibleNumber(pn) {
		return ""
	}
	return phonenumbers.Format(pn, phonenumbers.E164)
}

// confirmWords are the replies that confirm, as NormalizeReply leaves them. The outage notice asks
// for "1"; people over 65 often answer in words instead.
var confirmWords = map[string]bool{
	"1": true, "はい": true, "ハイ": true, "ok": true, "okです": true, "了解": true, "yes": true,
	"了解です": true, "了解しました": true, "承知しました": true, "わかりました": true, "分かりました": true,
	"確認しました": true, "確認": true,
}

var folder = cases.Fold()

// NormalizeReply is a reply's text as it is compared: NFKC (full-width digits and letters,
// half-width kana), trimmed, case-folded, trailing punctuation and symbols dropped ("はい。", "OK!").
func NormalizeReply(text string) string {
	s := folder.String(norm.NFKC.String(text))
	s = strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r) })
	return strings.TrimSpace(s)
}

// Confirms reports whether a reply confirms: its normalised text is one of the confirming words,
// or made only of them ("はい、わかりました", "1 はい"). Anything else is a reply to read.
func Confirms(text string) bool {
	s := NormalizeReply(text)
	if confirmWords[s] {
		return true
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r) })
	for _, p := range parts {
		if !confirmWords[p] {
			return false
		}
	}
	return len(parts) > 0
}

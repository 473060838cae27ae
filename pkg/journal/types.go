package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// State is where a delivery stands.
type State string

// Delivery states: pending → sending → submitted → (sent → delivered | undelivered) | failed;
// skipped (not sendable, with reason); unknown (ambiguous and not reconcilable).
const (
	Pending     State = "pending"
	Sending     State = "sending"
	Submitted   State = "submitted"
	Sent        State = "sent"
	Delivered   State = "delivered"
	Undelivered State = "undelivered"
	Failed      State = "failed"
	Skipped     State = "skipped"
	Unknown     State = "unknown"
)

// Accepted reports whether the provider took the message: submitted, sent, delivered or
// undelivered (the provider accepted it; the handset may still not have received it).
func (s State) Accepted() bool {
	return s == Submitted || s == Sent || s == Delivered || s == Undelivered
}

// InFlight reports whether the provider accepted the message and a later receipt may still change
// its state (submitted or sent).
func (s State) InFlight() bool { return s == Submitted || s == Sent }

// ErrNotFound is returned when a campaign does not exist.
var ErrNotFound = errors.New("campaign not found")

// ErrExists is returned by CreateCampaign when the id is taken.
var ErrExists = errors.New("campaign already exists")

// ErrNoDelivery is returned by MarkSending and Record for a delivery id that does not exist.
var ErrNoDelivery = errors.New("no such delivery")

// ErrClosed is returned by every method called after Close.
var ErrClosed = errors.New("journal is closed")

// Campaign is one broadcast: a template sent to a list.
type Campaign struct {
	ID        string
	Template  string
	List      string // path of the patient list as given
	Provider  string
	Test      bool
	CreatedAt time.Time
	Meta      map[string]string // free-form run facts (lang, class, …), stored as JSON
	// Fingerprint is the campaign's identity: a hash of its message (template or body, language,
	// variables, test flag). Runs of the same message find the campaign by it, whatever its ID.
	Fingerprint string
}

// Patient is one row of the list that a delivery covers.
type Patient struct {
	Row    int    `json:"row"` // spreadsheet row number: the header is row 1
	Name   string `json:"name"`
	Phone  string `json:"phone"`            // as written in the list
	Column string `json:"column,omitempty"` // header of the phone column used
	// Fields are the row's cells by header, so that a follow-up campaign (--recipients-of)
	// renders its templates with the list's columns without the list file.
	Fields map[string]string `json:"fields,omitempty"`
}

// Delivery is one message to one number, or one skipped row.
type Delivery struct {
	ID         int64
	Campaign   string
	Seq        int       // plan order, from 0
	Patients   []Patient // more than one when patients share a number and the message is identical
	To         string    // E.164; may be empty for a skipped row
	Body       string
	Segments   int
	State      State
	Reason     string // plain words: why skipped, failed, unknown, undelivered
	ErrorCode  string
	ProviderID string
	Attempts   int
	SendingAt  time.Time // when the latest attempt was recorded as sending
	UpdatedAt  time.Time
	Carrier    string // the mobile carrier that delivered it (docomo, au, …), when the provider said
	// Provider is the route its latest attempt went through, as MarkSendingVia recorded it: a
	// provider's name, or name/line for one line of it ("smsgate/sim2", see RouteOf). Empty: the
	// campaign's provider (deliveries recorded before the column existed, or without a route).
	Provider string
	// Checksum is Checksum(To, Body), set when the delivery is planned; empty in journals from
	// before schema 2.
	Checksum string
}

// Checksum is the fingerprint of what a delivery sends: its number and its exact text. Two
// deliveries with the same checksum text the same person the same words.
func Checksum(to, body string) string {
	h := sha256.New()
	h.Write([]byte(to))
	h.Write([]byte{0})
	h.Write([]byte(body))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Update is a state change recorded for a delivery.
type Update struct {
	State      State
	ProviderID string // kept as it was when empty
	ErrorCode  string // replaces the previous code (empty clears it)
	Reason     string // replaces the previous reason (empty clears it)
	Segments   int    // kept as it was when 0
	Carrier    string // kept as it was when empty
	At         time.Time
}

// Event is one recorded state change of a delivery: its history, oldest first.
type Event struct {
	Delivery   int64
	State      State
	Attempt    int
	ProviderID string
	ErrorCode  string
	Reason     string
	At         time.Time
}

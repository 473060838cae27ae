// Package journal is the campaign store: the plan and every state change, in SQLite, the source of truth.
package journal

import (
	"context"
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

// ErrNotFound is returned when a campaign does not exist.
var ErrNotFound = errors.New("campaign not found")

// ErrExists is returned by CreateCampaign when the id is taken.
var ErrExists = errors.New("campaign already exists")

// Campaign is one broadcast: a template sent to a list.
type Campaign struct {
	ID        string
	Template  string
	List      string // path of the patient list as given
	Provider  string
	Test      bool
	CreatedAt time.Time
	Meta      map[string]string // free-form run facts (lang, class, …), stored as JSON
}

// Patient is one row of the list that a delivery covers.
type Patient struct {
	Row    int    `json:"row"` // spreadsheet row number: the header is row 1
	Name   string `json:"name"`
	Phone  string `json:"phone"`            // as written in the list
	Column string `json:"column,omitempty"` // header of the phone column used
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
}

// Update is a state change recorded for a delivery.
type Update struct {
	State      State
	ProviderID string
	ErrorCode  string
	Reason     string
	At         time.Time
}

// Journal is an open journal file.
type Journal struct{}

// Open opens or creates the journal at path (mode 0600, parent directories 0700).
func Open(ctx context.Context, path string) (*Journal, error) { panic("TODO") }

// Close flushes pending writes and closes the file.
func (j *Journal) Close() error { panic("TODO") }

// CreateCampaign writes the campaign and its whole plan in one transaction.
func (j *Journal) CreateCampaign(ctx context.Context, c Campaign, plan []Delivery) error {
	panic("TODO")
}

// Campaign returns one campaign, or ErrNotFound.
func (j *Journal) Campaign(ctx context.Context, id string) (Campaign, error) { panic("TODO") }

// Campaigns lists all campaigns, newest first.
func (j *Journal) Campaigns(ctx context.Context) ([]Campaign, error) { panic("TODO") }

// Deliveries returns every delivery of a campaign in plan order.
func (j *Journal) Deliveries(ctx context.Context, campaign string) ([]Delivery, error) {
	panic("TODO")
}

// Counts returns the number of deliveries per state.
func (j *Journal) Counts(ctx context.Context, campaign string) (map[State]int, error) {
	panic("TODO")
}

// MarkSending records that a request is about to leave; it is durable when it returns.
func (j *Journal) MarkSending(ctx context.Context, id int64, at time.Time) error { panic("TODO") }

// Record records a state change.
func (j *Journal) Record(ctx context.Context, id int64, u Update) error { panic("TODO") }

// AddOptOut remembers a number that must not be texted again.
func (j *Journal) AddOptOut(ctx context.Context, e164, source string) error { panic("TODO") }

// OptedOut returns every remembered opted-out number.
func (j *Journal) OptedOut(ctx context.Context) (map[string]bool, error) { panic("TODO") }

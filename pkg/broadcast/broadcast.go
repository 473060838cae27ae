// Package broadcast is the engine: it runs a campaign's pending deliveries through a provider.
package broadcast

import (
	"context"
	"time"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/sms"
)

// Config tunes a run.
type Config struct {
	Workers       int
	Rate          float64 // messages per second; 0 means no limit
	Burst         int
	MaxAttempts   int // attempts per delivery in one run for transient errors
	BackoffBase   time.Duration
	BackoffMax    time.Duration
	ResendUnknown bool // send deliveries in state unknown again
	Now           func() time.Time
	OnEvent       func(Event) // progress; calls are serialised
}

// EventKind says what an Event reports.
type EventKind string

// Event kinds.
const (
	EventStart    EventKind = "start"
	EventDelivery EventKind = "delivery" // a delivery reached a new state
	EventRetry    EventKind = "retry"
	EventPause    EventKind = "pause" // the breaker opened: the provider looks down
	EventEnd      EventKind = "end"
)

// Event is one thing that happened during a run.
type Event struct {
	Kind     EventKind
	Delivery journal.Delivery
	Err      error
	Done     int // deliveries finished in this run so far
	Total    int // deliveries this run set out to send
	Message  string
}

// Result sums up a run.
type Result struct {
	SentThisRun int // deliveries the provider accepted in this run
	Accepted    int // deliveries accepted overall (this and earlier runs)
	Failed      int
	Unknown     int
	Pending     int  // deliveries still to send (pending or sending)
	Interrupted bool // ctx was cancelled: the run stopped taking new work
}

// Run sends every pending delivery of campaign through s.
func Run(ctx context.Context, j *journal.Journal, campaign string, s sms.Sender, cfg Config) (Result, error) {
	panic("TODO")
}

// Package sms is the provider contract: what every SMS provider (Twilio, the simulator, …) implements.
package sms

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sender sends one message. It is the only capability every provider must have.
type Sender interface {
	Send(ctx context.Context, m Message) (Receipt, error)
}

// StatusChecker fetches the current delivery status of a message the provider accepted.
type StatusChecker interface {
	Status(ctx context.Context, id string) (Receipt, error)
}

// Finder looks for a message the provider may have accepted even though the send returned an
// ambiguous error (a timeout after the request was written, a dropped connection). It reports
// found=false only when it is sure the provider has no such message since the given time.
type Finder interface {
	Find(ctx context.Context, m Message, since time.Time) (r Receipt, found bool, err error)
}

// StatusBatcher fetches the status of many messages in few requests (the provider's list, by
// pages), for refreshing a whole campaign. It returns the receipts it found, keyed by provider
// message ID; the caller asks StatusChecker for any ID it did not return.
type StatusBatcher interface {
	StatusBatch(ctx context.Context, ids []string, since time.Time) (map[string]Receipt, error)
}

// Checker verifies before a campaign is created that the provider answers and accepts our
// credentials (one cheap authenticated request), so a wrong key stops a run before anything is
// recorded.
type Checker interface {
	Check(ctx context.Context) error
}

// Timeouter reports the provider's own request timeout, so the engine can wait long enough for
// a request that timed out on our side to show at the provider before it looks it up. Zero means
// the provider accepts synchronously and can never accept late (the simulator: a message is in its
// outbox before Send returns, or not at all), so a lookup needs no grace period.
type Timeouter interface {
	RequestTimeout() time.Duration
}

// Message is one SMS to one number.
type Message struct {
	To       string // E.164
	Body     string
	Ref      string // our delivery id, for logs and providers that accept a client reference
	Campaign string // our campaign id: with Ref, unique to the delivery (tags, idempotency keys)
}

// Receipt is what the provider said about a message.
type Receipt struct {
	ID        string // the provider's message id
	Status    Status
	Segments  int
	ErrorCode string // the provider's error code for undelivered/failed, if any
	Reason    string // plain-language reason for ErrorCode, if known
	Carrier   string // the mobile carrier that delivered it (docomo, au, softbank, rakuten), if the provider says
}

// Status is a provider-side message status, normalised across providers.
type Status string

// Provider-side statuses. Accepted and Queued mean the provider took the message.
const (
	StatusAccepted    Status = "accepted"
	StatusQueued      Status = "queued"
	StatusSending     Status = "sending"
	StatusSent        Status = "sent"
	StatusDelivered   Status = "delivered"
	StatusUndelivered Status = "undelivered"
	StatusFailed      Status = "failed"
)

// Final reports whether no later status change is expected.
func (s Status) Final() bool {
	return s == StatusDelivered || s == StatusUndelivered || s == StatusFailed
}

// Error is a provider error, classified so the engine knows what to do with it.
//
// The zero classification (none of Permanent, Ambiguous, Fatal) is transient: the request did not
// reach the provider or the provider asked us to come back later, so it is safe to retry.
type Error struct {
	Code       string        // provider error code ("21211", "429", …)
	Reason     string        // plain-language reason for the report
	Permanent  bool          // never retried: invalid number, landline, opted out, …
	OptedOut   bool          // the recipient opted out: remember the number so later campaigns skip it
	Ambiguous  bool          // the request may have reached the provider: reconcile, never blindly retry
	Fatal      bool          // the whole run must stop: bad credentials, suspended account
	RetryAfter time.Duration // the provider's requested wait before the next request, if it said
	Err        error
}

func (e *Error) Error() string {
	msg := e.Reason
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Code != "" {
		return fmt.Sprintf("%s (code %s)", msg, e.Code)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Classify returns the *Error inside err. An error that is not an *Error is treated as transient
// only when it is a context error from our side; anything else unknown is ambiguous, because we
// cannot tell whether the request reached the provider.
func Classify(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Ambiguous: true, Reason: "request interrupted", Err: err}
	}
	return &Error{Ambiguous: true, Reason: err.Error(), Err: err}
}

// Inbox reads the messages people sent to us (replies to a message that asked for one) by polling
// the provider: a clinic laptop has no public address a provider's webhook could reach.
type Inbox interface {
	// Inbound returns the messages received at or after since, oldest first. An ID may be
	// returned again by a later call: the journal stores each (provider, ID) once.
	Inbound(ctx context.Context, since time.Time) ([]Inbound, error)
}

// Inbound is one message a person sent us.
type Inbound struct {
	ID   string    // the provider's id of the message: unique within the provider
	From string    // the sender: E.164 when the provider gives it, else as the provider wrote it
	To   string    // our number it was sent to, when the provider says
	Text string    // the text, as received
	At   time.Time // when the provider received it
}

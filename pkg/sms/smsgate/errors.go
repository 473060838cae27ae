package smsgate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smscast/smscast/pkg/sms"
)

// Kind is what the engine does with an answer of the phone.
type Kind string

// Kinds of errors, from sms.Error's point of view, and the two answers that are not errors.
const (
	Transient Kind = "transient" // retry later: the phone did not take the message
	Permanent Kind = "permanent" // never retry this message
	Ambiguous Kind = "ambiguous" // the phone may have queued it: reconcile with Find
	Fatal     Kind = "fatal"     // stop the whole run: nothing will work until a person fixes it
	Accepted  Kind = "accepted"  // not an error: a 409 to our id means the phone already has it
	NotFound  Kind = "not-found" // not an error for Find: the phone has no message with the id
)

// ErrorClass is how smscast treats one HTTP status of the app's local server, for a create
// (POST /messages) and for a read (GET /messages/{id}, GET /messages, GET /inbox).
type ErrorClass struct {
	Status int
	Send   Kind
	Read   Kind
	Reason string // plain language, for the report; fatal ones say what to do
}

// errorClasses is the table for the README's provider section (not there yet). A status not listed is classified as 5xx if
// it is one (Send ambiguous, Read transient), else as 400.
var errorClasses = []ErrorClass{
	// 400 on a create is refined by the app's message (badRequests below): most are about one
	// message, a few about our configuration.
	{400, Permanent, Permanent, "the phone refused the message"},
	{401, Fatal, Fatal, "the phone refused the user name or password: check smsgate.username and " + PasswordEnv + " against the app's Local server settings"},
	{403, Fatal, Fatal, "the phone refused access: check smsgate.username and " + PasswordEnv + " against the app's Local server settings"},
	// A create never answers 404 from the app itself: something else listens at that address.
	{404, Fatal, NotFound, "no SMS Gateway at smsgate.base_url: check the address and port the app shows under Local server"},
	// The id is derived from the delivery, so a 409 is our own earlier attempt: the phone has it.
	{409, Accepted, Permanent, "the phone already has a message with this id"},
	// Asked to wait (a throttle in front of the app, or a newer app's own): nothing was queued.
	{429, Transient, Transient, "the phone asked us to slow down (too many requests)"},
	// The app's queue may already hold the message when something fails after the insert.
	{500, Ambiguous, Transient, "the phone answered with an internal error after the message was sent: it may have queued it"},
	{501, Fatal, Fatal, "this version of SMS Gateway for Android lacks the call smscast needs: update the app"},
	// The spec documents 503 as a refusal ("Queue limits exceeded; ensure device is online"): the
	// message was not queued. Retrying is safe even if that were wrong: the retry carries the same
	// id, and a 409 then reports the message the phone already has.
	{503, Transient, Transient, "the phone's queue is full or it is offline: it did not take the message"},
}

// ErrorClasses returns the classification table for the app's HTTP statuses.
func ErrorClasses() []ErrorClass { return append([]ErrorClass(nil), errorClasses...) }

// LookupError returns the class of an HTTP status.
func LookupError(status int) ErrorClass {
	for _, c := range errorClasses {
		if c.Status == status {
			return c
		}
	}
	if status >= 500 {
		return ErrorClass{status, Ambiguous, Transient, fmt.Sprintf("the phone answered %d %s after the message was sent: it may have queued it", status, http.StatusText(status))}
	}
	return ErrorClass{status, Permanent, Permanent, fmt.Sprintf("the phone refused the request (%d %s)", status, http.StatusText(status))}
}

// BadRequest refines a 400 answer to a create by the app's message: the first entry whose
// Contains occurs in it (case-insensitively) wins.
type BadRequest struct {
	Contains string
	Kind     Kind
	Reason   string
}

var badRequests = []BadRequest{
	// Every message of the run would fail alike: stop, leaving the patients pending for a resume.
	{"simNumber", Fatal, "the phone refused the SIM slot in smsgate.sim_numbers: list only SIM slots the phone has (1, 2 or 3), or leave it out for the phone's default SIM"},
	{"device ID", Fatal, "the phone refused the device: smscast sends to the phone at smsgate.base_url only; check the address"},
	{"exactly one of", Fatal, "the app did not understand smscast's request: update SMS Gateway for Android"},
	{"multiple message types", Fatal, "the app did not understand smscast's request: update SMS Gateway for Android"},
	{"phoneNumbers is empty", Permanent, "no recipient number"},
	{"text message is empty", Permanent, "the message text is empty"},
	{"phone", Permanent, "invalid phone number: the phone's own check refused it"},
}

// BadRequests returns the table that refines a 400 answer to a create.
func BadRequests() []BadRequest { return append([]BadRequest(nil), badRequests...) }

// appError is the app's error body: {"message": "…"} (and code, data in newer versions).
type appError struct {
	Message string `json:"message"`
}

// appMessage returns the app's error message from an error body, shortened for a report, or ""
// when the body is not the app's JSON (a proxy's HTML page, say).
func appMessage(body []byte) string {
	var e appError
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	m := strings.Join(strings.Fields(e.Message), " ")
	if utf8.RuneCountInString(m) > 200 {
		m = string([]rune(m)[:200]) + "…"
	}
	return m
}

// op says which kind of call an answer belongs to.
type op int

const (
	opSend op = iota // POST /messages: not safe to repeat blindly
	opRead           // any GET: repeating it is harmless
)

// httpError classifies an HTTP error answer. A 409 or 404 (the Accepted and NotFound kinds) is
// the caller's to handle before this is called; here they count as permanent.
func httpError(status int, header http.Header, body []byte, o op, now time.Time) *sms.Error {
	c := LookupError(status)
	kind, reason := c.Send, c.Reason
	if o == opRead {
		kind = c.Read
	}
	msg := appMessage(body)
	if status == http.StatusBadRequest && o == opSend {
		low := strings.ToLower(msg)
		for _, b := range badRequests {
			if strings.Contains(low, strings.ToLower(b.Contains)) {
				kind, reason = b.Kind, b.Reason
				break
			}
		}
	}
	if msg != "" && kind != Fatal {
		reason += " (the app said: " + msg + ")"
	}
	e := &sms.Error{Code: strconv.Itoa(status), Reason: reason}
	switch kind {
	case Permanent, Accepted, NotFound:
		e.Permanent = true
	case Ambiguous:
		e.Ambiguous = true
	case Fatal:
		e.Fatal = true
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), now)
	}
	return e
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// networkError classifies a request that got no complete answer. wrote is true once the request
// was handed to the connection: from then on the phone may have read it.
func networkError(err error, wrote bool, o op, addr string, canceled bool) *sms.Error {
	switch {
	case canceled && !wrote:
		return &sms.Error{Code: "canceled", Reason: "not sent: the request was cancelled or timed out before it left", Err: err}
	case o == opRead || !wrote:
		return &sms.Error{Code: "network", Err: err,
			Reason: fmt.Sprintf("could not reach the phone at %s: check that it is on the same Wi-Fi, that SMS Gateway is running and its Local server is switched on", addr)}
	}
	return &sms.Error{Code: "network", Ambiguous: true, Err: err,
		Reason: "no answer from the phone after the message was sent: it may have queued it"}
}

// DeliveryReason is the plain-language meaning of a recipient's error text in a Failed state.
// The app passes on what Android's SmsManager reported.
type DeliveryReason struct {
	Contains string // matched case-insensitively against the recipient's error
	Reason   string
}

var deliveryReasons = []DeliveryReason{
	{"NO_SERVICE", "the phone had no mobile signal when it tried to send"},
	{"no service", "the phone had no mobile signal when it tried to send"},
	{"RADIO_OFF", "the phone's mobile radio was off (airplane mode?)"},
	{"radio off", "the phone's mobile radio was off (airplane mode?)"},
	{"NULL_PDU", "the phone could not encode the message"},
	{"GENERIC_FAILURE", "the carrier refused the message (no SMS plan or credit, the number blocks it, or it is not a mobile number)"},
	{"generic failure", "the carrier refused the message (no SMS plan or credit, the number blocks it, or it is not a mobile number)"},
	{"LIMIT_EXCEEDED", "Android's limit on messages per app was reached: allow more on the phone (see the README)"},
	{"expired", "the phone did not send it before it expired"},
	{"timeout", "the phone did not send it in time"},
}

// DeliveryReasons returns the table of recipient errors and their plain-language reasons.
func DeliveryReasons() []DeliveryReason { return append([]DeliveryReason(nil), deliveryReasons...) }

// Reason returns the plain-language reason for a recipient's error text: the table's, else the
// text itself.
func Reason(errText string) string {
	low := strings.ToLower(errText)
	for _, r := range deliveryReasons {
		if strings.Contains(low, strings.ToLower(r.Contains)) {
			return r.Reason
		}
	}
	if errText == "" {
		return "the phone could not send it"
	}
	return "the phone could not send it: " + errText
}

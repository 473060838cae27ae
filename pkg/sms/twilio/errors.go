package twilio

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/smscast/smscast/pkg/sms"
)

// Kind is what the engine does with a Twilio error.
type Kind string

// Kinds of errors, from sms.Error's point of view.
const (
	Transient Kind = "transient" // retry later (honour RetryAfter)
	Permanent Kind = "permanent" // never retry this message
	OptedOut  Kind = "opted-out" // permanent, and remember the number so later campaigns skip it
	Fatal     Kind = "fatal"     // stop the whole run: nothing will work until a person fixes it
	// Ambiguous: the message may exist. Look it up (after a grace period) before any resend.
	Ambiguous Kind = "ambiguous"
)

// ErrorClass is how smscast treats one Twilio API error code returned when creating a message.
type ErrorClass struct {
	Code   int
	Kind   Kind
	Reason string // plain language, for the report; fatal ones say what to do
}

// errorClasses is the table the README reproduces. Codes not listed are classified by HTTP
// status: 429 and 503 transient, other 5xx ambiguous on a create (transient on a read), 401/403 fatal, other
// 4xx permanent. Fetches and lists use only the fatal rows: repeating a read cannot text anyone.
var errorClasses = []ErrorClass{
	{21211, Permanent, "invalid phone number"},
	{21614, Permanent, "not a mobile number (landline?): phone the patient instead"},
	{21612, Permanent, "the number cannot receive SMS from this sender"},
	{21610, OptedOut, "the patient opted out of SMS from this sender (replied STOP)"},
	{21408, Permanent, "sending SMS to this country is not enabled: allow it in the Twilio console under Messaging > Settings > Geo permissions"},
	// A bad sender fails every message of the run alike: stopping at once leaves the patients
	// pending for a resume once twilio.from is fixed, instead of marking the whole list failed.
	{21606, Fatal, "the sender in twilio.from cannot send SMS (Japanese numbers cannot be Twilio SMS senders: use an alphanumeric sender ID or a messaging service)"},
	{21603, Fatal, "no sender: set twilio.from or twilio.messaging_service_sid"},
	{21212, Fatal, "invalid sender in twilio.from: use an E.164 number, an alphanumeric sender ID or a messaging service"},
	{21602, Permanent, "the message body is empty"},
	{21604, Permanent, "no recipient number"},
	{21617, Permanent, "the message is longer than Twilio's 1,600 characters"},
	{21608, Permanent, "trial account: the number is not verified (verify it in the Twilio console or upgrade the account)"},
	{21611, Transient, "the sender's queue at Twilio is full: send more slowly"},
	{20429, Transient, "Twilio asked us to slow down (too many requests)"},
	// A 5xx to a create does not say the message was not created: Twilio (or a proxy or gateway
	// in front of it) may fail after storing it. Measured with a proxy answering 500 after
	// passing 10 % of creates through: retrying them blindly texted 10 of 200 patients twice.
	{20500, Ambiguous, "Twilio had an internal error: the message may have been created"},
	// 503 says Twilio could not take the request: nothing was created. As ambiguous, an outage
	// answered 503 left every patient unknown instead of sent through the failover route.
	{20503, Transient, "Twilio is unavailable (503): nothing was accepted; smscast tries again"},
	{20003, Fatal, "Twilio refused the credentials: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET)"},
	{20005, Fatal, "the Twilio account is not active (suspended or closed): check it in the Twilio console"},
	{10001, Fatal, "the Twilio account is not active (suspended or closed): check it in the Twilio console"},
}

// ErrorClasses returns the classification table for Twilio API error codes.
func ErrorClasses() []ErrorClass { return append([]ErrorClass(nil), errorClasses...) }

// LookupError returns the class of a Twilio API error code.
func LookupError(code int) (ErrorClass, bool) {
	for _, c := range errorClasses {
		if c.Code == code {
			return c, true
		}
	}
	return ErrorClass{}, false
}

// DeliveryReason is the plain-language meaning of an error code on an undelivered or failed message.
type DeliveryReason struct {
	Code   int
	Reason string
}

var deliveryReasons = []DeliveryReason{
	{30001, "Twilio's queue for the sender overflowed: send more slowly"},
	{30002, "the Twilio account was suspended"},
	{30003, "phone off or out of coverage"},
	{30004, "blocked: the patient or the carrier blocks messages from this sender"},
	{30005, "unknown number: it may no longer be in service"},
	{30006, "landline or unreachable carrier: phone the patient instead"},
	{30007, "filtered by the carrier as spam"},
	{30008, "unknown error at the carrier"},
	{30009, "part of a long message went missing"},
	{30010, "the message price exceeded the maximum price"},
	{30032, "the toll-free sender is not verified"},
	{30034, "unregistered sender (US A2P 10DLC registration missing)"},
	{30036, "not delivered within the validity period"},
	{21610, "the patient opted out of SMS from this sender (replied STOP)"},
	{21614, "not a mobile number: phone the patient instead"},
}

// DeliveryReasons returns the table of delivery error codes and their plain-language reasons.
func DeliveryReasons() []DeliveryReason { return append([]DeliveryReason(nil), deliveryReasons...) }

// Reason returns the plain-language reason for a delivery error code, or "" if unknown.
func Reason(code int) string {
	for _, r := range deliveryReasons {
		if r.Code == code {
			return r.Reason
		}
	}
	return ""
}

// classify turns what twilio-go returned, plus what the transport saw, into an *sms.Error.
// read is true for fetch and list: repeating them is harmless, so they are never ambiguous.
func classify(err error, c *call, read bool) *sms.Error {
	seen := c.snapshot()
	// Checked first: both fail every message of the run alike, and neither created a message
	// (a redirect is answered instead of the API; a certificate is refused before the request
	// is written), so stopping at once leaves the patients pending for a resume.
	if e := redirectFatal(err); e != nil {
		return e
	}
	if e := certificateFatal(err); e != nil {
		return e
	}
	var rest *client.TwilioRestError
	if errors.As(err, &rest) {
		return restError(rest.Status, rest.Code, rest.Message, seen, read, err)
	}
	if seen.status >= 400 {
		// An error answer whose body twilio-go could not decode (a proxy's HTML page, say).
		return restError(seen.status, 0, "", seen, read, err)
	}
	if !seen.wrote && c.ctx.Err() != nil {
		return &sms.Error{Code: "canceled", Reason: "not sent: the request was cancelled or timed out before it left", Err: err}
	}
	if read || !seen.wrote {
		reason := "could not reach Twilio"
		if seen.status != 0 {
			reason = "could not read Twilio's answer"
		}
		return &sms.Error{Code: "network", Reason: reason, Err: err}
	}
	return &sms.Error{Code: "network", Ambiguous: true, Err: err,
		Reason: "no answer from Twilio after the message was sent: it may have been accepted"}
}

func restError(status, code int, msg string, seen callInfo, read bool, err error) *sms.Error {
	e := &sms.Error{Code: strconv.Itoa(code), Reason: msg, RetryAfter: seen.retryAfter, Err: err}
	if code == 0 {
		e.Code = strconv.Itoa(status)
		e.Reason = fmt.Sprintf("Twilio answered %d %s", status, http.StatusText(status))
	}
	if c, ok := LookupError(code); ok && !(read && c.Kind != Fatal) {
		e.Reason = c.Reason
		switch c.Kind {
		case Permanent:
			e.Permanent = true
		case OptedOut:
			e.Permanent, e.OptedOut = true, true
		case Fatal:
			e.Fatal = true
		case Ambiguous:
			e.Ambiguous = true
		}
		if code == 20429 && seen.concurrent > 0 {
			e.Reason += fmt.Sprintf(" (%d requests in flight on the account)", seen.concurrent)
		}
		return e
	}
	switch {
	case status >= 500 && status != http.StatusServiceUnavailable && !read:
		// A gateway's 502/504 or a 500 after the create was stored: the message may exist, and
		// the answer cannot say. 429 below is a refusal: nothing was created.
		e.Ambiguous = true
		if code == 0 {
			e.Reason += ": the message may have been accepted"
		}
	case status == http.StatusTooManyRequests || status >= 500:
		// transient
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Fatal = true
		if e.Reason == "" {
			e.Reason = "Twilio refused the request: check the account's credentials and permissions"
		}
	case status == http.StatusNotFound && !read:
		e.Fatal = true
		e.Reason = "Twilio does not know the account: check TWILIO_ACCOUNT_SID"
	default:
		e.Permanent = true
		if e.Reason == "" {
			e.Reason = fmt.Sprintf("Twilio refused the request (%d)", status)
		}
	}
	return e
}

// redirectFatal words a 3xx answer (see call.RoundTrip) for the person who must fix the address.
func redirectFatal(err error) *sms.Error {
	var re *redirectError
	if !errors.As(err, &re) {
		return nil
	}
	to := ""
	if re.location != "" {
		to = " to " + re.location
	}
	return &sms.Error{Code: "redirect", Fatal: true, Err: err,
		Reason: fmt.Sprintf("the Twilio address answered with a redirect (%d%s), which Twilio's API never does: "+
			"check twilio.base_url (leave it empty for Twilio itself) and any proxy between this computer and Twilio; nothing was sent", re.status, to)}
}

// certificateFatal names a TLS certificate that this computer refused. Retrying cannot help: the
// certificate or the clock must change first.
func certificateFatal(err error) *sms.Error {
	var (
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
	)
	const proxy = "a proxy or security software that intercepts HTTPS (ask whoever runs the network to let api.twilio.com through), or a wrong twilio.base_url"
	var reason string
	switch {
	case errors.As(err, &unknown):
		issuer := ""
		if unknown.Cert != nil && unknown.Cert.Issuer.CommonName != "" {
			issuer = fmt.Sprintf(" (issued by %q)", unknown.Cert.Issuer.CommonName)
		}
		reason = "Twilio's TLS certificate is signed by an authority this computer does not trust" + issuer +
			": check for " + proxy
	case errors.As(err, &hostname):
		reason = fmt.Sprintf("the TLS certificate is not for %s (it is for %s): check for %s",
			hostname.Host, certNames(hostname.Certificate), proxy)
	case errors.As(err, &invalid):
		switch invalid.Reason {
		case x509.Expired:
			window := ""
			if invalid.Cert != nil {
				window = fmt.Sprintf(" (valid %s to %s)", invalid.Cert.NotBefore.UTC().Format(time.DateOnly), invalid.Cert.NotAfter.UTC().Format(time.DateOnly))
			}
			reason = "Twilio's TLS certificate has expired or is not yet valid" + window +
				": check this computer's date, time and time zone, then for " + proxy
		default:
			reason = "Twilio's TLS certificate is not valid (" + invalid.Error() + "): check for " + proxy
		}
	default:
		return nil
	}
	return &sms.Error{Code: "tls-certificate", Fatal: true, Err: err, Reason: reason + "; nothing was sent"}
}

func certNames(c *x509.Certificate) string {
	if c == nil {
		return "another name"
	}
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, c.Subject.CommonName)
	}
	if len(names) == 0 {
		return "another name"
	}
	if len(names) > 3 {
		names = append(names[:3], "…")
	}
	return strings.Join(names, ", ")
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

// statuses maps Twilio's message statuses onto smscast's.
var statuses = map[string]sms.Status{
	"accepted":            sms.StatusAccepted,
	"scheduled":           sms.StatusAccepted,
	"queued":              sms.StatusQueued,
	"sending":             sms.StatusSending,
	"sent":                sms.StatusSent,
	"delivered":           sms.StatusDelivered,
	"read":                sms.StatusDelivered,
	"partially_delivered": sms.StatusSent,
	"undelivered":         sms.StatusUndelivered,
	"failed":              sms.StatusFailed,
	"canceled":            sms.StatusFailed,
}

// MapStatus maps a Twilio message status onto sms.Status. An unknown status counts as still
// sending, so that it is polled again rather than treated as final.
func MapStatus(s string) sms.Status {
	if st, ok := statuses[s]; ok {
		return st
	}
	return sms.StatusSending
}

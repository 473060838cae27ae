package karaden

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/smscast/smscast/pkg/sms"
)

// Kind is what the engine does with a Karaden error.
type Kind string

// Kinds of errors, from sms.Error's point of view.
const (
	Transient Kind = "transient" // retry later (honour RetryAfter)
	Permanent Kind = "permanent" // never retry this message
	Ambiguous Kind = "ambiguous" // the message may exist: reconcile through Find, never resend blindly
	Fatal     Kind = "fatal"     // stop the whole run: nothing will work until a person fixes it
)

// ErrorClass is how smscast treats one Karaden error.
//
// Code is Karaden's error code ("unauthentication"); a validation error is split by the field it
// names ("validation_error:to"); an answer without a code we know is keyed by its HTTP status
// ("403", "429", "5xx", "4xx"). Kind applies to a create (POST /messages); ReadKind to a fetch or
// a list, which are harmless to repeat and so are never ambiguous.
type ErrorClass struct {
	Code     string
	Status   int // the HTTP status the spec gives the code with (0: any)
	Kind     Kind
	ReadKind Kind
	Reason   string // plain language, for the report; fatal ones say what to fix
	Why      string // why this class was chosen
}

// errorClasses is the classification table. Karaden's own message (Japanese) is added to the
// reason of every answer that has one, so that staff can quote it to Karaden's support.
var errorClasses = []ErrorClass{
	{"unauthentication", 401, Fatal, Fatal,
		"Karaden refused the API key: set KARADEN_API_KEY to a valid key of this tenant",
		"every request fails alike until the key is fixed; stopping leaves the patients pending for a resume"},
	{"invalid_tenant", 400, Fatal, Fatal,
		"Karaden does not know the tenant: check karaden.tenant_id in the config file",
		"the tenant is in every request's path: nothing can be sent until it is fixed"},
	{"invalid_version", 400, Fatal, Fatal,
		"Karaden refused API version " + APIVersion + ", the version smscast speaks: update smscast",
		"the version header is the same on every request"},
	{"model_not_found", 404, Fatal, Fatal,
		"Karaden found no such tenant or service, or the API key may not use it: check karaden.tenant_id, karaden.service_id, karaden.base_url and KARADEN_API_KEY",
		"a create or a list names no message, so a 404 to it is about the path, the tenant, the service or the key: the same for every request; Status makes it permanent for a fetch, where it means that one message is not there"},
	{"validation_error:service_id", 422, Fatal, Fatal,
		"Karaden refused the service: check karaden.service_id in the config file (the サービス設定ID of Karaden's console)",
		"the service is the same for every message: one refusal means all of them would be refused"},
	{"validation_error:to", 422, Permanent, Permanent,
		"Karaden refused the number: phone the patient instead",
		"only this patient's number is wrong; the rest of the run goes on"},
	{"validation_error:body", 422, Permanent, Permanent,
		"Karaden refused the message text",
		"the text is the patient's own rendering of the template (its length, its characters): other patients may be fine"},
	{"validation_error:tags", 422, Fatal, Fatal,
		"Karaden refused the tags smscast sets for reconciliation: this is a bug in smscast, please report it",
		"every message carries tags of the same form, so every message would be refused"},
	{"validation_error:other", 422, Fatal, Fatal,
		"Karaden refused a setting of the request: check the karaden section of the config file",
		"only to and body differ from one message to the next: a refusal of any other field repeats for every patient"},
	{"validation_error", 422, Permanent, Permanent,
		"Karaden refused the message",
		"no field named: we cannot tell whether it is this patient's number or text, so only this delivery is failed, with Karaden's words"},
	{"can_not_cancel_message", 400, Permanent, Permanent,
		"Karaden cannot cancel the message",
		"smscast never cancels; listed so that every code of the spec has a class"},
	{"unknown", 500, Ambiguous, Transient,
		"Karaden had an internal error: the message may have been accepted",
		"a 5xx to a create may come after Karaden stored the message; reconcile before any resend"},
	{"403", 403, Fatal, Fatal,
		"Karaden forbade the request: the API key may not send for this tenant or service (check its permissions in Karaden's console), or this network is blocked",
		"a permission is the same for every message"},
	{"429", 429, Transient, Transient,
		"Karaden asked us to slow down (too many requests)",
		"nothing was accepted; retry after Retry-After"},
	{"503", 503, Transient, Transient,
		"Karaden is unavailable (503): nothing was accepted; smscast tries again",
		"503 says the server could not take the request (a load balancer with no API behind it): nothing was stored, and treating it as ambiguous would leave every patient of an outage unknown instead of sent through the failover route"},
	{"5xx", 500, Ambiguous, Transient,
		"Karaden answered with a server error: the message may have been accepted",
		"a gateway or Karaden itself failed, possibly after the message was stored (also when the answer is an HTML page)"},
	{"3xx", 300, Fatal, Fatal,
		"Karaden answered with a redirect: check karaden.base_url",
		"the API never redirects; a redirect means the URL is wrong for every request"},
	{"4xx", 400, Permanent, Permanent,
		"Karaden refused the request",
		"an answer the spec does not describe; only this delivery is failed, with Karaden's words"},
}

// ErrorClasses returns the classification table.
func ErrorClasses() []ErrorClass { return append([]ErrorClass(nil), errorClasses...) }

// LookupError returns the class of a Karaden error code (or of an HTTP status key: "429", "5xx").
func LookupError(code string) (ErrorClass, bool) {
	for _, c := range errorClasses {
		if c.Code == code {
			return c, true
		}
	}
	return ErrorClass{}, false
}

// apiError is Karaden's error object.
type apiError struct {
	Object  string                     `json:"object"`
	Code    string                     `json:"code"`
	Message string                     `json:"message"`
	Errors  map[string]json.RawMessage `json:"errors"`
}

// fields returns the field names of a validation error, sorted, and their messages.
func (a *apiError) fields() ([]string, map[string][]string) {
	names := make([]string, 0, len(a.Errors))
	msgs := make(map[string][]string, len(a.Errors))
	for k, raw := range a.Errors {
		names = append(names, k)
		var list []string
		if json.Unmarshal(raw, &list) != nil {
			var one string
			if json.Unmarshal(raw, &one) == nil {
				list = []string{one}
			}
		}
		msgs[k] = list
	}
	sort.Strings(names)
	return names, msgs
}

// validationKey chooses the table row of a validation error from the fields it names. A field
// other than to and body wins: it repeats for every message.
func validationKey(fields []string) string {
	if len(fields) == 0 {
		return "validation_error"
	}
	key := ""
	for _, f := range fields {
		switch {
		case f == "service_id":
			return "validation_error:service_id"
		case f == "tags" || strings.HasPrefix(f, "tags.") || strings.HasPrefix(f, "tags["):
			return "validation_error:tags"
		case f == "to" || f == "body":
			if key == "" || key == "validation_error:body" {
				key = "validation_error:" + f
			}
		default:
			return "validation_error:other"
		}
	}
	return key
}

// statusKey is the table row of an answer without a code we know.
func statusKey(status int) string {
	switch {
	case status == 401:
		return "unauthentication"
	case status == 404:
		return "model_not_found"
	case status == 403 || status == 429 || status == 503:
		return strconv.Itoa(status)
	case status >= 500:
		return "5xx"
	case status >= 300 && status < 400:
		return "3xx"
	}
	return "4xx"
}

// classifyAnswer classifies an answer with an HTTP status other than 2xx.
func classifyAnswer(status int, header http.Header, body []byte, create bool, now time.Time) *sms.Error {
	var ae apiError
	decoded := json.Unmarshal(body, &ae) == nil && ae.Object == "error" && ae.Code != ""

	key := statusKey(status)
	code := strconv.Itoa(status)
	var detail []string
	if decoded {
		code = ae.Code
		if ae.Code == "validation_error" {
			fields, msgs := ae.fields()
			key = validationKey(fields)
			if k := strings.TrimPrefix(key, "validation_error:"); k != key && k != "other" {
				code = key
			}
			for _, f := range fields {
				if len(msgs[f]) > 0 {
					detail = append(detail, f+": "+strings.Join(msgs[f], "、"))
				}
			}
		} else if _, ok := LookupError(ae.Code); ok {
			key = ae.Code
		}
	}
	c, _ := LookupError(key)
	kind := c.Kind
	if !create {
		kind = c.ReadKind
	}
	e := &sms.Error{Code: code, Reason: c.Reason, Err: fmt.Errorf("karaden answered %d %s", status, http.StatusText(status))}
	if status >= 400 {
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), now)
	}
	switch kind {
	case Permanent:
		e.Permanent = true
	case Ambiguous:
		e.Ambiguous = true
	case Fatal:
		e.Fatal = true
	}
	if c.Kind == Ambiguous && !create {
		e.Reason = "Karaden had a server error" // a read created nothing: nothing may have been accepted
	}
	switch {
	case decoded && ae.Message != "":
		words := ae.Message
		if len(detail) > 0 {
			words += ": " + strings.Join(detail, "; ")
		}
		e.Reason += " (Karaden: " + words + ")"
	case !decoded:
		e.Reason += fmt.Sprintf(" (HTTP %d %s)", status, http.StatusText(status))
	}
	return e
}

// classifyNetwork classifies a request that got no answer. wrote says the request was handed to
// the connection: it may have reached Karaden.
func classifyNetwork(ctx context.Context, err error, wrote, create bool) *sms.Error {
	if !wrote && ctx.Err() != nil {
		return &sms.Error{Code: "canceled", Reason: "not sent: the request was cancelled or timed out before it left", Err: err}
	}
	if !wrote || !create {
		return &sms.Error{Code: "network", Reason: "could not reach Karaden", Err: err}
	}
	return &sms.Error{Code: "network", Ambiguous: true, Err: err,
		Reason: "no answer from Karaden after the message was sent: it may have been accepted"}
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// StatusClass maps one combination of Karaden's status, result and sent_result onto sms.Status.
// An empty field matches any value.
type StatusClass struct {
	Status, Result, SentResult string
	To                         sms.Status
	ErrorCode                  string
	Reason                     string
}

// statusClasses is read top to bottom; the first match wins.
var statusClasses = []StatusClass{
	{Status: "waiting", To: sms.StatusQueued}, // 送信待ち: accepted, not yet handed to the carrier
	{Status: "canceled", To: sms.StatusFailed, ErrorCode: "status=canceled",
		Reason: "送信キャンセル: the message was cancelled before it was sent"},
	{Status: "error", To: sms.StatusFailed, ErrorCode: "status=error",
		Reason: "送信エラー: Karaden could not send the message"},
	{Status: "processing_error", To: sms.StatusFailed, ErrorCode: "status=processing_error",
		Reason: "処理エラー: Karaden failed while processing the message"},
	{Status: "done", SentResult: "received", To: sms.StatusDelivered}, // 着信済
	{Status: "done", SentResult: "unconnected", To: sms.StatusUndelivered, ErrorCode: "sent_result=unconnected",
		Reason: "圏外・電源オフの可能性: not delivered; the phone may be out of coverage or switched off"},
	{Status: "done", SentResult: "error", To: sms.StatusFailed, ErrorCode: "sent_result=error",
		Reason: "送達エラー: the carrier could not deliver the message"},
	{Status: "done", SentResult: "unknown", To: sms.StatusFailed, ErrorCode: "sent_result=unknown",
		Reason: "送達結果不明: the carrier did not say whether the message arrived"},
	// Sent to the carrier; the delivery result is still coming (result=processing), or the
	// carrier gave none (result=done, sent_result=none). Sent is not final: it is asked again.
	{Status: "done", To: sms.StatusSent},
}

// StatusClasses returns the status mapping table.
func StatusClasses() []StatusClass { return append([]StatusClass(nil), statusClasses...) }

// MapStatus maps Karaden's status, result and sent_result onto sms.Status, with an error code
// and reason for failures. An unknown combination counts as still sending, so that it is asked
// again rather than treated as final.
func MapStatus(status, result, sentResult string) (st sms.Status, code, reason string) {
	for _, c := range statusClasses {
		if (c.Status == "" || c.Status == status) && (c.Result == "" || c.Result == result) &&
			(c.SentResult == "" || c.SentResult == sentResult) {
			return c.To, c.ErrorCode, c.Reason
		}
	}
	return sms.StatusSending, "", ""
}

package smsgate

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/smscast/smscast/pkg/sms"
)

// Inbound is one SMS the phone received: a patient's reply.
type Inbound struct {
	ID   string    // the app's id of the received message
	From string    // the sender's number, as the phone shows it
	Text string    // the text
	At   time.Time // when the phone received it
}

// inboxPageSize is the most the app returns per page of GET /inbox.
const inboxPageSize = 500

// inboxMaxPages bounds one Inbox call (100,000 messages).
const inboxMaxPages = 200

// incomingMessage is one entry of GET /inbox.
type incomingMessage struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	Sender         string `json:"sender"`
	ContentPreview string `json:"contentPreview"`
	CreatedAt      string `json:"createdAt"`
}

// Inbox returns the SMS the phone received since the given time, oldest first, reading every
// page of GET /inbox. A version of the app without an inbox answers 501, which is reported as
// an error that says to update the app.
func (p *Provider) Inbox(ctx context.Context, since time.Time) ([]Inbound, error) {
	q := url.Values{"type": {"SMS"}, "limit": {strconv.Itoa(inboxPageSize)}}
	if !since.IsZero() {
		q.Set("from", since.UTC().Format(time.RFC3339))
	}
	var out []Inbound
	seen := map[string]bool{}
	for offset, pages := 0, 0; pages < inboxMaxPages; pages++ {
		q.Set("offset", strconv.Itoa(offset))
		a := p.do(ctx, http.MethodGet, "/inbox", q, nil)
		if a.status >= 300 {
			e := httpError(a.status, a.header, a.body, opRead, p.cfg.Now())
			if a.status == http.StatusNotFound || a.status == http.StatusNotImplemented {
				e.Fatal, e.Permanent = true, false
				e.Reason = "this version of SMS Gateway for Android has no inbox: update the app to read replies"
			}
			return nil, e
		}
		if a.err != nil || a.status == 0 {
			return nil, networkError(a.err, a.wrote, opRead, p.base.Host, ctx.Err() != nil)
		}
		var page []incomingMessage
		if err := json.Unmarshal(a.body, &page); err != nil {
			return nil, &sms.Error{Code: "bad-answer", Reason: "the phone's inbox could not be read", Err: err}
		}
		fresh := 0
		for _, m := range page {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			fresh++
			at, _ := parseTime(m.CreatedAt)
			if (m.Type != "" && m.Type != "SMS") || (!since.IsZero() && at.Before(since)) {
				continue
			}
			out = append(out, Inbound{ID: m.ID, From: m.Sender, Text: m.ContentPreview, At: at})
		}
		offset += len(page)
		total, err := strconv.Atoi(a.header.Get("X-Total-Count"))
		// A page of nothing new means the phone ignores offset: stop rather than loop.
		if len(page) == 0 || fresh == 0 || (err == nil && offset >= total) || (err != nil && len(page) < inboxPageSize) {
			break
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

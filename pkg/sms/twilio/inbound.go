package twilio

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/smscast/smscast/pkg/sms"
)

var _ sms.Inbox = (*Provider)(nil)

// inboundMaxPages bounds one Inbound call: 50 pages of 1,000 messages, far more replies than a
// clinic's campaign gets in a day, and a stop for a loop if Twilio's paging ever went wrong.
const inboundMaxPages = 50

// Inbound reads the messages patients sent to our number since the given time: the Messages list
// filtered by To= twilio.from and DateSent>= the UTC day of since (Twilio filters by day), 1,000 a
// page through next_page_uri, keeping direction inbound at or after since. Replies are polled, not
// received by webhook, because a clinic laptop has no public address.
//
// An alphanumeric sender ID cannot receive replies, so it is an error that says so. With only a
// messaging service there is no number to filter by: every inbound message of the account is read.
func (p *Provider) Inbound(ctx context.Context, since time.Time) ([]sms.Inbound, error) {
	params := (&openapi.ListMessageParams{}).SetPageSize(statusPageSize)
	switch {
	case p.cfg.From != "" && e164Re.MatchString(p.cfg.From), p.cfg.From != "" && shortCodeRe.MatchString(p.cfg.From):
		params.SetTo(p.cfg.From)
	case p.cfg.From != "" && p.cfg.MessagingServiceSID == "":
		return nil, &sms.Error{Code: "no-replies", Permanent: true,
			Reason: fmt.Sprintf("twilio: the sender %q is an alphanumeric sender ID, which patients cannot reply to: set twilio.from to a phone number to read replies", p.cfg.From)}
	}
	if !since.IsZero() {
		params.SetDateSentAfter(since.UTC().Truncate(24 * time.Hour))
	}
	var out []sms.Inbound
	seen := map[string]bool{}
	token, number := "", ""
	for n := 1; ; n++ {
		page, err := p.page(ctx, params, token, number)
		if err != nil {
			return nil, err
		}
		for i := range page.Messages {
			m := &page.Messages[i]
			sid := str(m.Sid)
			if sid == "" || seen[sid] || !strings.HasPrefix(str(m.Direction), "inbound") {
				continue
			}
			seen[sid] = true // a message arriving while we page shifts the pages by one
			at, ok := messageTime(m)
			if !ok || (!since.IsZero() && at.Before(since)) {
				continue
			}
			out = append(out, sms.Inbound{ID: sid, From: str(m.From), To: str(m.To), Text: str(m.Body), At: at})
		}
		if page.NextPageUri == nil || *page.NextPageUri == "" {
			break
		}
		if n == inboundMaxPages {
			return nil, &sms.Error{Code: "inbound-limit",
				Reason: fmt.Sprintf("twilio: more than %d pages of messages since %s: read replies over a shorter time", inboundMaxPages, since.Format(time.RFC3339)),
				Err:    errors.New("too many pages")}
		}
		token, number = nextPage(*page.NextPageUri)
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].At.Before(out[k].At) })
	return out, nil
}

// messageTime is when Twilio received an inbound message: date_sent, else date_created.
func messageTime(m *openapi.ApiV2010Message) (time.Time, bool) {
	for _, v := range []*string{m.DateSent, m.DateCreated} {
		if t, err := time.Parse(time.RFC1123Z, str(v)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

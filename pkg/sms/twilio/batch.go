package twilio

import (
	"context"
	"fmt"
	"time"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/smscast/smscast/pkg/sms"
)

var (
	_ sms.StatusBatcher = (*Provider)(nil)
	_ sms.Checker       = (*Provider)(nil)
)

// statusPageSize is Twilio's largest list page: a campaign of a clinic's 200 patients is one
// request instead of 200 fetches.
const statusPageSize = 1000

// statusMaxPages bounds the pages StatusBatch reads for n IDs. A page of 1,000 messages costs
// about as much as a few tens of fetches (its answer is 1,000 times larger), so paging past other
// traffic of the account (other senders, later campaigns) stops where fetching the rest one by
// one would be cheaper: at one page per 20 IDs, and at least 3.
func statusMaxPages(n int) int { return max(3, n/20) }

// StatusBatch reads the account's messages sent since the UTC day of since (less FindSkew),
// newest first, 1,000 a page, and returns the receipts of the IDs asked for. It filters by
// From= when we send from a sender; Twilio's list has no filter by messaging service, so with
// one it reads every message of those days and keeps ours by ID. It stops when every ID was
// found, at the last page, or at statusMaxPages; a message still in Twilio's queue has no
// date_sent and escapes the filter: the caller fetches what is missing one by one. On an error
// it returns the receipts read so far with it.
func (p *Provider) StatusBatch(ctx context.Context, ids []string, since time.Time) (map[string]sms.Receipt, error) {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		if messageSIDRe.MatchString(id) {
			want[id] = true
		}
	}
	out := make(map[string]sms.Receipt, len(want))
	if len(want) == 0 {
		return out, nil
	}
	// Twilio filters DateSent by GMT day (YYYY-MM-DD); twilio-go sends an RFC 3339 time, so give
	// it the day's midnight, which means the same to Twilio and to a filter by instant.
	day := since.Add(-FindSkew).UTC().Truncate(24 * time.Hour)
	params := (&openapi.ListMessageParams{}).SetPageSize(statusPageSize).SetDateSentAfter(day)
	if p.cfg.From != "" && p.cfg.MessagingServiceSID == "" {
		params.SetFrom(p.cfg.From)
	}
	token, number := "", ""
	for n := 1; n <= statusMaxPages(len(want)); n++ {
		page, err := p.page(ctx, params, token, number)
		if err != nil {
			return out, err
		}
		for i := range page.Messages {
			if msg := &page.Messages[i]; want[str(msg.Sid)] {
				out[str(msg.Sid)] = receipt(msg)
			}
		}
		if len(out) == len(want) || page.NextPageUri == nil || *page.NextPageUri == "" {
			break
		}
		token, number = nextPage(*page.NextPageUri)
	}
	return out, nil
}

// page reads one page of the Messages list, within one request timeout.
func (p *Provider) page(ctx context.Context, params *openapi.ListMessageParams, token, number string) (*openapi.ListMessageResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	api, c := p.api(ctx)
	page, err := api.PageMessage(params, token, number)
	p.note(c)
	if err != nil {
		return nil, classify(err, c, true)
	}
	return page, nil
}

// Check fetches the account (GET /2010-04-01/Accounts/{Sid}.json): one cheap authenticated
// request, so that a wrong token or SID, a suspended account or an unreachable Twilio stops a
// send before a campaign is recorded.
func (p *Provider) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	api, c := p.api(ctx)
	acct, err := api.FetchAccount(p.cfg.AccountSID)
	p.note(c)
	if err != nil {
		e := classify(err, c, true)
		if c.snapshot().status == 404 {
			e.Fatal, e.Reason = true, "Twilio has no such account for these credentials: check TWILIO_ACCOUNT_SID"
		}
		if e.Reason == "" && e.Err != nil {
			e.Reason = e.Err.Error()
		}
		e.Reason = "twilio: " + e.Reason
		return e
	}
	if st := str(acct.Status); st != "active" {
		c, _ := LookupError(20005)
		return &sms.Error{Code: "20005", Fatal: true, Reason: fmt.Sprintf("twilio: %s (its status is %q)", c.Reason, st)}
	}
	return nil
}

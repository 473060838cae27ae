package smsgate

import (
	"context"
	"time"

	"github.com/smscast/smscast/pkg/sms"
)

var _ sms.Inbox = (*Provider)(nil)

// Inbound is Inbox as the provider contract has it (sms.Inbox): the phone's received SMS since the
// given time, oldest first. From is the sender as the phone shows it (often 090… rather than
// E.164): the journal normalises it before matching. To is empty: the phone does not say which of
// its SIMs received the message.
func (p *Provider) Inbound(ctx context.Context, since time.Time) ([]sms.Inbound, error) {
	in, err := p.Inbox(ctx, since)
	if err != nil {
		return nil, err
	}
	out := make([]sms.Inbound, len(in))
	for i, m := range in {
		out[i] = sms.Inbound{ID: m.ID, From: m.From, Text: m.Text, At: m.At}
	}
	return out, nil
}

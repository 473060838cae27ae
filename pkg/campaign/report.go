package campaign

import (
	"context"
	"fmt"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/report"
)

// ReportError is a report that could not be written (a read-only or missing directory): the
// journal still holds every result, so it can be written again with `smscast report`.
type ReportError struct{ Err error }

func (e *ReportError) Error() string { return e.Err.Error() }
func (e *ReportError) Unwrap() error { return e.Err }

// Report writes campaign c's delivery report (CSV, JSON), its call list (CSV and the page to
// print) into dir, and the call list also to callList when given, from the journal. It returns
// the paths and the deliveries it reported on. A campaign that asked for replies also gets its
// ack columns (confirmed_at, reply) and the list of the unconfirmed, from the stored replies.
func Report(ctx context.Context, j *journal.Journal, c journal.Campaign, dir, callList string, opt report.Options) (report.Paths, []journal.Delivery, error) {
	ds, err := j.Deliveries(context.WithoutCancel(ctx), c.ID)
	if err != nil {
		return report.Paths{}, nil, err
	}
	if opt.Contacts == nil && opt.ContactsFor != nil {
		var need map[int]bool // the rows the call list holds; every row for the unconfirmed
		if !Asked(c) {
			need = map[int]bool{}
			for _, r := range report.CallList(ds, opt) {
				need[r.Row] = true
			}
		}
		opt.Contacts = opt.ContactsFor(need)
	}
	paths, err := report.Write(dir, c, ds, opt)
	if err != nil {
		return paths, nil, &ReportError{Err: err}
	}
	if callList != "" {
		if err := report.WriteCallList(callList, report.CallList(ds, opt), opt); err != nil {
			return paths, nil, &ReportError{Err: fmt.Errorf("call list %s: %w", callList, err)}
		}
		paths.Call = callList
	}
	if Asked(c) {
		// A status refresh or a report again must not drop what the replies said.
		rep, err := AckStates(ctx, j, c.ID)
		if err != nil {
			return paths, ds, err
		}
		acks := make(map[int64]report.Ack, len(rep.States))
		for _, st := range rep.States {
			acks[st.Delivery.ID] = report.Ack{Status: string(st.Status), ConfirmedAt: st.ConfirmedAt, Reply: st.Reply()}
		}
		if err := report.WriteAckReport(paths.CSV, ds, acks, opt); err != nil {
			return paths, ds, &ReportError{Err: err}
		}
		if _, err := report.WriteUnconfirmed(dir, c, ds, acks, opt); err != nil {
			return paths, ds, &ReportError{Err: err}
		}
	}
	return paths, ds, nil
}

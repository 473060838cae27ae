package campaign

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/message"
	"github.com/smscast/smscast/pkg/roster"
	"github.com/smscast/smscast/pkg/schedule"
)

// Settings are the clinic's configuration a send depends on.
type Settings struct {
	Clinic       Clinic
	Lang         string // default message language: ja or en
	Region       string // default country of numbers written without one
	OptoutFile   string
	TestGroup    []string // --test recipients: list files or numbers
	MaxParts     int      // warn beyond this many parts
	Prices       map[string]float64
	Currency     string
	RepeatWindow time.Duration // negative: no repeat check; 0: DefaultRepeatWindow
	Location     *time.Location
	QuietHours   schedule.QuietHours
	Workers      int
	Rate         float64 // messages per second; RateSet false: the provider's default
	RateSet      bool
}

// Provider is what the plan needs to know of the provider it is for.
type Provider struct {
	Name        string
	Real        bool    // sends real SMS (the simulator does not)
	DefaultRate float64 // messages per second when no rate is set; 0 = no limit
	MaxChars    int     // the longest message it takes; 0 = no limit
	// Sendable refuses numbers the provider cannot text before anything is sent.
	Sendable func(e164 string) (ok bool, reason string)
	Latency  time.Duration // a known time per request (the simulator's), for the estimate
	// Replies says whether the sender can receive replies (a phone number, not an alphanumeric
	// sender ID), and if not why; nil: it cannot.
	Replies func() (ok bool, why string)
}

// Rate is the sending rate a run uses under these settings.
func (s Settings) rate(p Provider) float64 {
	if s.RateSet {
		return s.Rate
	}
	return p.DefaultRate
}

// Input is a send as a front end asks for it.
type Input struct {
	Settings Settings
	Provider Provider
	Template *message.Template
	List     string         // path of the patient list
	Read     roster.Options // PhoneColumn, NameColumn, Encoding; Region and OptOut are filled in
	Vars     map[string]string
	Select   *Selection // nil: every row
	Test     bool       // only the test group, marked as a test
	Smart    bool       // smart encoding
	Again    bool       // send also to numbers that already received the text
	Ack      bool       // ask patients to reply (the template's ack: true, or --ack)
	ID       string     // --campaign, rendered; empty: found by the message
	// ReportDir is where the reports go (absolute), recorded with the campaign (MetaReportDir).
	ReportDir string
	// RecipientsOf takes the recipients from an earlier campaign instead of List; Only narrows
	// them (OnlyReached, …).
	RecipientsOf string
	Only         string
	Now          time.Time
}

// Plan is a send before it is written to the journal: one delivery per message to send, one
// skipped delivery per row that cannot receive SMS, and how it relates to earlier campaigns.
type Plan struct {
	In         Input
	List       *roster.List
	Deliveries []journal.Delivery
	Key        Key
	Resolution *Resolution
	Timing     schedule.Decision

	firstRow  roster.Row // the first recipient, whose message the summary shows
	firstBody string
	skipped   map[roster.Class]int
	replaced  map[[2]string]bool // look-alike characters smart encoding replaced
}

// ClassProvider marks rows the provider cannot text (Karaden: Japanese mobiles only).
const ClassProvider roster.Class = "provider"

// langColumns are the headers a per-patient language may come from.
var langColumns = []string{"lang", "言語", "language"}

// Prepare reads the list, selects the rows, renders every message, applies what the provider
// refuses and resolves the send against the journal j (nil when there is none yet). It writes
// nothing. A problem with the input is an *InputError.
func Prepare(ctx context.Context, j *journal.Journal, in Input) (*Plan, error) {
	loc := in.Settings.Location
	if loc == nil {
		loc = time.Local
	}
	now := in.Now.In(loc)
	optOut, err := OptOuts(ctx, in.Settings, j)
	if err != nil {
		return nil, err
	}
	if in.Ack {
		ok, why := false, "this provider cannot receive replies"
		if in.Provider.Replies != nil {
			ok, why = in.Provider.Replies()
		}
		if !ok {
			return nil, bad("send without --ack (and without a template that asks for a reply), or send from a phone number that can receive SMS",
				"--ack: %s: %s", in.Provider.Name, why)
		}
	}
	var list *roster.List
	if in.RecipientsOf != "" {
		if list, err = recipientsOf(ctx, j, in.RecipientsOf, in.Only); err != nil {
			return nil, err
		}
		for i, r := range list.Rows {
			if r.Class == roster.Sendable && optOut[r.E164] {
				list.Rows[i].Class, list.Rows[i].Reason = roster.OptedOut, "opted out"
			}
		}
	} else if in.List == "" && in.Test {
		list = &roster.List{} // a test send needs only the test group
	} else {
		read := in.Read
		read.Region = in.Settings.Region
		read.OptOut = func(e164 string) bool { return optOut[e164] }
		if list, err = roster.Load(in.List, read); err != nil {
			return nil, inputErr(err, "fix the list and run the command again: nothing was sent")
		}
	}
	if in.Select != nil {
		if err := in.Select.Apply(list, now); err != nil {
			return nil, err
		}
	}
	if in.Test {
		if list, err = LoadTestGroup(in.Settings.TestGroup, in.Settings.Region, list); err != nil {
			return nil, err
		}
	}
	p, err := build(in, list, now)
	if err != nil {
		return nil, inputErr(err, "")
	}
	if err := p.applyProvider(); err != nil {
		return nil, err
	}
	p.Key = Key{Lang: in.Settings.Lang, Vars: in.Vars, Test: in.Test, Smart: in.Smart, Ack: in.Ack, Follows: in.RecipientsOf, Only: in.Only,
		Drill: !in.Provider.Real}
	if in.Template.AdHoc {
		p.Key.Body = in.Template.Texts[""].Body
	} else {
		p.Key.Template = in.Template.Name
	}
	p.Timing = schedule.Decide(in.Template.Class, in.Settings.QuietHours, now)
	if p.Sendable() == 0 {
		return p, nil
	}
	if p.Resolution, err = Resolve(ctx, j, p.resolveInput()); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Plan) resolveInput() ResolveInput {
	window := p.In.Settings.RepeatWindow
	if p.In.RecipientsOf != "" {
		// A follow-up is sent on purpose to people an earlier campaign reached (a second wave to
		// the unconfirmed is the same text again): no repeat check, but the same follow-up run
		// again still resumes instead of texting twice.
		window = -1
	}
	return ResolveInput{Key: p.Key, ID: p.In.ID, Plan: p.Deliveries, RepeatWindow: window,
		Again: p.In.Again, Now: p.In.Now, Location: p.In.Settings.Location}
}

// Sendable is how many messages the list holds for this send, before earlier campaigns are
// taken into account.
func (p *Plan) Sendable() int {
	n := 0
	for _, d := range p.Deliveries {
		if d.State == journal.Pending {
			n++
		}
	}
	return n
}

// ToSend is how many messages a run of the plan will send.
func (p *Plan) ToSend() int {
	if p.Resolution == nil {
		return p.Sendable()
	}
	return p.Resolution.ToSend()
}

// NoMatch reports a selection that left no row at all (not an error: a cron run on a day
// without appointments).
func (p *Plan) NoMatch() bool {
	return len(p.List.Rows) == 0 && p.In.Select != nil && p.In.Select.Narrowed()
}

// build renders the message for every row that can receive it and lays out the deliveries.
// Patients who share a number and would get the identical text get one message together; when
// their texts differ (personalised), each gets their own.
func build(in Input, list *roster.List, now time.Time) (*Plan, error) {
	env := RenderEnv(in.Settings.Clinic, in.Settings.Lang, now, in.Smart)
	for k, v := range in.Vars {
		env.Vars[k] = v
	}
	var inputs []message.Input
	var rows []roster.Row
	for _, r := range list.Rows {
		if r.Class != roster.Sendable && r.Class != roster.Duplicate {
			continue
		}
		fields := make(map[string]string, len(r.Fields)+2)
		for k, v := range r.Fields {
			fields[k] = v
		}
		fields["Name"] = r.Name
		fields["Phone"] = r.E164
		mi := message.Input{Row: r.Row, Fields: fields}
		for _, c := range langColumns {
			if v := strings.TrimSpace(r.Fields[c]); v != "" {
				mi.Lang = v
				break
			}
		}
		inputs = append(inputs, mi)
		rows = append(rows, r)
	}
	rendered, err := in.Template.RenderEach(inputs, env)
	if err != nil {
		return nil, err
	}
	body := make(map[int]string, len(rows))
	replaced := map[[2]string]bool{}
	for i, r := range rows {
		for _, rep := range rendered[i].Replacements {
			replaced[[2]string{rep.From, rep.To}] = true
		}
		b := rendered[i].Body
		if in.Ack {
			b += ReplyInstruction(rendered[i].Lang)
		}
		if in.Test && !strings.Contains(b, strings.TrimSpace(TestMarker(rendered[i].Lang))) {
			b = TestMarker(rendered[i].Lang) + b
		}
		body[r.Row] = b
	}

	p := &Plan{In: in, List: list, skipped: map[roster.Class]int{}, replaced: replaced}
	shared := map[string]int{} // number + text → index of its delivery
	for _, r := range list.Rows {
		patient := journal.Patient{Row: r.Row, Name: r.Name, Phone: r.Phone, Column: r.PhoneColumn, Fields: r.Fields}
		b, ok := body[r.Row]
		if !ok {
			p.skipped[r.Class]++
			p.Deliveries = append(p.Deliveries, journal.Delivery{
				Patients: []journal.Patient{patient}, To: r.E164,
				State: journal.Skipped, Reason: r.Reason,
			})
			continue
		}
		key := r.E164 + "\x00" + b
		if i, ok := shared[key]; ok {
			p.Deliveries[i].Patients = append(p.Deliveries[i].Patients, patient)
			continue
		}
		if p.firstBody == "" {
			p.firstRow, p.firstBody = r, b
		}
		shared[key] = len(p.Deliveries)
		p.Deliveries = append(p.Deliveries, journal.Delivery{
			Patients: []journal.Patient{patient}, To: r.E164, Body: b,
			Segments: message.Count(b).Segments, State: journal.Pending,
		})
	}
	for i := range p.Deliveries {
		p.Deliveries[i].Seq = i
	}
	return p, nil
}

// applyProvider refuses, before anything exists, what the provider would refuse: a message longer
// than it takes is an error naming the rows; a number it cannot text is skipped with its reason
// and goes on the call list.
func (p *Plan) applyProvider() error {
	prov := p.In.Provider
	var long []int
	longest := 0
	for i := range p.Deliveries {
		d := &p.Deliveries[i]
		if d.State != journal.Pending {
			continue
		}
		if prov.Sendable != nil {
			if ok, reason := prov.Sendable(d.To); !ok {
				d.State, d.Reason, d.Body, d.Segments = journal.Skipped, reason, "", 0
				p.skipped[ClassProvider] += len(d.Patients)
				continue
			}
		}
		if n := message.Count(d.Body).Characters; prov.MaxChars > 0 && n > prov.MaxChars {
			longest = max(longest, n)
			for _, pt := range d.Patients {
				long = append(long, pt.Row)
			}
		}
	}
	if len(long) > 0 {
		return bad("shorten the message or the --var values: nothing was sent and no campaign was created",
			"the message is %d characters long for %s, and %s sends at most %d", longest, RowsText(long), prov.Name, prov.MaxChars)
	}
	// The first message shown is one that is sent.
	if p.firstBody != "" {
		p.firstBody = ""
		for _, d := range p.Deliveries {
			if d.State == journal.Pending {
				p.firstBody = d.Body
				for _, r := range p.List.Rows {
					if r.Row == d.Patients[0].Row {
						p.firstRow = r
						break
					}
				}
				break
			}
		}
	}
	return nil
}

// RowsText names rows as "row 7" or "rows 2, 3, 5 and 12 more".
func RowsText(rows []int) string {
	const show = 10
	parts := make([]string, 0, show)
	for _, r := range rows[:min(len(rows), show)] {
		parts = append(parts, fmt.Sprint(r))
	}
	s := strings.Join(parts, ", ")
	if len(rows) > show {
		s += fmt.Sprintf(" and %d more", len(rows)-show)
	}
	if len(rows) == 1 {
		return "row " + s
	}
	return "rows " + s
}

// OptOuts gathers the numbers that must not be texted: the config's opt-out file and the
// numbers providers reported as opted out (j may be nil).
func OptOuts(ctx context.Context, s Settings, j *journal.Journal) (map[string]bool, error) {
	out := map[string]bool{}
	if j != nil {
		m, err := j.OptedOut(ctx)
		if err != nil {
			return nil, err
		}
		out = m
	}
	if s.OptoutFile != "" {
		nums, err := roster.LoadOptOut(s.OptoutFile, s.Region)
		if err != nil {
			return nil, inputErr(err, "fix optout_file in the config")
		}
		for _, n := range nums {
			out[n] = true
		}
	}
	return out, nil
}

// regionOf is the ISO region of an E.164 number, for pricing.
func regionOf(e164 string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	return phonenumbers.GetRegionCodeForNumber(n)
}

// sortedClasses lists the classes of m in a stable order.
func sortedClasses(m map[roster.Class]int) []roster.Class {
	cs := make([]roster.Class, 0, len(m))
	for c := range m {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, k int) bool { return cs[i] < cs[k] })
	return cs
}

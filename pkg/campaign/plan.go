package campaign

import (
	"context"
	"fmt"
	"hash/maphash"
	"slices"
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
	In   Input
	List *roster.List
	// Deliveries are the messages and skipped rows, in list order. In a plan streamed from its
	// file, each delivery's Patients holds only its first patient until Create (Reach counts them
	// all): a million rows of one number are a million row numbers, not a million patients.
	Deliveries []journal.Delivery
	Key        Key
	Resolution *Resolution
	Timing     schedule.Decision

	rows      int             // rows of the list the plan is for, after the selection
	firstRow  journal.Patient // the first recipient, whose message the summary shows
	firstBody string
	skipped   map[roster.Class]int
	replaced  map[[2]string]bool // look-alike characters smart encoding replaced

	// fields is set when the list was streamed from its file: the plan holds of its patients
	// only their rows, and Create reads the rest (name, number, the cells the journal keeps for
	// follow-ups) again from the file.
	fields *refill
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
	var p *Plan
	switch {
	case in.RecipientsOf != "":
		if list, err = recipientsOf(ctx, j, in.RecipientsOf, in.Only); err != nil {
			return nil, err
		}
		for i, r := range list.Rows {
			if r.Class == roster.Sendable && optOut[r.E164] {
				list.Rows[i].Class, list.Rows[i].Reason = roster.OptedOut, "opted out"
			}
		}
	case in.List == "" && in.Test:
		list = &roster.List{} // a test send needs only the test group
	case in.Test:
		// The test group takes its members' fields from the patient list: read it whole.
		if list, err = roster.Load(in.List, listOptions(in, optOut)); err != nil {
			return nil, inputErr(err, "fix the list and run the command again: nothing was sent")
		}
	default:
		if p, err = stream(in, optOut, now); err != nil {
			return nil, err
		}
	}
	if p == nil {
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
		if p, err = build(in, list, now); err != nil {
			return nil, inputErr(err, "")
		}
	}
	if err := p.checkRegion(); err != nil {
		return nil, err
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

// Reach is how many patients delivery i of the plan reaches.
func (p *Plan) Reach(i int) int {
	if p.compact() {
		return p.fields.counts[i]
	}
	return len(p.Deliveries[i].Patients)
}

// rowsOf appends the rows of delivery i's patients, in list order, to dst.
func (p *Plan) rowsOf(dst []int, i int) []int {
	if !p.compact() {
		for _, pt := range p.Deliveries[i].Patients {
			dst = append(dst, pt.Row)
		}
		return dst
	}
	start, rows := p.fields.groups()
	for _, r := range rows[start[i]:start[i+1]] {
		dst = append(dst, int(r))
	}
	return dst
}

// compact reports whether the plan holds only the rows of its patients (a streamed plan before
// Create).
func (p *Plan) compact() bool { return p.fields != nil && p.fields.counts != nil }

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
	return p.rows == 0 && p.In.Select != nil && p.In.Select.Narrowed()
}

// Loaded is the list with its rows, for what needs every cell of them after the send (the call
// list's columns): the plan's own list when it holds the rows (a follow-up, a test send), else
// the list's file read again as the plan read it, since the plan streamed it and kept only the
// deliveries; nil when the file can no longer be read.
// ListRead is how the plan read its list file, to read it again the same way (phone and name
// columns, encoding, region); ok is false when the plan's list is not a file it read (a test
// send, a follow-up: Loaded is the list).
func (p *Plan) ListRead() (read roster.Options, ok bool) {
	if p.fields == nil {
		return roster.Options{}, false
	}
	return p.fields.read, true
}

func (p *Plan) Loaded() *roster.List {
	if p.fields == nil {
		return p.List
	}
	l, err := roster.Load(p.In.List, p.fields.read)
	if err != nil {
		return nil
	}
	return l
}

func listOptions(in Input, optOut map[string]bool) roster.Options {
	read := in.Read
	read.Region = in.Settings.Region
	read.OptOut = func(e164 string) bool { return optOut[e164] }
	return read
}

// stream plans a send to the list file in.List without holding the list: each row is selected,
// rendered and added to its delivery as it is read. A million rows of one number cost the
// deliveries' patients (a few dozen bytes each), not a million rows with every cell.
// Errors come in the order reading the whole list first gives: the list, then the selection,
// then the messages.
func stream(in Input, optOut map[string]bool, now time.Time) (*Plan, error) {
	read := listOptions(in, optOut)
	var header []string
	read.Opened = func(m roster.Meta) { header = m.Header }
	sel := in.Select.start(now)
	b, berr := newBuilder(in, now, false)
	meta, err := roster.Scan(in.List, read, func(r roster.Row) error {
		if sel.keep(header, r) && b != nil {
			b.add(r)
		}
		return nil
	})
	if err != nil {
		return nil, inputErr(err, "fix the list and run the command again: nothing was sent")
	}
	list := &roster.List{
		Path: meta.Path, Encoding: meta.Encoding, Delimiter: meta.Delimiter, Header: meta.Header,
		PhoneColumn: meta.PhoneColumn, NameColumn: meta.NameColumn,
		PhoneColumns: meta.PhoneColumns, BlankRows: meta.BlankRows, Shared: meta.Shared,
		NumberColumns: meta.NumberColumns, IDColumn: meta.IDColumn, KanaColumn: meta.KanaColumn,
		NotesColumn: meta.NotesColumn,
	}
	if err := sel.finish(list.Header, list.Path); err != nil {
		return nil, err
	}
	if berr != nil {
		return nil, inputErr(berr, "")
	}
	p, err := b.finish(list)
	if err != nil {
		return nil, inputErr(err, "")
	}
	read.Opened = nil
	p.fields.read = read
	return p, nil
}

// build renders the message for every row of a list held in memory and lays out the deliveries.
func build(in Input, list *roster.List, now time.Time) (*Plan, error) {
	b, err := newBuilder(in, now, true)
	if err != nil {
		return nil, err
	}
	for _, r := range list.Rows {
		b.add(r)
	}
	return b.finish(list)
}

// builder lays out the deliveries row by row, in list order. Patients who share a number and
// would get the identical text get one message together; when their texts differ
// (personalised), each gets their own.
type builder struct {
	in     Input
	r      *message.Renderer
	p      *Plan
	err    error // one that stops the render: no row after it is added
	failed bool  // a row's message has a problem, which the renderer reports at the end

	keepFields bool                // the rows stay in memory: the patients keep their Fields
	shared     map[deliveryKey]int // number and text → index of its delivery
	bodies     map[string]bodyInfo // the texts seen, so a million identical messages are one string
	names      map[string]string   // likewise for the patients' names, in a list that repeats them

	// The patients of every delivery of a plan held in memory, in row order, in chunks of fixed
	// size, and how many each delivery has: a delivery that a million rows share would otherwise
	// grow its Patients a million times over, copying five times its size. (A streamed plan keeps
	// only rows: refill.members.)
	chunks [][]planned
	counts []int
}

// planned is a patient on the way to delivery d.
type planned struct {
	d int
	journal.Patient
}

const chunkSize = 4096

type deliveryKey struct{ to, body string }

type bodyInfo struct {
	body     string
	segments int
}

// maxBodies bounds builder.bodies and builder.names: personalised texts differ on every row,
// and most lists name every patient once.
const maxBodies = 4096

func newBuilder(in Input, now time.Time, keepFields bool) (*builder, error) {
	env := RenderEnv(in.Settings.Clinic, in.Settings.Lang, now, in.Smart)
	for k, v := range in.Vars {
		env.Vars[k] = v
	}
	r, err := in.Template.NewRenderer(env)
	if err != nil {
		return nil, err
	}
	b := &builder{in: in, r: r, keepFields: keepFields, shared: map[deliveryKey]int{}, bodies: map[string]bodyInfo{}, names: map[string]string{},
		p: &Plan{In: in, skipped: map[roster.Class]int{}, replaced: map[[2]string]bool{}}}
	if !keepFields {
		b.p.fields = &refill{seed: maphash.MakeSeed()}
	}
	return b, nil
}

// add renders row r's message, if it can receive one, and adds it to its delivery.
func (b *builder) add(r roster.Row) {
	if b.err != nil {
		return
	}
	p := b.p
	p.rows++
	patient := journal.Patient{Row: r.Row, Name: r.Name, Phone: r.Phone, Column: r.PhoneColumn, Fields: r.Fields}
	if !b.keepFields {
		// The name is a slice of the row as read: a copy lets the rest of the row go.
		patient.Name, patient.Fields = b.name(r.Name), nil
		p.fields.add(r)
	}
	if r.Class != roster.Sendable && r.Class != roster.Duplicate {
		p.skipped[r.Class]++
		b.put(len(p.Deliveries), patient)
		p.Deliveries = append(p.Deliveries, journal.Delivery{To: r.E164, State: journal.Skipped, Reason: r.Reason,
			Patients: b.first(patient)})
		return
	}
	mi := message.Input{Row: r.Row, Fields: r.Fields, Person: true, Name: r.Name, Phone: r.E164}
	for _, c := range langColumns {
		if v := strings.TrimSpace(r.Fields[c]); v != "" {
			mi.Lang = v
			break
		}
	}
	rd, ok, err := b.r.Render(mi)
	if err != nil {
		b.err = err
		return
	}
	if !ok {
		b.failed = true
	}
	if b.failed {
		return // no plan comes of it: only the problems of the other rows matter
	}
	for _, rep := range rd.Replacements {
		p.replaced[[2]string{rep.From, rep.To}] = true
	}
	body := rd.Body
	if b.in.Ack {
		body += ReplyInstruction(rd.Lang)
	}
	if b.in.Test && !strings.Contains(body, strings.TrimSpace(TestMarker(rd.Lang))) {
		body = TestMarker(rd.Lang) + body
	}
	bi, seen := b.bodies[body]
	if !seen {
		bi = bodyInfo{body: body, segments: message.Count(body).Segments}
		if len(b.bodies) < maxBodies {
			b.bodies[body] = bi
		}
	}
	key := deliveryKey{r.E164, bi.body}
	if i, ok := b.shared[key]; ok {
		b.put(i, patient)
		return
	}
	if p.firstBody == "" {
		p.firstRow, p.firstBody = patient, bi.body
	}
	b.shared[key] = len(p.Deliveries)
	b.put(len(p.Deliveries), patient)
	p.Deliveries = append(p.Deliveries, journal.Delivery{To: r.E164, Body: bi.body, Segments: bi.segments, State: journal.Pending,
		Patients: b.first(patient)})
}

// first is the Patients a new delivery starts with: its first patient in a streamed plan, which
// holds no other (the summary and the dry run show them); none while the rows stay in memory,
// where finish lays them all out.
func (b *builder) first(pt journal.Patient) []journal.Patient {
	if b.keepFields {
		return nil
	}
	return []journal.Patient{pt}
}

// put adds a patient to delivery d (which may be the next one).
func (b *builder) put(d int, pt journal.Patient) {
	if !b.keepFields {
		f := b.p.fields
		f.members = append(f.members, member{row: int32(pt.Row), d: int32(d)})
		if d == len(f.counts) {
			f.counts = append(f.counts, 0)
		}
		f.counts[d]++
		return
	}
	if k := len(b.chunks); k == 0 || len(b.chunks[k-1]) == chunkSize {
		b.chunks = append(b.chunks, make([]planned, 0, chunkSize))
	}
	k := len(b.chunks) - 1
	b.chunks[k] = append(b.chunks[k], planned{d, pt})
	if d == len(b.counts) {
		b.counts = append(b.counts, 0)
	}
	b.counts[d]++
}

// name is n, copied once for all the rows that repeat it.
func (b *builder) name(n string) string {
	if v, ok := b.names[n]; ok {
		return v
	}
	n = strings.Clone(n)
	if len(b.names) < maxBodies {
		b.names[n] = n
	}
	return n
}

// finish returns the plan for list, or the problems of the rows whose message could not be
// rendered.
func (b *builder) finish(list *roster.List) (*Plan, error) {
	if b.err != nil {
		return nil, b.err
	}
	if err := b.r.Err(); err != nil {
		return nil, err
	}
	p := b.p
	p.List = list
	for i := range p.Deliveries {
		p.Deliveries[i].Seq = i
	}
	if !b.keepFields {
		if p.fields.counts == nil {
			p.fields.counts = []int{} // compact, with no delivery
		}
		return p, nil
	}
	for i := range p.Deliveries {
		p.Deliveries[i].Patients = make([]journal.Patient, 0, b.counts[i])
	}
	for k, c := range b.chunks {
		for _, x := range c {
			p.Deliveries[x.d].Patients = append(p.Deliveries[x.d].Patients, x.Patient)
		}
		b.chunks[k] = nil
	}
	b.chunks = nil
	return p, nil
}

// refill holds the patients of a plan that streamed its list, as their rows, and reads the rest of
// them (name, number, column, cells) again from the list's file for Create. The plan keeps a
// checksum of the rows it holds (their numbers and cells), so that a list edited between the
// plan and Create (while the user confirms) is refused rather than recorded with cells the
// messages were not rendered from.
type refill struct {
	read roster.Options
	seed maphash.Seed
	sum  uint64
	rows int

	// members are the plan's patients in list order; counts, how many each delivery has (nil
	// once fill has laid the patients out in full).
	members []member
	counts  []int
	// start and byDelivery group the members' rows by delivery (those of delivery i are
	// byDelivery[start[i]:start[i+1]]), made when first asked for.
	start      []int
	byDelivery []int32
}

// member is a patient of a streamed plan: their row, and the delivery they are on. A list holds
// fewer than 2³¹ rows (roster.MaxBytes).
type member struct{ row, d int32 }

// groups returns the members' rows grouped by delivery.
func (f *refill) groups() (start []int, rows []int32) {
	if f.start == nil {
		f.start = make([]int, len(f.counts)+1)
		for i, n := range f.counts {
			f.start[i+1] = f.start[i] + n
		}
		next := slices.Clone(f.start[:len(f.counts)])
		f.byDelivery = make([]int32, len(f.members))
		for _, m := range f.members {
			f.byDelivery[next[m.d]] = m.row
			next[m.d]++
		}
	}
	return f.start, f.byDelivery
}

func (f *refill) add(r roster.Row) {
	f.sum = f.sum*1099511628211 + rowSum(f.seed, r)
	f.rows++
}

// rowSum is a checksum of a row's number and cells, whatever the order of the cells.
func rowSum(seed maphash.Seed, r roster.Row) uint64 {
	h := maphash.Comparable(seed, r.Row)
	for k, v := range r.Fields {
		h += maphash.Comparable(seed, [2]string{k, v})
	}
	return h
}

// fill lays out every patient of p in full, read again from the list's file: the rows come in
// the order the plan was made in, so its members are matched as they come.
func (f *refill) fill(p *Plan) error {
	if f.counts == nil {
		return nil // already filled
	}
	patients := make([][]journal.Patient, len(p.Deliveries))
	for i := range patients {
		patients[i] = make([]journal.Patient, 0, f.counts[i])
	}
	var sum uint64
	k := 0
	_, err := roster.Scan(p.In.List, f.read, func(r roster.Row) error {
		if k == len(f.members) || int(f.members[k].row) != r.Row {
			return nil
		}
		d := f.members[k].d
		k++
		patients[d] = append(patients[d], journal.Patient{Row: r.Row, Name: r.Name, Phone: r.Phone, Column: r.PhoneColumn, Fields: r.Fields})
		sum = sum*1099511628211 + rowSum(f.seed, r)
		return nil
	})
	if err != nil || k != len(f.members) || k != f.rows || sum != f.sum {
		return bad("run the same command again once the list is saved: nothing was sent and no campaign was created",
			"%s changed while the send was being prepared", p.In.List)
	}
	for i := range p.Deliveries {
		p.Deliveries[i].Patients = patients[i]
	}
	f.members, f.counts, f.start, f.byDelivery = nil, nil, nil, nil
	return nil
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
				p.skipped[ClassProvider] += p.Reach(i)
				continue
			}
		}
		if n := message.Count(d.Body).Characters; prov.MaxChars > 0 && n > prov.MaxChars {
			longest = max(longest, n)
			long = p.rowsOf(long, i)
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
				p.firstBody, p.firstRow = d.Body, d.Patients[0]
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

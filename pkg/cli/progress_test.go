package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/i18n"
	"github.com/smscast/smscast/pkg/journal"
)

var jst = time.FixedZone("JST", 9*3600)

// fakeClock is a clock a test moves by hand, in the clinic's timezone.
type fakeClock struct{ t time.Time }

func newFakeClock(h, m, s int) *fakeClock {
	return &fakeClock{t: time.Date(2026, 12, 2, h, m, s, 0, jst)}
}

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// delivery is the event of the done-th delivery of a run, to one patient on row done+1.
func delivery(done int, to string) campaign.Event {
	return campaign.Event{Kind: campaign.EventDelivery, Done: done,
		Delivery: journal.Delivery{To: to, State: journal.Submitted, Patients: []journal.Patient{{Row: done + 1}}}}
}

// The pause line a clinic manager reads in the log says why and for how long, in both languages;
// it is the engine's sentence (pkg/broadcast's breaker), which carries the provider's reason.
func TestThePauseLineSaysWhyAndForHowLong(t *testing.T) {
	const message = "the provider failed 5 times in a row (last: Twilio had an internal error (code 20500)): pausing 2s before trying again"
	tests := []struct {
		lang string
		want string
	}{
		{i18n.EN, "10:02:03 the provider failed 5 times in a row (last: Twilio had an internal error (code 20500)): pausing 2s before trying again\n"},
		{i18n.JA, "10:02:03 送信サービスへの送信が5回続けて失敗しました(最後の理由: Twilio had an internal error (code 20500))。2s待ってから送信を再開します\n"},
	}
	for _, tt := range tests {
		for _, tty := range []bool{false, true} {
			var stderr bytes.Buffer
			clk := newFakeClock(10, 2, 3)
			d := &Deps{Stdout: &bytes.Buffer{}, Stderr: &stderr, StderrTTY: tty, Now: clk.now}
			pr := newPrinter(d, true, false, jst, i18n.For(tt.lang))
			pr.event(campaign.Event{Kind: campaign.EventStart, Total: 0})
			pr.event(campaign.Event{Kind: campaign.EventPause, Message: message, Wait: 2 * time.Second})
			pr.finish()
			if got := stderr.String(); got != tt.want {
				t.Errorf("%s, terminal %t:\ngot  %q\nwant %q", tt.lang, tty, got, tt.want)
			}
		}
	}
}

// Without a terminal, a line every 5 s says how far the run is: cron's log shows it is alive.
func TestTheLinePrinterWritesALineEveryFiveSeconds(t *testing.T) {
	var w bytes.Buffer
	clk := newFakeClock(9, 30, 0)
	l := &linePrinter{w: &w, now: clk.now, loc: jst, interval: progressInterval}
	l.event(campaign.Event{Kind: campaign.EventStart, Total: 3})
	clk.advance(time.Second)
	l.event(delivery(1, "+819012345601"))
	clk.advance(5 * time.Second)
	fail := delivery(2, "+819012345602")
	fail.Err = errors.New("refused")
	l.event(fail)
	clk.advance(time.Second)
	l.event(delivery(3, "+819012345603"))
	l.finish()
	l.end(sendResult{})
	if got, want := w.String(), "09:30:06 sent 2 of 3 (1 failed)\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// --events is a JSON object a line: start, each delivery with its number masked, progress every
// 5 s, a pause with its message, the end with the result.
func TestTheNDJSONPrinterWritesOneEventALine(t *testing.T) {
	var w bytes.Buffer
	clk := newFakeClock(9, 30, 0)
	n := newNDJSONPrinter(&w, clk.now, jst)
	n.event(campaign.Event{Kind: campaign.EventStart, Total: 2})
	clk.advance(6 * time.Second)
	n.event(delivery(1, "+819012345601"))
	n.event(campaign.Event{Kind: campaign.EventPause, Message: "the provider failed 5 times in a row (last: x): pausing 2s before trying again"})
	n.event(delivery(2, "+819012345602"))
	n.finish()
	n.end(sendResult{Campaign: "c1", Accepted: 2})
	want := `{"event":"start","time":"2026-12-02T09:30:00+09:00","total":2}
{"event":"delivery","time":"2026-12-02T09:30:06+09:00","done":1,"total":2,"rows":[2],"to":"+81 90-****-5601","state":"submitted"}
{"event":"progress","time":"2026-12-02T09:30:06+09:00","done":1,"total":2}
{"event":"pause","time":"2026-12-02T09:30:06+09:00","message":"the provider failed 5 times in a row (last: x): pausing 2s before trying again"}
{"event":"delivery","time":"2026-12-02T09:30:06+09:00","done":2,"total":2,"rows":[3],"to":"+81 90-****-5602","state":"submitted"}
`
	got := w.String()
	end, _ := strings.CutPrefix(got, want)
	if !strings.HasPrefix(got, want) {
		t.Fatalf("got\n%s\nwant it to begin\n%s", got, want)
	}
	var last ndjson
	if err := json.Unmarshal([]byte(end), &last); err != nil || last.Event != "end" || last.Done != 2 || last.Result == nil || last.Result.Campaign != "c1" {
		t.Errorf("end line %q: %+v %v", end, last, err)
	}
}

// newPrinter composes: NDJSON on stdout with --events, and a bar on a terminal or lines in a log
// on stderr.
func TestNewPrinterComposesByTerminalAndEvents(t *testing.T) {
	tests := []struct {
		name        string
		tty, events bool
		want        string
	}{
		{"a log without --events", false, false, "*cli.linePrinter"},
		{"a terminal without --events", true, false, "*cli.barPrinter"},
		{"a log with --events", false, true, "*cli.ndjsonPrinter *cli.linePrinter"},
		{"a terminal with --events", true, true, "*cli.ndjsonPrinter *cli.barPrinter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Deps{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, StderrTTY: tt.tty, Now: time.Now}
			var got []string
			for _, p := range newPrinter(d, false, tt.events, jst, nil).(printers) {
				got = append(got, typeName(p))
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("printers %v, want %s", got, tt.want)
			}
		})
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

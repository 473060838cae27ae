package schedule

import (
	"fmt"
	"strings"
	"time"
)

// Template classes, as templates declare them in their "# class:" line.
const (
	ClassEmergency = "emergency"
	ClassReminder  = "reminder"
	ClassTest      = "test"
)

// Decision is what the quiet-hours rule says about sending a class of message now.
type Decision struct {
	Class string
	// Wait is true when now is inside quiet hours and the class respects them: the run waits
	// until Until, or with --no-wait leaves its deliveries pending for the next run.
	Wait  bool
	Until time.Time // the end of the window, in its location; zero when Wait is false
	// Summary is one sentence for the run summary saying which rule applied, e.g.
	// "reminder: quiet hours 21:00–08:00 (Asia/Tokyo): waiting until 08:00 tomorrow".
	Summary string
}

// Respects reports whether messages of a class wait for quiet hours to end. Only emergency
// messages ignore them. Tests respect them: a test is never urgent, and it often goes to
// volunteer patients who should not be woken to check a system; a nurse who wants a night test
// sends it to the nurses with quiet hours switched off. A class that is empty or unknown respects
// them too, since sending at night by mistake is the worse error.
func Respects(class string) bool {
	return !strings.EqualFold(strings.TrimSpace(class), ClassEmergency)
}

// Decide applies the quiet-hours rule to a class of message at now.
func Decide(class string, qh QuietHours, now time.Time) Decision {
	class = strings.ToLower(strings.TrimSpace(class))
	name := class
	if name == "" {
		name = "messages"
	}
	d := Decision{Class: class}
	switch {
	case qh.IsZero():
		d.Summary = name + ": no quiet hours set: sending now"
	case !Respects(class):
		d.Summary = fmt.Sprintf("%s messages ignore quiet hours %s: sending now", class, qh)
	case !qh.Contains(now):
		d.Summary = fmt.Sprintf("%s: outside quiet hours %s: sending now", name, qh)
	default:
		d.Wait = true
		d.Until = qh.End(now)
		d.Summary = fmt.Sprintf("%s: quiet hours %s: waiting until %s", name, qh, when(d.Until, now.In(qh.Location())))
	}
	return d
}

// when writes the end of a wait as 08:00, 08:00 tomorrow, or 08:00 on 2026-11-23.
func when(t, now time.Time) string {
	s := t.Format("15:04")
	ty, tm, td := t.Date()
	ny, nm, nd := now.Date()
	switch {
	case ty == ny && tm == nm && td == nd:
		return s
	case time.Date(ny, nm, nd+1, 0, 0, 0, 0, time.UTC).Equal(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)):
		return s + " tomorrow"
	}
	return s + " on " + t.Format("2006-01-02")
}

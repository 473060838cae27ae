// Package schedule decides when a message may go out: quiet hours, and which template classes
// respect them.
package schedule

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	// The standard library's copy of the tz database, so that Asia/Tokyo loads on a Windows laptop
	// or a minimal container without one. A blank import, against the house habit, because this is
	// the documented way to embed it (the alternative, -tags timetzdata, is easy to forget in a
	// build script); it registers nothing of ours.
	_ "time/tzdata"

	"golang.org/x/text/unicode/norm"
)

// LoadLocation loads a time zone by its IANA name (Asia/Tokyo, America/New_York). "" and "Local"
// mean the computer's own zone; "UTC" is UTC.
func LoadLocation(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q is unknown: write an IANA name such as Asia/Tokyo or America/New_York", name)
	}
	return loc, nil
}

// QuietHours is a daily window of wall-clock time in one location during which messages that
// respect it are not sent. The zero QuietHours is no window: it contains no time.
type QuietHours struct {
	start, end int // seconds after midnight; end < start when the window wraps past midnight
	loc        *time.Location
	set        bool
}

var (
	quietSeparators = strings.NewReplacer("–", "-", "—", "-", "−", "-", "〜", "-", "~", "-", "から", "-", " ", "")
	clockRe         = regexp.MustCompile(`^(\d{1,2})(?::(\d{2})|時(?:(\d{1,2})分)?)?$`)
)

// ParseQuietHours reads a window such as "21:00-08:00" (which wraps past midnight) or
// "12:00-13:00", in loc (nil means the computer's own zone). The start is inside the window and
// the end is not. "" means no quiet hours. Times may be written 8:00, 08:00, 8 or 8時; the end may be
// 24:00; the dash may be –, 〜 or ~, and full-width digits are fine.
func ParseQuietHours(spec string, loc *time.Location) (QuietHours, error) {
	if loc == nil {
		loc = time.Local
	}
	s := quietSeparators.Replace(strings.TrimSpace(norm.NFKC.String(spec)))
	if s == "" {
		return QuietHours{loc: loc}, nil
	}
	fail := func(format string, args ...any) (QuietHours, error) {
		return QuietHours{}, fmt.Errorf("quiet_hours %q: "+format, append([]any{spec}, args...)...)
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok || from == "" || to == "" || strings.Contains(to, "-") {
		return fail(`write a start and an end such as "21:00-08:00", or "" for no quiet hours`)
	}
	start, err := parseClock(from, false)
	if err != nil {
		return fail("%v", err)
	}
	end, err := parseClock(to, true)
	if err != nil {
		return fail("%v", err)
	}
	if end == 24*3600 {
		end = 0
	}
	if start == end {
		return fail(`the window starts and ends at the same time: write "" for no quiet hours`)
	}
	return QuietHours{start: start, end: end, loc: loc, set: true}, nil
}

func parseClock(s string, isEnd bool) (int, error) {
	m := clockRe.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a time of day: write it as HH:MM, e.g. 08:00", s)
	}
	h, _ := strconv.Atoi(m[1])
	mm := m[2] + m[3]
	mins := 0
	if mm != "" {
		mins, _ = strconv.Atoi(mm)
	}
	if h == 24 && mins == 0 && isEnd {
		return 24 * 3600, nil
	}
	if h > 23 || mins > 59 {
		return 0, fmt.Errorf("%q is not a time of day: write it from 00:00 to 23:59", s)
	}
	return h*3600 + mins*60, nil
}

// IsZero reports whether there are no quiet hours.
func (q QuietHours) IsZero() bool { return !q.set }

// Location is the zone the window is read in.
func (q QuietHours) Location() *time.Location {
	if q.loc == nil {
		return time.Local
	}
	return q.loc
}

// Contains reports whether t falls inside the window, read on the wall clock of the window's
// location.
func (q QuietHours) Contains(t time.Time) bool {
	if !q.set {
		return false
	}
	h, m, s := t.In(q.Location()).Clock()
	c := h*3600 + m*60 + s
	if q.start < q.end {
		return c >= q.start && c < q.end
	}
	return c >= q.start || c < q.end
}

// End returns when the window containing t ends, in the window's location; it returns t itself
// when t is outside the window. On a day when clocks change the end is still the first instant
// the wall clock reads the end time: if that time is skipped (02:30 when clocks jump from 02:00
// to 03:00), the window ends at the jump.
func (q QuietHours) End(t time.Time) time.Time {
	if !q.Contains(t) {
		return t
	}
	end := q.nextEnd(t)
	// Clocks that jump over the end can land straight in the next window (03:00-02:00 on the
	// night 02:00 is skipped): quiet hours then go on until that window ends.
	for i := 0; i < 2 && q.Contains(end); i++ {
		end = q.nextEnd(end)
	}
	return end
}

// nextEnd returns the first end of the window after t, for t inside it.
func (q QuietHours) nextEnd(t time.Time) time.Time {
	loc := q.Location()
	lt := t.In(loc)
	y, mo, d := lt.Date()
	h, m, s := lt.Clock()
	if q.start > q.end && h*3600+m*60+s >= q.start {
		d++ // the window wraps: it ends tomorrow morning
	}
	eh, em := q.end/3600, q.end%3600/60
	end := time.Date(y, mo, d, eh, em, 0, 0, loc)
	if gh, gm, _ := end.Clock(); gh != eh || gm != em {
		// The end time does not exist that day. time.Date moved it by the size of the jump;
		// the window ends at the jump itself.
		zs, ze := end.ZoneBounds()
		if gh*60+gm < eh*60+em {
			end = ze
		} else {
			end = zs
		}
	}
	if !end.After(t) {
		// The end time happens twice (clocks went back) and t is in the repeated hour: time.Date
		// gave the first occurrence; the window ends at the second.
		_, off1 := end.Zone()
		if _, ze := end.ZoneBounds(); !ze.IsZero() {
			_, off2 := ze.Zone()
			end = end.Add(time.Duration(off1-off2) * time.Second)
		}
	}
	return end.In(loc)
}

// String writes the window as 21:00–08:00 (Asia/Tokyo), or "none".
func (q QuietHours) String() string {
	if !q.set {
		return "none"
	}
	return fmt.Sprintf("%s–%s (%s)", clock(q.start), clock(q.end), q.Location())
}

func clock(sec int) string { return fmt.Sprintf("%02d:%02d", sec/3600, sec%3600/60) }

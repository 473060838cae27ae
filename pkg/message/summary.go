package message

import (
	"fmt"
	"sort"
	"strings"
)

// DefaultPartLimit is how many parts a message may take before the summary warns.
const DefaultPartLimit = 3

// Example is one message of a batch with its counts.
type Example struct {
	Index int // position in the bodies given to Summarize
	Body  string
	Info  Info
}

// Summary describes a batch of rendered messages for the pre-send summary.
type Summary struct {
	Messages  int
	Segments  int // total over all messages
	UCS2      int // messages sent as UCS-2
	Longest   Example
	Typical   Example // the median message by length
	PartLimit int
	OverLimit []int // indexes of messages taking more than PartLimit parts
	// ForcingUCS2 names the characters that force UCS-2 into otherwise GSM-7 messages, each once.
	ForcingUCS2 []string
	ForcedUCS2  int      // how many messages they affect
	Warnings    []string // plain sentences for the summary
}

// Summarize counts a batch with the default part limit (3).
func Summarize(bodies []string) Summary {
	return SummarizeLimit(bodies, DefaultPartLimit)
}

// SummarizeLimit counts a batch and warns about messages taking more than partLimit parts and
// about characters that force UCS-2 into otherwise GSM-7 messages. partLimit < 1 means the default.
func SummarizeLimit(bodies []string, partLimit int) Summary {
	if partLimit < 1 {
		partLimit = DefaultPartLimit
	}
	s := Summary{Messages: len(bodies), PartLimit: partLimit}
	if len(bodies) == 0 {
		return s
	}
	infos := make([]Info, len(bodies))
	seen := map[string]bool{}
	for i, b := range bodies {
		in := Count(b)
		infos[i] = in
		s.Segments += in.Segments
		if in.Encoding == UCS2 {
			s.UCS2++
		}
		if in.Segments > partLimit {
			s.OverLimit = append(s.OverLimit, i)
		}
		if len(in.UCS2Chars) > 0 {
			s.ForcedUCS2++
			for _, c := range in.UCS2Chars {
				if !seen[c] {
					seen[c] = true
					s.ForcingUCS2 = append(s.ForcingUCS2, c)
				}
			}
		}
		if i == 0 || longer(in, infos[s.Longest.Index]) {
			s.Longest = Example{Index: i, Body: b, Info: in}
		}
	}
	order := make([]int, len(bodies))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return longer(infos[order[b]], infos[order[a]]) })
	m := order[(len(order)-1)/2]
	s.Typical = Example{Index: m, Body: bodies[m], Info: infos[m]}

	if n := len(s.OverLimit); n > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf(
			"%d of %d messages take more than %d parts (the longest %d): some phones show parts out of order; shorten the text",
			n, s.Messages, partLimit, s.Longest.Info.Segments))
	}
	if len(s.ForcingUCS2) > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf(
			"%d of %d messages are sent as UCS-2 (70 characters a segment instead of 160) only because of %s: replace them or use --smart-encoding",
			s.ForcedUCS2, s.Messages, quoteChars(s.ForcingUCS2, 10)))
	}
	return s
}

// longer orders messages by segments, then by units.
func longer(a, b Info) bool {
	if a.Segments != b.Segments {
		return a.Segments > b.Segments
	}
	return a.Units > b.Units
}

// quoteChars writes “a” “b” … with invisible characters named by code point.
func quoteChars(cs []string, max int) string {
	var parts []string
	for i, c := range cs {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(cs)-max))
			break
		}
		parts = append(parts, describeChar(c))
	}
	return strings.Join(parts, " ")
}

// describeChar shows a character so that a reader can find it: quoted, with its code point when it
// is invisible or easily mistaken (no-break space, zero-width space, curly quotes).
func describeChar(c string) string {
	var cps []string
	for _, r := range c {
		cps = append(cps, fmt.Sprintf("U+%04X", r))
	}
	return fmt.Sprintf("%q (%s)", c, strings.Join(cps, " "))
}

// Package segment counts how an SMS body is encoded (GSM-7 or UCS-2) and in how many segments
// carriers send and bill it, exactly as Twilio's calculator and the carriers do, and replaces
// look-alike characters (smart encoding). It is a leaf: providers and pkg/message import it, it
// imports nothing of smscast.
package segment

import (
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Encodings as carriers name them.
const (
	GSM7 = "GSM-7"
	UCS2 = "UCS-2"
)

// Segment sizes: a segment carries 140 octets; a message in several parts spends 6 of them on the
// concatenation header, leaving 153 septets or 67 UTF-16 code units per part.
const (
	GSM7Single = 160
	GSM7Part   = 153
	UCS2Single = 70
	UCS2Part   = 67
)

// Info is how a body is encoded and what it costs in segments.
type Info struct {
	Encoding string // "GSM-7" or "UCS-2"
	// Characters is the length Twilio's calculator shows: GSM-7 septets (each of ^ { } \ [ ~ ] | €
	// and form feed counts 2), or for UCS-2 the user-perceived characters (grapheme clusters; a CR
	// LF pair counts 2).
	Characters int
	Segments   int
	// Units is what the segment limits apply to: GSM-7 septets or UTF-16 code units (an emoji
	// outside the BMP is 2). A single segment holds 160/70, each part of a longer message 153/67.
	Units int
	// UCS2Chars names the characters that force UCS-2 into an otherwise GSM-7 message (at least
	// half of its characters are GSM-7), each once, in order of first appearance. It is empty for
	// GSM-7 messages and for messages that are mostly non-GSM (Japanese text), where naming the
	// characters would say nothing useful.
	UCS2Chars []string
}

// Count returns the encoding and segments of a body as Twilio and carriers count them: GSM-7 with
// its extension table when every character is in it, otherwise UCS-2. Parts are filled greedily and
// never split an escape pair, a surrogate pair or a grapheme cluster (a cluster longer than a whole
// part, which no carrier can keep together, is split between code points). An empty body is one
// segment.
func Count(body string) Info {
	return layout(body, nil)
}

// Split returns the parts a body is sent in, as Count counts them: one element when it fits in one
// segment. Joined, the parts are the body.
func Split(body string) []string {
	var cuts []int
	layout(body, &cuts)
	parts := make([]string, 0, len(cuts)+1)
	start := 0
	for _, c := range cuts {
		parts = append(parts, body[start:c])
		start = c
	}
	return append(parts, body[start:])
}

// IsGSM7 reports whether every character of s is in the GSM-7 basic or extension table.
func IsGSM7(s string) bool {
	for _, r := range s {
		if gsmSeptets(r) == 0 {
			return false
		}
	}
	return true
}

// NonGSM7 returns the characters (grapheme clusters) of s outside GSM-7, each once, in order of
// first appearance.
func NonGSM7(s string) []string {
	var out []string
	seen := map[string]bool{}
	for rest := s; rest != ""; {
		var c string
		c, rest, _, _ = uniseg.FirstGraphemeClusterInString(rest, -1)
		if c == "\r\n" || IsGSM7(c) && utf8.RuneCountInString(c) == 1 {
			continue
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// nonGSMRunes is NonGSM7 for text whose runes are each a cluster.
func nonGSMRunes(s string) []string {
	var out []string
	for i, r := range s {
		if gsmSeptets(r) > 0 {
			continue
		}
		c := s[i : i+utf8.RuneLen(r)]
		if r == utf8.RuneError {
			_, n := utf8.DecodeRuneInString(s[i:])
			c = s[i : i+n]
		}
		found := false
		for _, o := range out {
			if o == c {
				found = true
				break
			}
		}
		if !found {
			out = append(out, c)
		}
	}
	return out
}

// layout counts body and, when cuts is not nil, records the byte offset where each part after the
// first begins.
//
// One pass over the runes settles the encoding and the lengths. Grapheme segmentation (uniseg) is
// needed only for UCS-2 text containing a rune that can join its neighbours (combining marks, ZWJ,
// variation selectors, Hangul jamo, regional indicators...): in plain Japanese or Latin text every
// rune is its own cluster, and skipping uniseg there keeps rendering+counting above 200,000
// messages/s (see pkg/message's BenchmarkRenderAndCount). FuzzCount checks this against a plain uniseg count.
func layout(body string, cuts *[]int) Info {
	gsm, simple, astral := true, true, false
	septets, units, runes, nonGSM := 0, 0, 0, 0
	for _, r := range body {
		runes++
		if s := gsmSeptets(r); s == 0 {
			gsm = false
			nonGSM++
		} else {
			septets += s
		}
		if r >= 0x10000 {
			units += 2
			astral = true
		} else {
			units++
		}
		if simple && !simpleRune(r) {
			simple = false
		}
	}

	if gsm {
		info := Info{Encoding: GSM7, Characters: septets, Units: septets, Segments: 1}
		if septets > GSM7Single {
			p := packer{limit: GSM7Part, cuts: cuts, parts: 1}
			if septets == runes && cuts == nil {
				// No escape pairs: every part but the last is full.
				p.parts = (septets + GSM7Part - 1) / GSM7Part
			} else {
				for i, r := range body {
					p.add(gsmSeptets(r), i)
				}
			}
			info.Segments = p.parts
		}
		return info
	}

	info := Info{Encoding: UCS2, Units: units, Segments: 1}
	if simple {
		// Every rune is its own cluster (CR LF is one cluster, but Twilio counts it as two
		// characters and may split it, so it is two here as well).
		info.Characters = runes
		if units > UCS2Single {
			p := packer{limit: UCS2Part, cuts: cuts, parts: 1}
			if !astral && cuts == nil {
				p.parts = (units + UCS2Part - 1) / UCS2Part
			} else {
				for i, r := range body {
					p.add(utf16Len(r), i)
				}
			}
			info.Segments = p.parts
		}
	} else {
		p := packer{limit: UCS2Part, cuts: cuts, parts: 1}
		split := units > UCS2Single
		off := 0
		for rest := body; rest != ""; {
			var c string
			c, rest, _, _ = uniseg.FirstGraphemeClusterInString(rest, -1)
			if c == "\r\n" {
				info.Characters += 2
				if split {
					p.add(1, off)
					p.add(1, off+1)
				}
			} else {
				info.Characters++
				if split {
					p.addCluster(c, off)
				}
			}
			off += len(c)
		}
		info.Segments = p.parts
	}
	if nonGSM*2 <= runes {
		if simple {
			info.UCS2Chars = nonGSMRunes(body)
		} else {
			info.UCS2Chars = NonGSM7(body)
		}
	}
	return info
}

// packer fills parts greedily with indivisible groups of units.
type packer struct {
	limit, used, parts int
	cuts               *[]int
}

func (p *packer) add(size, off int) {
	if p.used+size > p.limit && p.used > 0 {
		p.parts++
		p.used = 0
		if p.cuts != nil {
			*p.cuts = append(*p.cuts, off)
		}
	}
	p.used += size
}

// addCluster adds one UCS-2 grapheme cluster starting at byte offset off.
func (p *packer) addCluster(c string, off int) {
	n := 0
	for _, r := range c {
		n += utf16Len(r)
	}
	if n <= p.limit {
		p.add(n, off)
		return
	}
	for i, r := range c {
		p.add(utf16Len(r), off+i)
	}
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// gsmLatin holds the septets each rune below U+0100 costs in GSM-7 (0: not in GSM-7). Read-only.
var gsmLatin = func() (t [256]uint8) {
	const basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	const extension = "\f^{}\\[~]|"
	for _, r := range basic {
		if r < 256 {
			t[r] = 1
		}
	}
	for _, r := range extension {
		t[r] = 2
	}
	return t
}()

// gsmSeptets returns the septets r costs in GSM-7 (basic table 1, extension table 2), or 0 when r
// is not in GSM-7 (GSM 03.38, as in Twilio's UnicodeToGsm map).
func gsmSeptets(r rune) int {
	if r < 256 {
		return int(gsmLatin[r])
	}
	switch r {
	case 'Δ', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ':
		return 1
	case '€':
		return 2
	}
	return 0
}

// simpleRune reports whether r always forms a grapheme cluster on its own next to any other simple
// rune: its Grapheme_Cluster_Break property is Other or Control (or CR, LF), and it is not a
// regional indicator or Hangul jamo. The ranges are deliberately conservative; TestSimpleRunes
// checks every rune in them against uniseg.
func simpleRune(r rune) bool {
	if r < 0x0300 { // ASCII, Latin-1, Latin Extended, IPA, spacing modifier letters; C0/C1 controls
		return true
	}
	if r >= 0x3000 { // the common case in Japanese text: test the CJK blocks first
		switch {
		case r <= 0x3029: // CJK punctuation before the ideographic tone marks
			return true
		case r < 0x3030:
			return false
		case r <= 0x3098: // hiragana
			return true
		case r < 0x309B:
			return false // combining (han)dakuten
		case r <= 0x30FF: // katakana
			return true
		case r < 0x3200:
			return false
		case r <= 0x33FF: // enclosed CJK letters, CJK compatibility (㈱, ㎡)
			return true
		case r < 0x3400:
			return false
		case r <= 0x4DBF: // CJK extension A
			return true
		case r < 0x4E00:
			return false
		case r <= 0x9FFF: // CJK unified ideographs
			return true
		case r < 0xFF01:
			return false
		case r <= 0xFF9D: // full-width ASCII, half-width katakana before the voiced sound marks
			return true
		case r < 0xFFE0:
			return false
		}
		return r <= 0xFFEE // full-width signs (￥)
	}
	switch {
	case r < 0x0370:
		return false // combining diacritical marks
	case r <= 0x0482: // Greek, Cyrillic letters
		return true
	case r < 0x2010:
		return false
	case r <= 0x2027: // dashes, quotes, bullet, ellipsis
		return true
	case r < 0x2030:
		return false
	case r <= 0x205E:
		return true
	case r < 0x20A0:
		return false
	case r <= 0x20C0: // currency signs
		return true
	case r < 0x2100:
		return false // combining marks for symbols
	case r <= 0x23FF: // letterlike, number forms, arrows, mathematical operators, technical
		return true
	case r < 0x2460:
		return false
	}
	return r <= 0x27BF // enclosed alphanumerics, box drawing, shapes, symbols, dingbats
}

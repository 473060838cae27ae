package segment

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

type twilioVectors struct {
	Cases []struct {
		Group       string `json:"group"`
		Description string `json:"description"`
		Body        string `json:"body"`
		Smart       bool   `json:"smart_encoding"`
		Expected    struct {
			Encoding          string `json:"encoding"`
			Segments          int    `json:"segments"`
			MessageSizeBits   int    `json:"message_size_bits"`
			TotalSizeBits     int    `json:"total_size_bits"`
			Characters        *int   `json:"characters"`
			UnicodeScalars    int    `json:"unicode_scalars"`
			AllCharsNonGSM    bool   `json:"all_chars_non_gsm"`
			FirstSegmentChars int    `json:"first_segment_chars"`
		} `json:"expected"`
	} `json:"cases"`
	SmartMap map[string]string `json:"smart_encoding_map"`
	Extra    []struct {
		Body     string `json:"body"`
		Computed struct {
			Encoding      string `json:"encoding"`
			Segments      int    `json:"segments"`
			Characters    int    `json:"characters"`
			SmartEncoding string `json:"smart_encoding_encoding"`
			SmartSegments int    `json:"smart_encoding_segments"`
		} `json:"computed"`
	} `json:"extra_computed_not_upstream_asserted"`
}

func loadVectors(t testing.TB) twilioVectors {
	t.Helper()
	data, err := os.ReadFile("testdata/segments_twilio.json")
	if err != nil {
		t.Fatal(err)
	}
	var v twilioVectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCountMatchesTwilioCalculatorVectors(t *testing.T) {
	v := loadVectors(t)
	if len(v.Cases) < 50 {
		t.Fatalf("only %d vectors", len(v.Cases))
	}
	for _, c := range v.Cases {
		t.Run(c.Group+"/"+c.Description, func(t *testing.T) {
			body := c.Body
			if c.Smart {
				body, _ = Smart(body)
			}
			got := Count(body)
			e := c.Expected
			if e.Encoding != "" && got.Encoding != e.Encoding {
				t.Errorf("encoding %s, want %s", got.Encoding, e.Encoding)
			}
			if e.Segments != 0 && got.Segments != e.Segments {
				t.Errorf("segments %d, want %d", got.Segments, e.Segments)
			}
			if e.Characters != nil && got.Characters != *e.Characters {
				t.Errorf("characters %d, want %d", got.Characters, *e.Characters)
			}
			bits := 7
			if got.Encoding == UCS2 {
				bits = 16
			}
			if e.MessageSizeBits != 0 && got.Units*bits != e.MessageSizeBits {
				t.Errorf("message bits %d, want %d", got.Units*bits, e.MessageSizeBits)
			}
			if e.TotalSizeBits != 0 {
				total := got.Units * bits
				if got.Segments > 1 {
					total += 48 * got.Segments
				}
				if total != e.TotalSizeBits {
					t.Errorf("total bits %d, want %d", total, e.TotalSizeBits)
				}
			}
			if e.UnicodeScalars != 0 && utf8.RuneCountInString(body) != e.UnicodeScalars {
				t.Errorf("scalars %d, want %d", utf8.RuneCountInString(body), e.UnicodeScalars)
			}
			if e.AllCharsNonGSM && len(NonGSM7(body)) != 1 {
				t.Errorf("NonGSM7 = %q, want the one repeated character", NonGSM7(body))
			}
			if e.FirstSegmentChars != 0 {
				if n := utf8.RuneCountInString(Split(body)[0]); n != e.FirstSegmentChars {
					t.Errorf("first part has %d characters, want %d", n, e.FirstSegmentChars)
				}
			}
		})
	}
	for _, c := range v.Extra {
		got := Count(c.Body)
		if got.Encoding != c.Computed.Encoding || got.Segments != c.Computed.Segments || got.Characters != c.Computed.Characters {
			t.Errorf("Count(%.30q) = %s/%d/%d, want %s/%d/%d", c.Body, got.Encoding, got.Segments, got.Characters,
				c.Computed.Encoding, c.Computed.Segments, c.Computed.Characters)
		}
		smart, _ := Smart(c.Body)
		gs := Count(smart)
		if gs.Encoding != c.Computed.SmartEncoding || gs.Segments != c.Computed.SmartSegments {
			t.Errorf("Count(Smart(%.30q)) = %s/%d, want %s/%d", c.Body, gs.Encoding, gs.Segments, c.Computed.SmartEncoding, c.Computed.SmartSegments)
		}
	}
}

func TestCountAtBoundaries(t *testing.T) {
	r := strings.Repeat
	tests := []struct {
		name       string
		body       string
		enc        string
		segments   int
		characters int
		parts      []int // units per part, when checked
	}{
		{"an empty message is one GSM-7 segment", "", GSM7, 1, 0, nil},
		{"160 GSM-7 characters fit one segment", r("a", 160), GSM7, 1, 160, []int{160}},
		{"161 GSM-7 characters take two parts of 153 and 8", r("a", 161), GSM7, 2, 161, []int{153, 8}},
		{"153 GSM-7 characters fit one segment", r("a", 153), GSM7, 1, 153, nil},
		{"154 GSM-7 characters fit one segment too", r("a", 154), GSM7, 1, 154, nil},
		{"306 GSM-7 characters take two full parts", r("a", 306), GSM7, 2, 306, []int{153, 153}},
		{"307 GSM-7 characters take three parts", r("a", 307), GSM7, 3, 307, []int{153, 153, 1}},
		{"80 euro signs are 160 septets: one segment", r("€", 80), GSM7, 1, 160, nil},
		{"81 euro signs are 162 septets: two parts", r("€", 81), GSM7, 2, 162, []int{152, 10}},
		{"an escape pair straddling the part boundary moves whole to the next part",
			r("a", 152) + "€" + r("a", 152), GSM7, 3, 306, []int{152, 153, 1}},
		{"a caret at septet 153 moves to the next part", r("a", 152) + "^" + r("b", 10), GSM7, 2, 164, []int{152, 12}},
		{"70 Japanese characters fit one UCS-2 segment", r("あ", 70), UCS2, 1, 70, nil},
		{"71 Japanese characters take two parts", r("あ", 71), UCS2, 2, 71, []int{67, 4}},
		{"134 Japanese characters take two full parts", r("あ", 134), UCS2, 2, 134, []int{67, 67}},
		{"135 Japanese characters take three parts", r("あ", 135), UCS2, 3, 135, []int{67, 67, 1}},
		{"an emoji (surrogate pair) at the part boundary moves whole to the next part",
			r("あ", 66) + "😀" + r("あ", 66), UCS2, 3, 133, []int{66, 67, 1}},
		{"a combining mark stays with its letter across the boundary",
			r("あ", 66) + "e\u0301" + r("あ", 66), UCS2, 3, 133, []int{66, 67, 1}},
		{"a flag (two regional indicators) is never split",
			r("あ", 66) + "🇯🇵" + r("あ", 66), UCS2, 3, 133, []int{66, 67, 3}},
		{"a ZWJ emoji sequence is never split",
			r("あ", 65) + "👨‍👩‍👧" + r("あ", 60), UCS2, 3, 126, []int{65, 67, 1}},
		{"a cluster longer than a part is split between code points",
			"e" + r("\u0301", 100), UCS2, 2, 1, []int{67, 34}},
		{"a cluster longer than a part after other text still fills every part",
			"あい" + "e" + r("\u0301", 150), UCS2, 3, 3, []int{67, 67, 19}},
		{"CRLF at the part boundary may be split, as Twilio splits it",
			r("あ", 66) + "\r\n" + r("あ", 66), UCS2, 2, 134, []int{67, 67}},
		{"CRLF counts as two GSM-7 characters", "a\r\nb", GSM7, 1, 4, nil},
		{"CRLF counts as two UCS-2 characters", "あ\r\nい", UCS2, 1, 4, nil},
		{"GSM-7 extension characters cost one unit once the message is UCS-2", "あ" + r("|", 69), UCS2, 1, 70, nil},
		{"one curly quote makes a GSM-7 message UCS-2", "“Stay home”", UCS2, 1, 11, nil},
		{"the Japanese outage notice fits one segment", "【さくら透析クリニック】本日11月22日(日)の透析は停電のため中止します。ご自宅で待機してください。改めてご連絡します。", UCS2, 1, 61, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Count(tt.body)
			if got.Encoding != tt.enc || got.Segments != tt.segments || got.Characters != tt.characters {
				t.Fatalf("Count = %s, %d segments, %d characters; want %s, %d, %d",
					got.Encoding, got.Segments, got.Characters, tt.enc, tt.segments, tt.characters)
			}
			parts := Split(tt.body)
			if strings.Join(parts, "") != tt.body || len(parts) != got.Segments {
				t.Fatalf("Split gives %d parts that join to the body: %v", len(parts), strings.Join(parts, "") == tt.body)
			}
			if tt.parts != nil {
				var units []int
				for _, p := range parts {
					units = append(units, unitsOf(p, tt.enc))
				}
				if !slices.Equal(units, tt.parts) {
					t.Fatalf("parts hold %v units, want %v", units, tt.parts)
				}
			}
		})
	}
}

func unitsOf(s, enc string) int {
	if enc == UCS2 {
		return len(utf16.Encode([]rune(s)))
	}
	n := 0
	for _, r := range s {
		n++
		if strings.ContainsRune(refExtension, r) {
			n++
		}
	}
	return n
}

func TestUCS2CharsNamesOnlyWhatForcesUCS2IntoGSM7Text(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"a GSM-7 message has none", "Stay home.", nil},
		{"curly quotes and a dash are named once each", "“Stay home” — “now”", []string{"“", "”", "—"}},
		{"a Japanese message names none: it is UCS-2 by nature", "本日の透析は中止です。", nil},
		{"a combining sequence is named as one character", "Cafe\u0301 closed", []string{"e\u0301"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Count(tt.body).UCS2Chars
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("UCS2Chars = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSimpleRunes checks the fast path's claim: a rune in the simple ranges is a cluster of its
// own next to letters, kana and itself.
func TestSimpleRunes(t *testing.T) {
	n := 0
	for r := rune(0); r < 0x10000; r++ {
		if !simpleRune(r) || r == '\r' || r == '\n' {
			continue
		}
		n++
		s := string(r)
		if c := uniseg.GraphemeClusterCount("a" + s + "a" + s + s + "あ"); c != 6 {
			t.Errorf("U+%04X joins a neighbour (%d clusters, want 6)", r, c)
		}
	}
	if n < 30000 {
		t.Fatalf("only %d simple runes checked", n)
	}
}

// The reference counter: the rules written as plainly as possible, with no fast paths.
const (
	refBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	refExtension = "\f^{}\\[~]|€"
)

type refResult struct {
	enc                         string
	characters, units, segments int
	parts                       []string
	ucs2Chars                   []string
}

func refCount(body string) refResult {
	var clusters []string
	g := uniseg.NewGraphemes(body)
	for g.Next() {
		if c := g.Str(); c == "\r\n" {
			clusters = append(clusters, "\r", "\n")
		} else {
			clusters = append(clusters, c)
		}
	}
	gsm := true
	for _, c := range clusters {
		r, _ := utf8.DecodeRuneInString(c)
		if utf8.RuneCountInString(c) != 1 || r == utf8.RuneError || !strings.ContainsRune(refBasic+refExtension, r) {
			gsm = false
		}
	}
	res := refResult{enc: UCS2}
	single, part := 70, 67
	if gsm {
		res.enc, single, part = GSM7, 160, 153
	}
	type group struct {
		text string
		size int
	}
	var groups []group
	for _, c := range clusters {
		size := len(utf16.Encode([]rune(c)))
		if gsm {
			size = 1
			if r, _ := utf8.DecodeRuneInString(c); strings.ContainsRune(refExtension, r) {
				size = 2
			}
		}
		res.units += size
		if size <= part {
			groups = append(groups, group{c, size})
			continue
		}
		for c != "" {
			r, n := utf8.DecodeRuneInString(c)
			groups = append(groups, group{c[:n], len(utf16.Encode([]rune{r}))})
			c = c[n:]
		}
	}
	res.characters = len(clusters)
	if gsm {
		res.characters = res.units
	}
	// Name the non-GSM characters when at least half of the runes are GSM-7.
	runes, non := 0, 0
	for _, r := range body {
		runes++
		if !strings.ContainsRune(refBasic+refExtension, r) || r == utf8.RuneError {
			non++
		}
	}
	if !gsm && non*2 <= runes {
		for _, c := range clusters {
			r, _ := utf8.DecodeRuneInString(c)
			if utf8.RuneCountInString(c) == 1 && r != utf8.RuneError && strings.ContainsRune(refBasic+refExtension, r) {
				continue
			}
			if !slices.Contains(res.ucs2Chars, c) {
				res.ucs2Chars = append(res.ucs2Chars, c)
			}
		}
	}
	if res.units <= single {
		res.segments, res.parts = 1, []string{body}
		return res
	}
	cur, used := "", 0
	for _, gr := range groups {
		if used+gr.size > part {
			res.parts = append(res.parts, cur)
			cur, used = "", 0
		}
		cur += gr.text
		used += gr.size
	}
	res.parts = append(res.parts, cur)
	res.segments = len(res.parts)
	return res
}

func FuzzCount(f *testing.F) {
	for _, c := range loadVectors(f).Cases {
		f.Add(c.Body)
	}
	for _, s := range []string{"", "a\r\nb", strings.Repeat("a", 152) + "€b", strings.Repeat("あ", 66) + "😀あ",
		strings.Repeat("あ", 66) + "e\u0301" + strings.Repeat("い", 70), "e" + strings.Repeat("\u0301", 80),
		strings.Repeat("x\u200d", 50), strings.Repeat("🇯🇵", 40), "\xff\xfe" + strings.Repeat("a", 200),
		strings.Repeat("가", 80) + "\u1100\u1161\u11a8", strings.Repeat("ｶﾞ", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		want := refCount(body)
		got := Count(body)
		if got.Encoding != want.enc || got.Characters != want.characters || got.Units != want.units || got.Segments != want.segments {
			t.Fatalf("Count(%q) = %s %d chars %d units %d segments; reference %s %d %d %d", body,
				got.Encoding, got.Characters, got.Units, got.Segments, want.enc, want.characters, want.units, want.segments)
		}
		if !slices.Equal(got.UCS2Chars, want.ucs2Chars) {
			t.Fatalf("Count(%q).UCS2Chars = %q; reference %q", body, got.UCS2Chars, want.ucs2Chars)
		}
		parts := Split(body)
		if strings.Join(parts, "\x00") != strings.Join(want.parts, "\x00") {
			t.Fatalf("Split(%q) = %q; reference %q", body, parts, want.parts)
		}
	})
}

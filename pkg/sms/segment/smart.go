package segment

import "strings"

// Replacement is one look-alike character smart encoding replaced, and how often.
type Replacement struct {
	From  string
	To    string
	Count int
}

// Smart replaces look-alike characters (curly quotes, dashes, ellipsis, no-break and ideographic
// spaces, full-width ASCII...) with GSM-7 text, following Twilio's Smart Encoding table, so that a
// message typed in a word processor or with a Japanese IME costs GSM-7 rates.
//
// It changes the body only when that makes the whole body GSM-7: a partial replacement saves
// nothing (the body stays UCS-2) and would only spoil Japanese text (、。 becoming , .). Twilio's
// calculator replaces unconditionally; this is the one place smscast differs on purpose. The
// replacements are listed in order of first appearance, for the preview.
func Smart(body string) (string, []Replacement) {
	if IsGSM7(body) {
		return body, nil
	}
	var b strings.Builder
	b.Grow(len(body))
	var reps []Replacement
	for _, r := range body {
		if gsmSeptets(r) > 0 {
			b.WriteRune(r)
			continue
		}
		to, ok := smartTable[r]
		if !ok {
			return body, nil // a character with no GSM-7 look-alike: the body stays UCS-2
		}
		b.WriteString(to)
		from := string(r)
		found := false
		for i := range reps {
			if reps[i].From == from {
				reps[i].Count++
				found = true
				break
			}
		}
		if !found {
			reps = append(reps, Replacement{From: from, To: to, Count: 1})
		}
	}
	return b.String(), reps
}

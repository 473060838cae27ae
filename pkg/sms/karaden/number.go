package karaden

import (
	"strings"
	"unicode/utf8"
)

// MaxChars is the longest message Karaden sends, in characters (全角・半角とも660文字).
const MaxChars = 660

// Sendable reports whether Karaden can send to an E.164 number, and if not, why in plain words.
// Karaden delivers only to Japanese mobile numbers (070, 080, 090), written as 11 domestic
// digits; the plan can use this to refuse other rows before anything is sent.
func Sendable(e164 string) (ok bool, reason string) {
	_, reason = domestic(e164)
	return reason == "", reason
}

// Domestic returns the 11-digit domestic form Karaden takes (+819012345678 → 09012345678), or
// ok=false when Karaden cannot send to the number.
func Domestic(e164 string) (number string, ok bool) {
	n, reason := domestic(e164)
	return n, reason == ""
}

func domestic(e164 string) (string, string) {
	if !strings.HasPrefix(e164, "+") || len(e164) < 2 || !allDigits(e164[1:]) {
		return "", "not a phone number in international form (+81…)"
	}
	national, ok := strings.CutPrefix(e164, "+81")
	if !ok {
		return "", "not a Japanese number: Karaden sends only within Japan; use another provider for numbers abroad"
	}
	if len(national) != 10 || !(strings.HasPrefix(national, "70") || strings.HasPrefix(national, "80") || strings.HasPrefix(national, "90")) {
		// 03-…, 06-… are landlines; 050 is IP telephony; 020 and 060 are not SMS mobiles today.
		return "", "not a Japanese mobile number (070, 080 or 090): it cannot receive SMS; phone the patient instead"
	}
	return "0" + national, ""
}

// e164 turns Karaden's domestic number back into E.164.
func e164(domestic string) string {
	if len(domestic) == 11 && domestic[0] == '0' && allDigits(domestic) {
		return "+81" + domestic[1:]
	}
	return domestic
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// chars counts characters as Karaden's 660-character limit does: one per character, full-width
// or half-width alike.
func chars(body string) int { return utf8.RuneCountInString(body) }

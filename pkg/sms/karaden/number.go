package karaden

import (
	"strings"
	"unicode/utf16"
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

// gsmBasic and gsmExtension are the GSM 03.38 default alphabet and its extension table (two
// septets each). pkg/sms/segment is not written yet and providers may not import pkg/message, so
// this is the smallest count that gives a receipt its segments before Karaden charges them.
const (
	gsmBasic     = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

// segments counts the SMS parts of body: GSM-7 160 septets in one part, 153 per part when split;
// otherwise UCS-2, 70 UTF-16 units in one part, 67 per part.
func segments(body string) int {
	septets, gsm := 0, true
	for _, r := range body {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			septets++
		case strings.ContainsRune(gsmExtension, r):
			septets += 2
		default:
			gsm = false
		}
		if !gsm {
			break
		}
	}
	if gsm {
		return parts(septets, 160, 153)
	}
	return parts(len(utf16.Encode([]rune(body))), 70, 67)
}

func parts(n, single, multi int) int {
	if n <= single {
		return 1
	}
	return (n + multi - 1) / multi
}

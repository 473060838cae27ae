// Package segment counts SMS segments the way carriers do, for providers that must report them
// (the simulator and the fake Twilio). pkg/message is the authoritative counter for users; this
// copy exists so that pkg/sms stays free of dependencies on the layers above it.
package segment

import "unicode/utf16"

// gsmBasic is the GSM 03.38 default alphabet; gsmExt needs an escape and costs two septets.
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExt = "^{}\\[~]|€\f"
)

var basic, ext = runeSet(gsmBasic), runeSet(gsmExt)

func runeSet(s string) map[rune]bool {
	m := make(map[rune]bool, len(s))
	for _, r := range s {
		m[r] = true
	}
	return m
}

// Count returns the number of segments body needs: GSM-7 (160 septets, 153 per part) when every
// character is in the GSM alphabet, else UCS-2 (70 UTF-16 units, 67 per part).
func Count(body string) (segments int, gsm7 bool) {
	if body == "" {
		return 1, true
	}
	septets, units := 0, 0
	gsm7 = true
	for _, r := range body {
		switch {
		case basic[r]:
			septets++
		case ext[r]:
			septets += 2
		default:
			gsm7 = false
		}
		units += utf16.RuneLen(r)
	}
	if gsm7 {
		return parts(septets, 160, 153), true
	}
	return parts(units, 70, 67), false
}

func parts(n, single, multi int) int {
	if n <= single {
		return 1
	}
	return (n + multi - 1) / multi
}

package smsgate

import (
	"strings"
	"unicode/utf16"
)

// segments counts the SMS parts the phone will send for body, as carriers count them: GSM-7
// (160 septets, 153 per part when split; the extension characters take two) unless a character
// needs UCS-2 (70 UTF-16 units, 67 per part). The app does not report parts, and providers may
// not import pkg/message (which counts the same way); this small copy goes when the shared
// pkg/sms/segment of DESIGN.md exists.
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

const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

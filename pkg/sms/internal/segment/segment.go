// Package segment counts SMS segments the way carriers do, for providers that must report them
// (the simulator and the fake Twilio). pkg/message is the authoritative counter for users; this
// copy exists so that pkg/sms stays free of dependencies on the layers above it.
package segment

import (
	"unicode/utf16"

	"github.com/rivo/uniseg"
)

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
// character is in the GSM alphabet, else UCS-2 (70 UTF-16 units, 67 per part). As carriers do,
// an escaped GSM character or a grapheme is never split across two parts.
func Count(body string) (segments int, gsm7 bool) {
	gsm7 = true
	for _, r := range body {
		if !basic[r] && !ext[r] {
			gsm7 = false
			break
		}
	}
	var sizes []int // the cost of each indivisible unit
	total := 0
	if gsm7 {
		for _, r := range body {
			n := 1
			if ext[r] {
				n = 2
			}
			sizes = append(sizes, n)
			total += n
		}
		return pack(sizes, total, 160, 153), true
	}
	g := uniseg.NewGraphemes(body)
	for g.Next() {
		n := 0
		for _, r := range g.Runes() {
			n += utf16.RuneLen(r)
		}
		sizes = append(sizes, n)
		total += n
	}
	return pack(sizes, total, 70, 67), false
}

func pack(sizes []int, total, single, multi int) int {
	if total <= single {
		return 1
	}
	segs, used := 1, 0
	for _, n := range sizes {
		if used+n > multi {
			segs++
			used = 0
		}
		used += n
	}
	return segs
}

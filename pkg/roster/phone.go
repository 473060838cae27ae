package roster

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"
)

// Reasons, in plain words, for the report and the call list.
const (
	reasonEmpty    = "no phone number"
	reasonInvalid  = "invalid number"
	reasonLandline = "landline: cannot receive SMS"
	reasonVoIP     = "IP phone (VoIP) number: cannot receive SMS"
	reasonTollFree = "toll-free number: cannot receive SMS"
	reasonPager    = "pager number: cannot receive SMS"
	reasonOptedOut = "opted out"
)

// number is the outcome of classifying one cell.
type number struct {
	class  Class
	reason string
	e164   string // set for valid numbers when the caller wants it
	key    uint64 // dedup key for sendable numbers; 0 when keyString must be used
	keyStr string
	raw    string // the cell as written, owned by the memo (not a slice of the row's record)
}

// phoneParser classifies cells. It holds a reusable PhoneNumber and a memo, so each worker owns
// one.
type phoneParser struct {
	region   string
	wantE164 bool
	pn       phonenumbers.PhoneNumber

	// memo holds outcomes by the cell as written. A broadcast list repeats numbers (a family's
	// phone, a care home's office on every resident's row, a damaged export with one number a
	// million times), and parsing is most of the cost of a row: 1,000,000 rows of one number
	// took 12 s and 2 GB of garbage in phonenumbers. classify is a pure function of the cell,
	// the region and wantE164, which the parser fixes. The memo starts over when full, so it
	// stays small on a list of unique numbers, where it only costs a failed lookup per cell.
	memo map[string]number
}

// maxPhoneMemo bounds phoneParser.memo: a few hundred KB per worker.
const maxPhoneMemo = 4096

// cleanPhone applies NFKC (full-width digits, ideographic spaces, half-width katakana), maps the
// dashes people type into ASCII '-', and trims. ASCII cells, nearly all of them, skip the work.
func cleanPhone(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			s = norm.NFKC.String(s)
			s = strings.Map(func(r rune) rune {
				switch r {
				case 'ー', '‐', '‑', '‒', '–', '—', '―', '−', '─', '━':
					return '-'
				}
				return r
			}, s)
			break
		}
	}
	return strings.TrimSpace(s)
}

// excelDamage recognises what Excel does to a number it took for arithmetic: scientific notation
// (9.01E+09, digits lost for good) and error values (#N/A). The number is never guessed back.
func excelDamage(s string) string {
	if isScientific(s) {
		return "Excel turned the number into " + s + ": fix the cell"
	}
	if strings.HasPrefix(s, "#") {
		switch s {
		case "#N/A", "#VALUE!", "#REF!", "#NAME?", "#DIV/0!", "#NUM!", "#NULL!", "#SPILL!":
			return "Excel shows " + s + " instead of a number: fix the cell"
		}
		if strings.Trim(s, "#") == "" {
			return "Excel shows " + s + " (column too narrow when exported): widen the column and export again"
		}
	}
	return ""
}

// isScientific matches [+-]digits[.digits]E[+-]digits.
func isScientific(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i >= len(s) || (s[i] != 'e' && s[i] != 'E') {
		return false
	}
	i++
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	return digits() > 0 && i == len(s)
}

// stripNote removes a note written after the number: "090-1234-5678(母)", "…（本人）", "… 母",
// "…【携帯】". A trailing bracket group or trailing text goes only when it holds a letter, so
// "(03) 1234-5678" and extensions written with digits are left to the library.
func stripNote(s string) string {
	if n := len(s); n > 0 {
		var open string
		switch {
		case s[n-1] == ')':
			open = "("
		case s[n-1] == ']':
			open = "["
		case strings.HasSuffix(s, "】"):
			open = "【"
		}
		if open != "" {
			if i := strings.LastIndex(s, open); i > 0 && strings.IndexFunc(s[i:], unicode.IsLetter) >= 0 {
				s = strings.TrimSpace(s[:i])
			}
		}
	}
	last := strings.LastIndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
	if last >= 0 && last < len(s)-1 && strings.IndexFunc(s[last+1:], unicode.IsLetter) >= 0 {
		s = strings.TrimSpace(s[:last+1])
	}
	return s
}

// classify turns one cell into a number class with its reason. n.raw is raw, shared by every
// cell that repeats it, for the row's Phone.
func (p *phoneParser) classify(raw string) number {
	if n, ok := p.memo[raw]; ok {
		return n
	}
	n := p.parse(raw)
	if p.memo == nil || len(p.memo) >= maxPhoneMemo {
		p.memo = make(map[string]number, 64)
	}
	n.raw = strings.Clone(raw)
	p.memo[n.raw] = n
	return n
}

// parse classifies one cell.
func (p *phoneParser) parse(raw string) number {
	s := cleanPhone(raw)
	if s == "" {
		return number{class: Empty, reason: reasonEmpty}
	}
	if why := excelDamage(s); why != "" {
		return number{class: Invalid, reason: why}
	}
	c := stripNote(s)
	if c == "" {
		return number{class: Invalid, reason: "not a phone number"}
	}
	pn := &p.pn
	pn.Reset()
	if err := phonenumbers.ParseToNumber(squeeze(c), p.region, pn); err != nil {
		return number{class: Invalid, reason: parseReason(err, c)}
	}
	var n number
	switch t := phonenumbers.GetNumberType(pn); t {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		n.class = Sendable
	case phonenumbers.FIXED_LINE:
		n.class, n.reason = Landline, reasonLandline
	case phonenumbers.VOIP:
		n.class, n.reason = VoIP, reasonVoIP
	case phonenumbers.TOLL_FREE:
		n.class, n.reason = TollFree, reasonTollFree
	case phonenumbers.PAGER:
		n.class, n.reason = Pager, reasonPager
	case phonenumbers.PREMIUM_RATE:
		n.class, n.reason = Invalid, "premium-rate number: cannot receive SMS"
	case phonenumbers.SHARED_COST:
		n.class, n.reason = Invalid, "shared-cost number: cannot receive SMS"
	case phonenumbers.PERSONAL_NUMBER:
		n.class, n.reason = Invalid, "personal (forwarding) number: cannot receive SMS"
	case phonenumbers.UAN:
		n.class, n.reason = Invalid, "company switchboard number (e.g. 0570): cannot receive SMS"
	case phonenumbers.VOICEMAIL:
		n.class, n.reason = Invalid, "voicemail number: cannot receive SMS"
	default:
		n.class, n.reason = Invalid, invalidReason(pn)
		return n
	}
	n.key = numberKey(pn)
	if p.wantE164 || n.key == 0 {
		n.e164 = formatE164(pn)
	}
	if n.key == 0 {
		n.keyStr = n.e164
	}
	return n
}

// squeeze drops the hyphens and spaces of a cell made only of digits, hyphens and spaces (and a
// leading +). The library ignores them anyway, but its extension regexp runs at every position of
// its input: 090-1234-5678 costs ~11% more to parse than 09012345678 (measured). Anything else
// (brackets, letters, "ext") is left for the library to read.
func squeeze(s string) string {
	seps := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '-' || c == ' ':
			seps++
		case c == '+' && i == 0:
		default:
			return s
		}
	}
	if seps == 0 {
		return s
	}
	b := make([]byte, 0, len(s)-seps)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '-' && c != ' ' {
			b = append(b, c)
		}
	}
	return string(b)
}

func parseReason(err error, s string) string {
	switch {
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return "invalid number: too many digits (two numbers in one cell? keep one per column)"
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return "invalid number: too few digits"
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return "invalid number: unknown country code"
	}
	if strings.IndexFunc(s, unicode.IsLetter) >= 0 && strings.IndexFunc(s, unicode.IsDigit) >= 0 {
		return "not a phone number: keep only the number in the cell (notes go in another column)"
	}
	return "not a phone number"
}

func invalidReason(pn *phonenumbers.PhoneNumber) string {
	switch phonenumbers.IsPossibleNumberWithReason(pn) {
	case phonenumbers.TOO_SHORT:
		return "invalid number: too few digits"
	case phonenumbers.TOO_LONG:
		return "invalid number: too many digits"
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "invalid number: unknown country code"
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return "invalid number: the area code is missing"
	}
	return reasonInvalid
}

// formatE164 is phonenumbers.Format(pn, phonenumbers.E164) in one allocation instead of seven:
// "+", the country code, the Italian leading zeros, the national number, as the library's E164
// branch writes them (TestFormatE164MatchesTheLibrary holds it to that). Format cost ~1 µs a
// row, 6% of a check.
func formatE164(pn *phonenumbers.PhoneNumber) string {
	var buf [32]byte
	b := append(buf[:0], '+')
	b = strconv.AppendInt(b, int64(pn.GetCountryCode()), 10)
	if pn.GetItalianLeadingZero() {
		for range min(max(int(pn.GetNumberOfLeadingZeros()), 0), 17) {
			b = append(b, '0')
		}
	}
	b = strconv.AppendUint(b, pn.GetNationalNumber(), 10)
	return string(b)
}

// numberKey packs a valid number into a uint64 for the duplicate set: a million E.164 strings
// would cost ~60 MB of heap the GC must scan; a map[uint64]int32 costs ~20 MB and is never
// scanned. Layout: national number (< 2^50) | country code << 50 | leading zeros << 60.
// It returns 0 for numbers that do not fit; the caller then keys them by their E.164 text.
func numberKey(pn *phonenumbers.PhoneNumber) uint64 {
	nn := pn.GetNationalNumber()
	cc := uint64(pn.GetCountryCode())
	z := uint64(0)
	if pn.GetItalianLeadingZero() {
		z = uint64(max(pn.GetNumberOfLeadingZeros(), 1))
	}
	if nn >= 1<<50 || cc >= 1<<10 || cc == 0 || z > 3 {
		return 0
	}
	return nn | cc<<50 | z<<60
}

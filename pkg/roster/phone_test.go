package roster

import (
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestPhoneCellsAreNormalisedAndClassified(t *testing.T) {
	tests := []struct {
		name   string
		region string
		cell   string
		class  Class
		e164   string
		reason string
	}{
		{"a plain JP mobile number", "JP", "09012345601", Sendable, "+819012345601", ""},
		{"070 is mobile", "JP", "070-1234-5602", Sendable, "+817012345602", ""},
		{"full-width digits and hyphens", "JP", "０９０－１２３４－５６０３", Sendable, "+819012345603", ""},
		{"half-width katakana long vowel marks as hyphens", "JP", "090ｰ1234ｰ5604", Sendable, "+819012345604", ""},
		{"ideographic spaces around and inside", "JP", "　090　1234　5605　", Sendable, "+819012345605", ""},
		{"Excel dropped the leading zero", "JP", "9012345606", Sendable, "+819012345606", ""},
		{"an international JP number", "JP", "+81 90-1234-5607", Sendable, "+819012345607", ""},
		{"a note in brackets after the number", "JP", "090-1234-5608(母)", Sendable, "+819012345608", ""},
		{"a note in full-width brackets", "JP", "090-1234-5609（本人）", Sendable, "+819012345609", ""},
		{"a note in 【】", "JP", "090-1234-5610【携帯】", Sendable, "+819012345610", ""},
		{"a note after a space", "JP", "090-1234-5611 母", Sendable, "+819012345611", ""},
		{"a label before the number", "JP", "TEL:090-1234-5612", Sendable, "+819012345612", ""},
		{"a Tokyo landline", "JP", "03-1234-5613", Landline, "+81312345613", "landline: cannot receive SMS"},
		{"a landline whose leading zero Excel dropped", "JP", "312345614", Landline, "+81312345614", "landline: cannot receive SMS"},
		{"050 is VoIP", "JP", "050-1234-5615", VoIP, "+815012345615", "IP phone (VoIP) number: cannot receive SMS"},
		{"0120 is toll-free", "JP", "0120-123-456", TollFree, "+81120123456", "toll-free number: cannot receive SMS"},
		{"080-0 is 0800 toll-free, not mobile", "JP", "080-0123-4567", TollFree, "+818001234567", "toll-free number: cannot receive SMS"},
		{"020 is a pager", "JP", "020-1234-5616", Pager, "+812012345616", "pager number: cannot receive SMS"},
		{"0570 is a switchboard number", "JP", "0570-000-123", Invalid, "+81570000123", "company switchboard number (e.g. 0570): cannot receive SMS"},
		{"scientific notation", "JP", "9.01E+09", Invalid, "", "Excel turned the number into 9.01E+09: fix the cell"},
		{"scientific notation in lower case", "JP", "9.0123e+9", Invalid, "", "Excel turned the number into 9.0123e+9: fix the cell"},
		{"an Excel error value", "JP", "#N/A", Invalid, "", "Excel shows #N/A instead of a number: fix the cell"},
		{"a column too narrow for the number", "JP", "########", Invalid, "", "Excel shows ######## (column too narrow when exported): widen the column and export again"},
		{"too few digits", "JP", "090-1234-56", Invalid, "", "invalid number"},
		{"far too few digits", "JP", "12", Invalid, "", "invalid number: too few digits"},
		{"two numbers in one cell", "JP", "090-1234-5617/03-1234-5617", Invalid, "", "invalid number: too many digits (two numbers in one cell? keep one per column)"},
		{"text only", "JP", "なし", Invalid, "", "not a phone number"},
		{"text around digits that do not parse", "JP", "母 090", Invalid, "", "invalid number: too few digits"},
		{"an unknown country code", "JP", "+999 1234 5678", Invalid, "", "invalid number: unknown country code"},
		{"a blank cell", "JP", "  ", Empty, "", "no phone number"},
		{"an ideographic space only", "JP", "　", Empty, "", "no phone number"},
		{"a US number is fixed-line-or-mobile, so sendable", "US", "(202) 555-0118", Sendable, "+12025550118", ""},
		{"a Canadian number from a JP list", "JP", "+1 403 555 0119", Sendable, "+14035550119", ""},
		{"a US toll-free number", "US", "1-800-555-0120", TollFree, "+18005550120", "toll-free number: cannot receive SMS"},
		{"a US number without its country code is read as Japanese (here 020, a pager)", "JP", "202-555-0121", Pager, "+812025550121", "pager number: cannot receive SMS"},
		{"text in the middle of the number", "JP", "090(母)1234-5678", Invalid, "", "not a phone number: keep only the number in the cell (notes go in another column)"},
		{"a UK mobile", "JP", "+44 7911 123456", Sendable, "+447911123456", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := phoneParser{region: tc.region, wantE164: true}
			n := p.classify(tc.cell)
			if n.class != tc.class || n.e164 != tc.e164 || n.reason != tc.reason {
				t.Errorf("classify(%q) = %q %q %q; want %q %q %q", tc.cell, n.class, n.e164, n.reason, tc.class, tc.e164, tc.reason)
			}
		})
	}
}

func TestEqualNumbersHaveEqualKeysWhateverTheirSpelling(t *testing.T) {
	p := phoneParser{region: "JP"}
	a, b, c := p.classify("090-1234-5601"), p.classify("+81 90 1234 5601"), p.classify("9012345601")
	d := p.classify("090-1234-5602")
	if a.key == 0 || a.key != b.key || a.key != c.key {
		t.Errorf("keys %x %x %x, want equal and non-zero", a.key, b.key, c.key)
	}
	if a.key == d.key {
		t.Errorf("different numbers share key %x", a.key)
	}
	// Italian numbers keep their leading zero: +39 06… and +39 6… are different numbers.
	it1, it2 := p.classify("+39 06 1234 5678"), p.classify("+39 345 123 4567")
	if it1.key == 0 || it1.key == it2.key {
		t.Errorf("italian keys %x %x", it1.key, it2.key)
	}
}

func TestScientificNotationIsRecognisedExactly(t *testing.T) {
	for s, want := range map[string]bool{
		"9.01E+09": true, "9E9": true, "9.01e-3": true, "+9.1E+09": true,
		"9.01E": false, "E+09": false, "9.E+09": false, "090-1234-5678": false, "": false, "9.01E+09x": false,
	} {
		if got := isScientific(s); got != want {
			t.Errorf("isScientific(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestNotesAreStrippedOnlyWhenTheyHoldText(t *testing.T) {
	for in, want := range map[string]string{
		"090-1234-5678(母)":   "090-1234-5678",
		"090-1234-5678 (本人)": "090-1234-5678",
		"090-1234-5678 母":    "090-1234-5678",
		"(03) 1234-5678":     "(03) 1234-5678",
		"03-1234-5678 (2)":   "03-1234-5678 (2)",
		"090-1234-5678":      "090-1234-5678",
		"母":                  "母",
	} {
		if got := stripNote(in); got != want {
			t.Errorf("stripNote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatE164MatchesTheLibrary(t *testing.T) {
	for _, s := range []string{"090-1234-5678", "03-1234-5678", "+39 06 1234 5678", "+39 345 123 4567", "+1 202 555 0101",
		"+44 7911 123456", "0120-123-456", "+225 01 23 45 67 89", "+800 1234 5678", "+882 3 123 4567", "9012345678"} {
		pn, err := phonenumbers.Parse(s, "JP")
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got, want := formatE164(pn), phonenumbers.Format(pn, phonenumbers.E164); got != want {
			t.Errorf("%s: formatE164 %q, library %q", s, got, want)
		}
	}
}

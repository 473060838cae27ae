package campaign

import (
	"errors"
	"strings"
	"testing"
)

func TestValidID(t *testing.T) {
	tests := []struct {
		name, id, reason string // reason "" when the ID is valid
	}{
		{"a dated ID is valid", "outage-2026-11-21", ""},
		{"a Japanese ID is valid", "停電-2026-11-21", ""},
		{"an ID with a dot inside is valid", "bloodwork.2026-11", ""},
		{"a device name is refused", "CON", "device (CON)"},
		{"a device name is refused in any case", "nul", "device (NUL)"},
		{"a device name with an extension is refused", "aux.csv", "device (AUX)"},
		{"a device name with two extensions is refused", "Com1.tar.gz", "device (COM1)"},
		{"LPT9 is refused", "lpt9", "device (LPT9)"},
		{"a superscript COM port is refused", "COM¹", "device (COM¹)"},
		{"a device name as a prefix is fine", "console-test", ""},
		{"COM10 is not a device", "COM10", ""},
		{"a trailing dot is refused", "outage.", "ends in a dot"},
		{"a trailing space is refused", "outage ", "ends in a space"},
		{"a colon is refused", "outage:1", `':'`},
		{"a backslash is refused", `a\b`, `'\\'`},
		{"a slash is refused", "a/b", `'/'`},
		{"a question mark is refused", "why?", `'?'`},
		{"a star is refused", "all*", `'*'`},
		{"a pipe is refused", "a|b", `'|'`},
		{"a double quote is refused", `a"b`, `'"'`},
		{"a control character is refused", "a\tb", "control character"},
		{"an empty ID is refused", "", "is empty"},
		{"a space inside is refused", "a b", "only letters"},
		{"a leading dash is refused", "-outage", "start with a letter"},
		{"a too long ID is refused", strings.Repeat("a", 101), "too long"},
		{"invalid UTF-8 is refused", "a\xffb", "not valid text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidID(tt.id)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("ValidID(%q) = %v", tt.id, err)
				}
				return
			}
			var ie *IDError
			if !errors.As(err, &ie) {
				t.Fatalf("ValidID(%q) = %v, want an *IDError", tt.id, err)
			}
			if !strings.Contains(err.Error(), tt.reason) || !strings.HasSuffix(err.Error(), "e.g. "+IDExample) {
				t.Errorf("ValidID(%q) = %q, want it to say %q and give an example", tt.id, err, tt.reason)
			}
			if ValidID(IDExample) != nil {
				t.Errorf("the example itself is refused")
			}
		})
	}
}

func TestFoldID(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"IDs that differ in case are one campaign", "Outage-1", "outage-1", true},
		{"capitals throughout", "OUTAGE-1", "outage-1", true},
		{"German sharp s folds to ss", "straße", "STRASSE", true},
		{"accents composed or not are one", "caf\u00e9", "cafe\u0301", true},
		{"Japanese has no case", "停電", "停電", true},
		{"different IDs stay different", "outage-1", "outage-2", false},
		{"full-width letters are another name", "ｏｕｔａｇｅ", "outage", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FoldID(tt.a) == FoldID(tt.b); got != tt.same {
				t.Errorf("FoldID(%q) = %q, FoldID(%q) = %q", tt.a, FoldID(tt.a), tt.b, FoldID(tt.b))
			}
		})
	}
}

func FuzzValidID(f *testing.F) {
	for _, s := range []string{"outage-1", "CON", "a.", "nul.txt", "停電"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if ValidID(id) != nil {
			return
		}
		// A valid ID never holds what Windows refuses.
		if strings.ContainsAny(id, `<>:"/\|?* `) || strings.HasSuffix(id, ".") {
			t.Errorf("ValidID accepted %q", id)
		}
	})
}

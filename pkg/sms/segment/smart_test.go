package segment

import (
	"reflect"
	"strings"
	"testing"
)

func TestSmartTableGivesGSM7(t *testing.T) {
	for r, to := range smartTable {
		if !IsGSM7(to) {
			t.Errorf("U+%04X → %q is not GSM-7", r, to)
		}
	}
	// Twilio's table, as vendored in testdata, is followed except for the documented space changes.
	for from, to := range loadVectors(t).SmartMap {
		r := []rune(from)[0]
		got, ok := smartTable[r]
		if !ok {
			t.Errorf("U+%04X missing from smartTable", r)
		} else if got != to && strings.TrimSpace(to) != "" {
			t.Errorf("U+%04X → %q, Twilio %q", r, got, to)
		}
	}
}

func TestSmart(t *testing.T) {
	tests := []struct {
		name, in, want string
		reps           []Replacement
	}{
		{"GSM-7 text is unchanged", "Stay home.", "Stay home.", nil},
		{"curly quotes, dashes and ellipsis become GSM-7", "“Stay” – home…", `"Stay" - home...`,
			[]Replacement{{"“", `"`, 1}, {"”", `"`, 1}, {"–", "-", 1}, {"…", "...", 1}}},
		{"no-break and ideographic spaces become one space", "a\u00a0b\u3000c", "a b c",
			[]Replacement{{"\u00a0", " ", 1}, {"\u3000", " ", 1}}},
		{"full-width ASCII becomes ASCII", "ＴＥＬ：０３", "TEL:03",
			[]Replacement{{"Ｔ", "T", 1}, {"Ｅ", "E", 1}, {"Ｌ", "L", 1}, {"：", ":", 1}, {"０", "0", 1}, {"３", "3", 1}}},
		{"Japanese text is left alone: it stays UCS-2 anyway", "本日は休診です。", "本日は休診です。", nil},
		{"one character without a look-alike keeps the whole body", "“Stay” 😀", "“Stay” 😀", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reps := Smart(tt.in)
			if got != tt.want || !reflect.DeepEqual(reps, tt.reps) {
				t.Fatalf("Smart(%q) = %q %+v, want %q %+v", tt.in, got, reps, tt.want, tt.reps)
			}
		})
	}
}

func BenchmarkCount(b *testing.B) {
	for _, bb := range []struct{ name, body string }{
		{"japanese", "【さくら透析クリニック】本日11月22日(日)の透析は停電のため中止します。ご自宅で待機してください。改めてご連絡します。"},
		{"english", "Sakura Dialysis Clinic: Dialysis is cancelled today, Sun 22 Nov, because of a power cut. Please stay at home."},
		{"emoji-multipart", "停電のため本日の透析は中止します👍ご自宅で待機してください。改めてご連絡します。停電のため本日の透析は中止します。ご自宅で待機してください。改めてご連絡します。"},
	} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				Count(bb.body)
			}
		})
	}
}

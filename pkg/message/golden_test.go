package message

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden renders every shipped template in each language with its samples, once with a
// configured clinic and once with no config at all.
func TestGolden(t *testing.T) {
	c, err := LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	configs := []struct {
		label string
		env   Env
	}{
		{"configured", Env{Now: testNow, Vars: map[string]string{"Clinic": "さくら透析クリニック", "ClinicPhone": "03-1234-5678"},
			LangVars: map[string]map[string]string{"en": {"Clinic": "Sakura Dialysis Clinic"}}}},
		{"no config", Env{Now: testNow}},
	}
	for _, tm := range c.Templates() {
		for _, lang := range tm.Langs {
			var b strings.Builder
			for _, cfg := range configs {
				s, err := tm.Sample(lang, cfg.env)
				if err != nil {
					t.Fatal(err)
				}
				in := Count(s)
				fmt.Fprintf(&b, "# %s.%s, %s, samples: %s, %d characters, %d segments\n%s\n", tm.Name, lang, cfg.label,
					in.Encoding, in.Characters, in.Segments, s)
			}
			path := filepath.Join("testdata", "golden", tm.Name+"."+lang+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./pkg/message -run TestGolden -update)", err)
			}
			if string(want) != b.String() {
				t.Errorf("%s differs from the render (run with -update if the change is meant):\n%s", path, b.String())
			}
		}
	}
}

package cli

import (
	"encoding/json"
	"regexp"
	"testing"
)

func TestTemplatesShowCountsTheMessageThatIsSent(t *testing.T) {
	e := newTestEnv(t)
	cfg := e.write("config.yaml", "clinic: さくら透析クリニック\nclinic_en: Sakura Dialysis Clinic\n")
	show := e.run("--config", cfg, "templates", "show", "outage", "--lang", "en")
	if show.code != ExitOK {
		t.Fatalf("templates show: exit %d\n%s", show.code, show.stderr)
	}
	m := regexp.MustCompile(`\[en\][^\n]*\n(?s:.*?)sample \((\S+), \d+ characters, (\d+) segment`).FindStringSubmatch(show.stdout)
	if m == nil {
		t.Fatalf("no English sample line in:\n%s", show.stdout)
	}
	dry := e.run("--config", cfg, "send", "outage", "--lang", "en", "--to", fixture, "--dry-run", "--json")
	if dry.code != ExitOK {
		t.Fatalf("dry run: exit %d\n%s", dry.code, dry.stderr)
	}
	var res struct {
		Deliveries []struct {
			Encoding string `json:"encoding"`
			Segments int    `json:"segments"`
		} `json:"deliveries"`
	}
	if err := json.Unmarshal([]byte(dry.stdout), &res); err != nil || len(res.Deliveries) == 0 {
		t.Fatalf("%v\n%s", err, dry.stdout)
	}
	got := res.Deliveries[0]
	if got.Encoding != m[1] || m[2] != itoa(got.Segments) {
		t.Errorf("templates show says %s, %s segments; the dry run sends %s, %d", m[1], m[2], got.Encoding, got.Segments)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

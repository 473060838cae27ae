package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzConfigFile feeds arbitrary bytes to the config loader: it must return a config or a usage
// error, never panic.
func FuzzConfigFile(f *testing.F) {
	f.Add([]byte("region: JP\nlang: en\nworkers: 3\n"))
	f.Add([]byte("sim:\n  latency: 5ms\n  permanent: ['+8190*']\n"))
	f.Add([]byte("prices: {JP: 0.08}\n"))
	f.Add([]byte("workers: many\n"))
	f.Add([]byte("\xff\xfe\x00"))
	f.Add([]byte("- a\n- b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		d := &Deps{LookupEnv: func(k string) (string, bool) {
			if k == "HOME" {
				return dir, true
			}
			return "", false
		}}
		cfg, err := loadConfig(d, nil, p)
		if err == nil && cfg == nil {
			t.Fatal("no config and no error")
		}
		if err != nil {
			if ee, ok := err.(*exitError); !ok || ee.code != ExitUsage {
				t.Fatalf("config error must be a usage error, got %T %v", err, err)
			}
		}
	})
}

package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// cron runs in another directory: a path in the config file is the config file's folder's.
func TestRelativePathsInTheConfigFileAreTheConfigFilesFolders(t *testing.T) {
	e := newTestEnv(t)
	dir := filepath.Join(e.dir, "clinic")
	group := filepath.Join(dir, "test-group.csv")
	e.write("clinic/test-group.csv", "氏名,携帯電話\n試験 一郎,090-1234-5611\n")
	cfg := e.write("clinic/config.yaml", "journal: data/journal.db\nreport_dir: reports\ntest_group: test-group.csv\n")
	r := e.run("--config", cfg, "send", "test", "--test", "--yes")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, p := range []string{filepath.Join(dir, "data", "journal.db"), filepath.Join(dir, "reports")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v (the config's relative paths must be its folder's)", p, err)
		}
	}
	// A flag is the current directory's, as a shell user expects.
	l, err := loadConfig(&Deps{LookupEnv: func(k string) (string, bool) { v, ok := e.env[k]; return v, ok }}, nil, cfg)
	if err != nil || l.Journal != filepath.Join(dir, "data", "journal.db") || l.TestGroup[0] != group {
		t.Errorf("loadConfig: %v %q %v", err, l.Journal, l.TestGroup)
	}
}

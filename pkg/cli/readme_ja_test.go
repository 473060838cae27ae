package cli

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var (
	readmeShBlock = regexp.MustCompile("(?s)```sh\n(.*?)```")
	// A command line as TestReadmeCommandsParse finds them (smscast, go run ./cmd/smscast), and go
	// test lines; backslash continuations are joined first.
	readmeCommandLine = regexp.MustCompile(`(?m)^(?:smscast |go run \./cmd/smscast |go test )[^\n]*`)
	// A trailing comment: a # after white space, to the end of the line.
	readmeComment = regexp.MustCompile(`\s+#.*$`)
)

// readmeCommands returns the command lines shown in the ```sh blocks of the file at path: each
// with its continuations joined, its trailing # comment removed and its white space folded.
func readmeCommands(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	out := map[string]bool{}
	for _, block := range readmeShBlock.FindAllStringSubmatch(text, -1) {
		code := strings.ReplaceAll(block[1], "\\\n", " ")
		for _, m := range readmeCommandLine.FindAllString(code, -1) {
			m = readmeComment.ReplaceAllString(m, "")
			out[strings.Join(strings.Fields(m), " ")] = true
		}
	}
	return out
}

func missingFrom(have, want map[string]bool) []string {
	var out []string
	for c := range want {
		if !have[c] {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// README.ja.md is README.md for clinic staff in Japanese: every command one shows, the other
// shows too, byte for byte (comments after # may differ).
func TestReadmeJapaneseShowsTheSameCommands(t *testing.T) {
	en := readmeCommands(t, "../../README.md")
	ja := readmeCommands(t, "../../README.ja.md")
	if len(en) < 10 {
		t.Fatalf("found only %d commands in README.md", len(en))
	}
	for _, c := range missingFrom(ja, en) {
		t.Errorf("README.ja.md lacks a command of README.md: %s", c)
	}
	for _, c := range missingFrom(en, ja) {
		t.Errorf("README.md lacks a command of README.ja.md: %s", c)
	}
}

// The extraction itself: continuations, comments and the kinds of lines it takes.
func TestReadmeCommandsExtraction(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/R.md"
	text := "intro\n```sh\nsmscast check a.csv     # コメント\nsmscast send x \\\n    --yes   # the cron line\n" +
		"go test -race ./...\necho not a command\nSMSCAST_X=1 go test ./y\n```\n```yaml\nsmscast history\n```\n" +
		"```sh\ngo run ./cmd/smscast send outage --to e.csv --yes\n```\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	got := readmeCommands(t, path)
	want := []string{"go run ./cmd/smscast send outage --to e.csv --yes", "go test -race ./...",
		"smscast check a.csv", "smscast send x --yes"}
	var keys []string
	for c := range got {
		keys = append(keys, c)
	}
	sort.Strings(keys)
	if strings.Join(keys, "|") != strings.Join(want, "|") {
		t.Errorf("commands:\n got %q\nwant %q", keys, want)
	}
}

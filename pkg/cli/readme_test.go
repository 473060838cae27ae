package cli

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/smscast/smscast/pkg/sms/twilio"
)

func readme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The README's Twilio table must name every error code the provider classifies.
func TestReadmeListsEveryTwilioErrorClass(t *testing.T) {
	text := readme(t)
	for _, c := range twilio.ErrorClasses() {
		if !strings.Contains(text, fmt.Sprint(c.Code)) {
			t.Errorf("README does not mention Twilio error %d (%s)", c.Code, c.Reason)
		}
	}
}

// Every smscast command line in the README must name a real command and real flags.
func TestReadmeCommandsParse(t *testing.T) {
	line := regexp.MustCompile("(?m)^(?:go run \\./cmd/smscast|smscast) ([^#\\n]*(?:\\\\\\n[^#\\n]*)*)")
	d := &Deps{LookupEnv: func(string) (string, bool) { return "", false }}
	n := 0
	var code strings.Builder
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(readme(t), -1) {
		code.WriteString(block[1])
	}
	for _, m := range line.FindAllStringSubmatch(code.String(), -1) {
		args := strings.Fields(strings.ReplaceAll(m[1], "\\\n", " "))
		for i, a := range args {
			args[i] = strings.Trim(a, `'"`)
		}
		root := newRootCmd(d, &globalOptions{})
		root.InitDefaultHelpCmd() // cobra adds `help` when it executes: `smscast help privacy` is a command
		cmd, rest, err := root.Find(args)
		if err != nil || cmd == root {
			t.Errorf("README command %q: not a command", m[0])
			continue
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("README command %q: %v", m[0], err)
		}
		n++
	}
	if n < 10 {
		t.Errorf("found only %d commands in the README", n)
	}
}

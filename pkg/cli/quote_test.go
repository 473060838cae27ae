package cli

import (
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The shells below are models of how cmd.exe and PowerShell read a pasted command line, from
// their documentation and known behaviour, reduced to what matters for quoting; the program's own
// parsing is Go's (os.commandLineToArgv, the Microsoft C rules). They refuse what they do not
// model (a variable, a subexpression) rather than guess.

// goArgv splits a Windows command line as a Go program does (os/exec_windows.go readNextArg).
func goArgv(line string) []string {
	var args []string
	for len(line) > 0 {
		if line[0] == ' ' || line[0] == '\t' {
			line = line[1:]
			continue
		}
		var b []byte
		in, slashes := false, 0
	arg:
		for ; len(line) > 0; line = line[1:] {
			c := line[0]
			switch c {
			case ' ', '\t':
				if !in {
					break arg
				}
			case '"':
				b = append(b, strings.Repeat(`\`, slashes/2)...)
				if slashes%2 == 0 {
					if in && len(line) > 1 && line[1] == '"' {
						b = append(b, c)
						line = line[1:]
					}
					in = !in
				} else {
					b = append(b, c)
				}
				slashes = 0
				continue
			case '\\':
				slashes++
				continue
			}
			b = append(b, strings.Repeat(`\`, slashes)...)
			slashes = 0
			b = append(b, c)
		}
		b = append(b, strings.Repeat(`\`, slashes)...)
		args = append(args, string(b))
	}
	return args
}

// cmdExe is what cmd.exe, typed at its prompt, passes to a program: %NAME% of a defined variable
// is expanded anywhere (quotes do not stop it; an undefined one stays as typed), ^ escapes the
// next character outside quotes, and & | < > outside quotes would run something else.
func cmdExe(line string, env map[string]string) ([]string, error) {
	var out strings.Builder
	in := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '%':
			if j := strings.IndexByte(line[i+1:], '%'); j >= 0 {
				if v, ok := env[line[i+1:i+1+j]]; ok {
					out.WriteString(v)
					i += j + 1
					continue
				}
			}
		case c == '"':
			in = !in
		case c == '^' && !in:
			if i+1 < len(line) {
				i++
				out.WriteByte(line[i])
			}
			continue
		case strings.IndexByte("&|<>", c) >= 0 && !in:
			return nil, fmt.Errorf("cmd.exe runs %q as an operator", c)
		}
		out.WriteByte(c)
	}
	return goArgv(out.String())[1:], nil
}

var psNumber = regexp.MustCompile(`(?i)^[+-]?(0x[0-9a-f]+|[0-9]+(\.[0-9]*)?(e[+-]?[0-9]+)?|\.[0-9]+)(kb|mb|gb|tb|pb|[dlu])?$`)

// powerShell is what PowerShell, typed at its prompt, passes to a native program: version "5.1"
// rebuilds the command line by wrapping an argument that holds a space in quotes, escaping
// nothing, and drops empty ones; "7.3" (and later) quotes each as the program's rules want.
func powerShell(version, line string) ([]string, error) {
	var vals []string
	i := 0
	for i < len(line) {
		if line[i] == ' ' || line[i] == '\t' {
			i++
			continue
		}
		var v strings.Builder
		startQuoted := line[i] == '"' || line[i] == '\''
		bare := 0
		for i < len(line) && line[i] != ' ' && line[i] != '\t' {
			switch c := line[i]; {
			case c == '"':
				s, n, err := psDouble(line[i:])
				if err != nil {
					return nil, err
				}
				v.WriteString(s)
				i += n
			case c == '\'':
				j := i + 1
				for ; j < len(line); j++ {
					if line[j] == '\'' {
						if j+1 < len(line) && line[j+1] == '\'' {
							v.WriteByte('\'')
							j++
							continue
						}
						break
					}
					v.WriteByte(line[j])
				}
				if j == len(line) {
					return nil, errors.New("unterminated '")
				}
				i = j + 1
			case c == '$' || c == '`' || c == '@' && v.Len() == 0 && bare == 0 || strings.IndexByte("(){},;|&<>#", c) >= 0:
				return nil, fmt.Errorf("PowerShell reads %q as syntax", c)
			default:
				v.WriteByte(c)
				bare++
				i++
			}
			if startQuoted {
				break // "a"b is two arguments in PowerShell
			}
		}
		if !startQuoted && psNumber.MatchString(v.String()) && !regexp.MustCompile(`^[0-9]+$`).MatchString(v.String()) {
			return nil, fmt.Errorf("PowerShell reads %s as a number", v.String())
		}
		if !startQuoted && strings.HasPrefix(v.String(), "0") && len(v.String()) > 1 && psNumber.MatchString(v.String()) {
			return nil, fmt.Errorf("PowerShell reads %s as a number", v.String())
		}
		vals = append(vals, v.String())
	}
	var cl []string
	for _, v := range vals[1:] {
		switch {
		case version == "5.1" && v == "":
		case version == "5.1" && strings.ContainsAny(v, " \t"):
			cl = append(cl, `"`+v+`"`)
		case version == "5.1":
			cl = append(cl, v)
		default:
			cl = append(cl, escapeArgMSVC(v))
		}
	}
	args := goArgv("smscast " + strings.Join(cl, " "))[1:]
	if args == nil {
		args = []string{}
	}
	return args, nil
}

// psDouble reads a PowerShell double-quoted string at the start of s: "" and `" are quotes, a
// backtick escapes, $ followed by a name (or { ( ? ^ $ :) is a variable, which the model refuses.
func psDouble(s string) (string, int, error) {
	var b strings.Builder
	for j := 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"' && j+1 < len(s) && s[j+1] == '"':
			b.WriteByte('"')
			j++
		case c == '"':
			return b.String(), j + 1, nil
		case c == '`':
			return "", 0, errors.New("a backtick escapes in PowerShell")
		case c == '$' && j+1 < len(s) && psVarStart(rune(s[j+1])):
			return "", 0, errors.New("PowerShell expands $" + s[j+1:])
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errors.New(`unterminated "`)
}

// escapeArgMSVC quotes one argument as PowerShell 7.3 does (syscall.EscapeArg's rules).
func escapeArgMSVC(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	slashes := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			slashes++
		case '"':
			b.WriteString(strings.Repeat(`\`, slashes+1))
			slashes = 0
		default:
			slashes = 0
		}
		b.WriteByte(s[i])
	}
	b.WriteString(strings.Repeat(`\`, slashes))
	b.WriteByte('"')
	return b.String()
}

// windowsArgs is the table both shells are checked against: what a resume command may carry.
var windowsArgs = []struct {
	name string
	arg  string
	// portable: cmd.exe and both PowerShells give the program arg (PowerShell 7.3 may give a
	// folder's trailing backslash doubled: the same folder).
	portable bool
}{
	{"a template name", "outage", true},
	{"a flag", "--recipients-of", true},
	{"a path with spaces and Japanese", `C:\Users\佐藤 花子\Desktop\患者リスト (2).csv`, true},
	{"a Japanese value with a full-width space", "明日は休診です\u3000ご注意ください", true},
	{"an ampersand", `D:\R&D\list.csv`, true},
	{"a caret", `a^b`, true},
	{"parentheses, comma and semicolon", `x (a,b); y`, true},
	{"a single quote", `O'Brien`, true},
	{"an exclamation mark and a hash", `#1 注意!`, true},
	{"one percent sign", `50% off`, true},
	{"a cmd.exe variable name between percent signs", `C:\data\%USERNAME%\list.csv`, true},
	{"percent signs around a space", `a% b %c`, true},
	{"a dollar before a name", `price$HOME`, true},
	{"a dollar before a space", `5$ each`, true},
	{"a dollar at the end", `costs 5$`, true},
	{"a trailing backslash", `C:\Users\佐藤 花子\reports\`, true},
	{"a trailing backslash without spaces", `C:\reports\`, true},
	{"a number with leading zeros", "0312345678", true},
	{"something PowerShell reads as a number", "1kb", true},
	{"a campaign ID", "outage-2026-11-21", true},
	{"a var", "time=10:00", true},
	{"a where expression with quotes", `病棟="A"`, false},
	{"a backtick", "a`b", false},
	{"a dollar at the start", `$HOME`, false},
	{"a subexpression", `a$(b)`, false},
	{"a curly double quote", "“重要”", false},
}

func TestQuoteArgsWindowsInCmdAndPowerShell(t *testing.T) {
	env := map[string]string{"USERNAME": "sato", "HOME": `C:\Users\sato`, "b": "B", "c": "C", "PATH": `C:\Windows`}
	for _, tt := range windowsArgs {
		t.Run(tt.name, func(t *testing.T) {
			want := []string{"send", tt.arg, "--yes"}
			line := quoteArgs("windows", append([]string{"smscast"}, want...))
			if got := windowsPortable(want); got != tt.portable {
				t.Fatalf("windowsPortable = %v, want %v: %s", got, tt.portable, line)
			}
			same := func(shell string, got []string, err error, folder bool) {
				t.Helper()
				if err == nil && !reflect.DeepEqual(got, want) && folder &&
					reflect.DeepEqual(got, []string{"send", tt.arg + `\`, "--yes"}) {
					return // the same folder
				}
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("%s: %s\n  gives %q, %v\n  want  %q", shell, line, got, err, want)
				}
			}
			trailing := strings.HasSuffix(tt.arg, `\`)
			if tt.portable {
				got, err := cmdExe(line, env)
				same("cmd.exe", got, err, false)
			}
			got, err := powerShell("5.1", line)
			if !strings.Contains(tt.arg, `"`) { // PowerShell 5.1 cannot pass a " to a program at all
				same("PowerShell 5.1", got, err, false)
			}
			got, err = powerShell("7.3", line)
			same("PowerShell 7.3", got, err, trailing)
		})
	}
}

func TestQuoteArgsPOSIX(t *testing.T) {
	tests := []struct{ arg, want string }{
		{"outage", "outage"},
		{"--to", "--to"},
		{"/home/sato/患者 リスト.csv", "'/home/sato/患者 リスト.csv'"},
		{"O'Brien", `'O'\''Brien'`},
		{"$HOME", "'$HOME'"},
		{"a`b", "'a`b'"},
		{"50%", "'50%'"},
		{"", "''"},
		{"a\u3000b", "'a\u3000b'"},
	}
	for _, tt := range tests {
		if got := quoteArgs("linux", []string{tt.arg}); got != tt.want {
			t.Errorf("quoteArgs(linux, %q) = %s, want %s", tt.arg, got, tt.want)
		}
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	args := []string{"outage", "/home/sato/患者 リスト.csv", "O'Brien", "$HOME", "a`b", "50%", "", `a\b`, "x;y&z|w", "!*?[a]{b}(c)<d>#~=^"}
	cmd := exec.Command("sh", "-c", "printargs() { for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done; }; printargs "+quoteArgs("linux", args))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, a := range args {
		want.WriteString("[" + a + "]\n")
	}
	if string(out) != want.String() {
		t.Errorf("sh read\n%s\nwant\n%s", out, want.String())
	}
}

func TestQuoteArgsWindowsTable(t *testing.T) {
	tests := []struct{ arg, want string }{
		{"outage", "outage"},
		{`C:\Users\佐藤 花子\list.csv`, `"C:\Users\佐藤 花子\list.csv"`},
		{`C:\a b\`, `"C:\a b\\"`},
		{`C:\data\%USERNAME%\list.csv`, `C:\data\%"USERNAME"%"\list.csv"`},
		{`price$HOME`, `price"$"HOME`},
		{"0312345678", `"0312345678"`},
		{`$HOME`, `'$HOME'`},
		{"a`b", "'a`b'"},
		{`病棟="A"`, `'病棟="A"'`},
		{`O'Brien`, `"O'Brien"`},
		{"", `""`},
	}
	for _, tt := range tests {
		if got := quoteArgs("windows", []string{tt.arg}); got != tt.want {
			t.Errorf("quoteArgs(windows, %q) = %s, want %s", tt.arg, got, tt.want)
		}
	}
}

// TestTheShellModelsCatchNaiveQuoting keeps the models honest: each mistake a plain "…" makes
// in one of the shells is seen by its model.
func TestTheShellModelsCatchNaiveQuoting(t *testing.T) {
	env := map[string]string{"USERNAME": "sato"}
	if got, _ := cmdExe(`smscast "C:\data\%USERNAME%"`, env); got[0] != `C:\data\sato` {
		t.Errorf("cmd.exe expands %%USERNAME%% inside quotes: %q", got)
	}
	if _, err := cmdExe(`smscast D:\R&D`, env); err == nil {
		t.Errorf("cmd.exe runs what follows an unquoted &")
	}
	if got, _ := powerShell("5.1", `smscast "C:\a b\"`); reflect.DeepEqual(got, []string{`C:\a b\`}) {
		t.Errorf("PowerShell 5.1 lets the trailing backslash escape its quote: %q", got)
	}
	if got, _ := powerShell("7.3", `smscast "a"b`); len(got) != 2 {
		t.Errorf(`PowerShell splits "a"b in two: %q`, got)
	}
	for _, line := range []string{`smscast "$HOME"`, "smscast \"a`b\"", `smscast 0312345678`, `smscast 1kb`, `smscast a,b`} {
		if _, err := powerShell("7.3", line); err == nil {
			t.Errorf("PowerShell would change %s", line)
		}
	}
	if got, _ := powerShell("5.1", `smscast "a""b c"`); reflect.DeepEqual(got, []string{`a"b c`}) {
		t.Errorf("PowerShell 5.1 cannot pass a double quote: %q", got)
	}
}

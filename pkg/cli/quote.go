package cli

import (
	"strings"
	"unicode"
)

// quoteArgs writes args as one command line that a person can paste into the shell of goos and
// that gives the program the same arguments: POSIX single quotes on Unix; on Windows a form that
// cmd.exe and PowerShell (5.1, the one Windows ships, and 7) both read the same way, for spaces,
// Japanese, quotes, &, ^, %, $, parentheses and a trailing backslash. A few arguments have no
// form both shells agree on (one holding a double quote or a backtick, or a $ where PowerShell
// would see a variable and no plain character can end it); those are written for PowerShell,
// the shell Windows opens by default, and windowsPortable says so. The tables in quote_test.go
// model both shells.
func quoteArgs(goos string, args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if goos == "windows" {
			q, ok := quoteWindows(a)
			if !ok {
				q = quotePowerShell(a)
			}
			out[i] = q
		} else {
			out[i] = quotePOSIX(a)
		}
	}
	return strings.Join(out, " ")
}

// windowsPortable reports whether quoteArgs("windows", args) works in cmd.exe as well as in
// PowerShell.
func windowsPortable(args []string) bool {
	for _, a := range args {
		if _, ok := quoteWindows(a); !ok {
			return false
		}
	}
	return true
}

// quotePOSIX quotes s for sh, bash and zsh: as it is when nothing in it is special, else in single
// quotes, inside which only the single quote itself needs ending the quote ('\”).
func quotePOSIX(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~=%^") && !strings.ContainsFunc(s, unicode.IsSpace) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// flagLike is an argument PowerShell passes on as it is although it starts with a dash.
func flagLike(s string) bool {
	if !strings.HasPrefix(s, "-") {
		return false
	}
	for _, r := range strings.TrimLeft(s, "-") {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return len(strings.TrimLeft(s, "-")) > 0
}

// bareWin is a character that means itself, unquoted, in cmd.exe, in PowerShell and to the
// program's own parsing of its command line: ASCII letters and digits, _ . / : = + \ and the
// letters, digits and marks of other scripts (Japanese). Not the spaces, dashes and quotes
// PowerShell also takes for its own (U+3000, en and em dashes, curly quotes).
func bareWin(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	case strings.ContainsRune(`_./:=+\`, r):
		return true
	case r < 0x80:
		return false
	}
	return unicode.In(r, unicode.L, unicode.Mn, unicode.Nd)
}

// bareFirstWin is a character an unquoted argument may start with: PowerShell reads a leading
// digit as a number (007 is passed as 7, 1kb as 1024), and a leading . + - or @ as syntax.
func bareFirstWin(r rune) bool {
	return bareWin(r) && !(r >= '0' && r <= '9') && !strings.ContainsRune(`.+=:`, r)
}

// psVarStart is a character that makes a $ before it a PowerShell variable, inside double quotes
// or not.
func psVarStart(r rune) bool {
	return r == '_' || r == '{' || r == '(' || r == '?' || r == '^' || r == '$' || r == ':' ||
		unicode.IsLetter(r) || unicode.IsDigit(r)
}

// quoteWindows is the form of s that cmd.exe and PowerShell both give the program as s, and
// whether there is one.
//
// Plain: "…", the program's rules for backslashes (doubled before the closing quote). Inside
// double quotes both shells take & | < > ^ ( ) ' ! , ; @ # and spaces literally; PowerShell also
// reads $name there, and cmd.exe %name%, so an argument holding % or such a $ is written as a
// bare word with quoted parts instead: C:\data\"50% off" is one argument to both, a % is always
// followed by a quote (cmd.exe then sees no variable name it knows), and a $ is always the last
// character of a quoted part (PowerShell then sees no name after it).
func quoteWindows(s string) (string, bool) {
	if s == "" {
		return `""`, true
	}
	if flagLike(s) {
		return s, true
	}
	rs := []rune(s)
	needGeneric, allBare := strings.Count(s, "%") > 1, bareFirstWin(rs[0])
	for i, r := range rs {
		switch {
		case r == '"' || r == '`' || r == '\u201c' || r == '\u201d' || r == '\u201e' || r < 0x20 || r == 0x7f:
			return "", false // no form both shells and both PowerShells pass on
		case r == '$' && i+1 < len(rs) && psVarStart(rs[i+1]):
			needGeneric = true
		}
		if !bareWin(r) {
			allBare = false
		}
	}
	if allBare {
		return s, true
	}
	if !needGeneric {
		return `"` + doubleTrailingBackslashes(s) + `"`, true
	}
	return quoteWindowsParts(rs)
}

// doubleTrailingBackslashes doubles the backslashes at the end of s, which would otherwise
// escape the closing quote. (PowerShell 7.3 and later pass the doubled backslash on: for a
// folder, C:\a b\\ is the same folder.)
func doubleTrailingBackslashes(s string) string {
	t := strings.TrimRight(s, `\`)
	return t + strings.Repeat(`\`, 2*(len(s)-len(t)))
}

// quoteWindowsParts writes rs as a bare word with quoted parts (see quoteWindows).
func quoteWindowsParts(rs []rune) (string, bool) {
	if !bareFirstWin(rs[0]) {
		return "", false // PowerShell splits a word that starts quoted: "a"b is two arguments
	}
	var b strings.Builder
	in := false
	set := func(quoted bool) bool {
		if in == quoted {
			return true
		}
		if b.Len() > 0 && strings.HasSuffix(b.String(), `\`) {
			return false // a quote after a backslash would be read as an escaped quote
		}
		b.WriteByte('"')
		in = quoted
		return true
	}
	for i, r := range rs {
		var next rune = -1
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		switch {
		case r == '%':
			// Bare, and followed by a quote: cmd.exe then reads %"…, and no variable has a
			// quote in its name.
			if !set(false) {
				return "", false
			}
			b.WriteRune(r)
			set(true)
			if next == -1 {
				b.WriteByte('"')
				in = false
			}
		case r == '$' && next != -1 && psVarStart(next):
			if !bareWin(next) {
				return "", false // ${ $( $? $^ $$: PowerShell syntax that no bare character can end
			}
			// Last in a quoted part: PowerShell reads "…$" as a literal $.
			if !set(true) {
				return "", false
			}
			b.WriteRune(r)
			set(false)
		case bareWin(r):
			b.WriteRune(r) // the same quoted or not: no quote is opened or closed for it
		default:
			if !set(true) {
				return "", false
			}
			b.WriteRune(r)
		}
	}
	if in && !set(false) {
		return "", false
	}
	out := b.String()
	if strings.HasSuffix(string(rs), `\`) && strings.ContainsFunc(string(rs), unicode.IsSpace) {
		return "", false // PowerShell 5.1 wraps such a value in quotes that its backslash escapes
	}
	return out, true
}

// quotePowerShell quotes s for PowerShell alone: single quotes, inside which nothing but the
// single quote (doubled) is special. A trailing backslash is doubled when s holds a space, which
// PowerShell 5.1 wraps in double quotes without escaping it.
func quotePowerShell(s string) string {
	q := strings.ReplaceAll(s, "'", "''")
	for _, c := range "\u2018\u2019\u201a\u201b" { // PowerShell's other single quotes
		q = strings.ReplaceAll(q, string(c), string(c)+string(c))
	}
	if strings.ContainsAny(s, " \t") {
		q = doubleTrailingBackslashes(q)
	}
	return "'" + q + "'"
}

package cli

import (
	"strings"
	"testing"
)

// --where's refusals and unreadable dates speak the UI language; nothing is sent.
func TestWhereErrorsInJapanese(t *testing.T) {
	e := newTestEnv(t)
	e.env["LANG"] = "ja_JP.UTF-8"
	for _, c := range []struct{ where, want string }{
		{"xx", `--where "xx": =、!=、<= がありません。`},
		{"採血=tomorrow", `--where "採血=tomorrow": 名簿に "採血" の列がありません。`},
		{"採血日=2026/13/01", `"2026/13/01" は日付として読めません。13 月はありません`},
		{"採血日=tomorow", `"tomorow" は日付として読めません(tomorrow のことですか?)。`},
	} {
		r := e.run("send", "outage", "--to", "../../examples/patients.csv", "--where", c.where, "--yes")
		if r.code != ExitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("--where %s: exit %d, want %q\n%s", c.where, r.code, c.want, r.stderr)
		}
	}
	r := e.run("send", "bloodwork", "--to", "../../examples/patients.csv", "--yes")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `テンプレート "bloodwork": 全12行 に項目 "date" の値がありません。`) {
		t.Errorf("bloodwork without a date: exit %d\n%s", r.code, r.stderr)
	}
}

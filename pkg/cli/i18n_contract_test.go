package cli

import (
	"strings"
	"testing"
)

// TestInterfaceLanguageComesFromUILangElseTheLocale is the contract of issue 12: the summary
// speaks Japanese under a Japanese locale, English under LANG=C or SMSCAST_UI_LANG=en, and
// SMSCAST_UI_LANG=ja wins over LANG=C.
func TestInterfaceLanguageComesFromUILangElseTheLocale(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		ja   bool
	}{
		{"a Japanese LANG speaks Japanese", map[string]string{"LANG": "ja_JP.UTF-8"}, true},
		{"LANG=C speaks English", map[string]string{"LANG": "C"}, false},
		{"SMSCAST_UI_LANG=en wins over a Japanese LANG", map[string]string{"LANG": "ja_JP.UTF-8", "SMSCAST_UI_LANG": "en"}, false},
		{"SMSCAST_UI_LANG=ja wins over LANG=C", map[string]string{"LANG": "C", "SMSCAST_UI_LANG": "ja"}, true},
		{"LC_ALL comes before LANG", map[string]string{"LC_ALL": "ja_JP.UTF-8", "LANG": "C"}, true},
		{"LC_MESSAGES comes before LANG", map[string]string{"LC_MESSAGES": "C", "LANG": "ja_JP.UTF-8"}, false},
		{"no locale speaks English", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			for k, v := range tc.env {
				e.env[k] = v
			}
			r := e.run("send", "outage", "--to", fixture, "--dry-run")
			if r.code != ExitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			ja := strings.Contains(r.stdout, "名簿:") && strings.Contains(r.stdout, "確認のみ(ドライラン): 何も送信していません。")
			en := strings.Contains(r.stdout, "List:       ") && strings.Contains(r.stdout, "Dry run: nothing was sent.")
			if ja != tc.ja || en == tc.ja {
				t.Errorf("want Japanese %t, got:\n%s", tc.ja, r.stdout)
			}
		})
	}
}

func TestConfigFileUILangChoosesTheLanguageOfHelpToo(t *testing.T) {
	e := newTestEnv(t)
	e.env["LANG"] = "C"
	e.write("config/smscast/config.yaml", "clinic: 青空クリニック\nui_lang: ja\n")
	r := e.run("send", "--help")
	if r.code != ExitOK || !strings.Contains(r.stdout, "使い方:") || !strings.Contains(r.stdout, "send は、名簿の患者一人ひとりに") ||
		!strings.Contains(r.stdout, "確認せずに送信します") {
		t.Errorf("exit %d, help not in Japanese:\n%s", r.code, r.stdout)
	}
	r = e.run("--config", e.write("en.yaml", "ui_lang: en\n"), "send", "--help")
	if !strings.Contains(r.stdout, "Usage:") || !strings.Contains(r.stdout, "send without asking") {
		t.Errorf("--config's ui_lang: en did not choose English:\n%s", r.stdout)
	}
}

func TestUnknownTemplateIsAJapaneseErrorWithExit2(t *testing.T) {
	e := newTestEnv(t)
	e.env["LANG"] = "ja_JP.UTF-8"
	r := e.run("send", "nosuchtemplate", "--to", fixture)
	if r.code != ExitUsage {
		t.Fatalf("exit %d, want %d", r.code, ExitUsage)
	}
	if !strings.Contains(r.stderr, `テンプレート "nosuchtemplate" はありません。使えるのは `) {
		t.Errorf("stderr not Japanese:\n%s", r.stderr)
	}
}

// TestJSONIsTheSameInBothLanguages: machine-readable output never changes with the interface.
func TestJSONIsTheSameInBothLanguages(t *testing.T) {
	for _, args := range [][]string{
		{"send", "outage", "--to", fixture, "--dry-run", "--json"},
		{"check", fixture, "--json"},
	} {
		out := map[string]run{}
		for _, lang := range []string{"ja", "en"} {
			e := newTestEnv(t)
			e.env["SMSCAST_UI_LANG"] = lang
			out[lang] = e.run(args...)
		}
		if out["ja"].stdout != out["en"].stdout || out["ja"].code != out["en"].code {
			t.Errorf("%v: --json differs between ja (exit %d) and en (exit %d):\n%s\n---\n%s", args,
				out["ja"].code, out["en"].code, out["ja"].stdout, out["en"].stdout)
		}
		if out["ja"].stdout == "" {
			t.Errorf("%v printed no JSON", args)
		}
	}
}

func TestThePromptAcceptsはいAndRefusesいいえ(t *testing.T) {
	for _, tc := range []struct {
		answer string
		sends  bool
	}{
		{"はい\n", true}, {"y\n", true}, {"ｙ\n", true}, {"yes\n", true},
		{"いいえ\n", false}, {"n\n", false}, {"\n", false},
	} {
		t.Run(strings.TrimSpace(tc.answer), func(t *testing.T) {
			e := newTestEnv(t)
			e.env["SMSCAST_UI_LANG"] = "ja"
			e.env["SMSCAST_REPORT_DIR"] = e.dir
			e.tty, e.in = true, tc.answer
			r := e.run("send", "outage", "--to", fixture)
			if !strings.Contains(r.stderr, "3件のSMSを送信します。よろしいですか？ [y/N] ") {
				t.Fatalf("no Japanese prompt:\n%s", r.stderr)
			}
			if tc.sends && (r.code != ExitOK || !strings.Contains(r.stdout, "キャンペーン ")) {
				t.Errorf("%q: exit %d, not sent:\n%s%s", tc.answer, r.code, r.stdout, r.stderr)
			}
			if !tc.sends && (r.code != ExitUsage || !strings.Contains(r.stderr, "送信していません: 確認で取り消しました")) {
				t.Errorf("%q: exit %d, want a cancel:\n%s", tc.answer, r.code, r.stderr)
			}
		})
	}
}

func TestABadUILangNamesTheKeyItsLineAndTheTwoValues(t *testing.T) {
	e := newTestEnv(t)
	cfg := e.write("config/smscast/config.yaml", "clinic: 青空クリニック\nui_lang: fr\n")
	r := e.run("history")
	if r.code != ExitUsage {
		t.Fatalf("exit %d, want %d", r.code, ExitUsage)
	}
	for _, want := range []string{cfg + " line 2", `ui_lang "fr"`, "ja or en"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	e.env["SMSCAST_UI_LANG"] = "jp"
	r = e.run("history")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `SMSCAST_UI_LANG "jp": the interface speaks ja or en`) {
		t.Errorf("exit %d:\n%s", r.code, r.stderr)
	}
}

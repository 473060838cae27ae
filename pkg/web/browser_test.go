package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromium finds a browser for the real-browser test; .ci/run installs Debian's chromium.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// The whole flow in a real browser on the simulator: upload a CP932 list, pick outage, type the
// count, watch the progress to the end, open the call list. Every page is saved as a screenshot
// (also into $SMSCAST_SCREENSHOTS when set), and nothing may load from outside the server.
func TestTheWholeFlowInARealBrowser(t *testing.T) {
	ts := newServer(t, tconfig{latency: 40 * time.Millisecond, workers: 2, test: []string{"090-9999-0001"}})
	list := filepath.Join(t.TempDir(), "患者名簿.csv")
	if err := os.WriteFile(list, cp932(t, patients(60)), 0o600); err != nil {
		t.Fatal(err)
	}
	br := newBrowser(t, ts)
	ctx, shot, shots := br.ctx, br.shot, br.dir
	var disabledBefore, disabledAfter bool
	var runText, resultText, callText, historyText string
	start := time.Now()
	err := chromedp.Run(ctx,
		network.Enable(),
		chromedp.Navigate(ts.base+"/?token="+ts.s.Token()),
		chromedp.WaitVisible("#file", chromedp.ByID),
		shot("1-list-empty"),
		chromedp.SetUploadFiles("#file", []string{list}, chromedp.ByID),
		load(chromedp.Click(`form[enctype] button[type=submit]`, chromedp.ByQuery)),
		chromedp.WaitVisible("#check", chromedp.ByID),
		shot("2-list-checked"),
		load(chromedp.Click("#to-message", chromedp.ByID)),
		chromedp.WaitVisible("#template", chromedp.ByID),
		chromedp.SetValue("#template", "outage", chromedp.ByID),
		load(chromedp.Submit("#message-form", chromedp.ByID)),
		chromedp.WaitVisible("#preview", chromedp.ByID),
		load(chromedp.Click("#next-patient", chromedp.ByID)),
		// The next patient's page, not the old one still on screen (its nodes go when it goes).
		chromedp.WaitVisible(`#preview[data-index="2"]`, chromedp.ByQuery),
		shot("3-message"),
		load(chromedp.Click("#to-confirm", chromedp.ByID)),
		chromedp.WaitVisible("#real-send", chromedp.ByID),
		chromedp.Evaluate(`document.getElementById("send-real").disabled`, &disabledBefore),
		shot("4-confirm"),
		chromedp.SendKeys("#count", "60", chromedp.ByID),
		chromedp.Evaluate(`document.getElementById("send-real").disabled`, &disabledAfter),
		load(chromedp.Click("#send-real", chromedp.ByID)),
		chromedp.WaitVisible("#run", chromedp.ByID),
		chromedp.Sleep(500*time.Millisecond),
		shot("5-sending"),
		chromedp.WaitVisible("#to-result", chromedp.ByID),
		chromedp.Text("#run", &runText, chromedp.ByID),
		shot("6-sent"),
		load(chromedp.Click("#to-result", chromedp.ByID)),
		chromedp.WaitVisible("#report", chromedp.ByID),
		chromedp.Text("main", &resultText, chromedp.ByQuery),
		shot("7-result"),
		load(chromedp.Click("#open-call", chromedp.ByID)),
		chromedp.WaitVisible("#call-frame", chromedp.ByID),
		chromedp.Sleep(500*time.Millisecond),
		chromedp.Evaluate(`document.getElementById("call-frame").contentDocument.body.innerText`, &callText),
		shot("8-call-list"),
		chromedp.Navigate(ts.base+"/history"),
		chromedp.WaitVisible("table.history", chromedp.ByQuery),
		chromedp.Text("main", &historyText, chromedp.ByQuery),
		shot("9-history"),
		chromedp.EmulateViewport(820, 1180),
		chromedp.Navigate(ts.base+"/confirm"),
		chromedp.WaitVisible("#summary", chromedp.ByID),
		shot("10-confirm-tablet"),
	)
	if err != nil {
		t.Fatalf("browser: %v (screenshots in %s)", err, shots)
	}
	t.Logf("whole flow in %v; screenshots in %s", time.Since(start).Round(time.Millisecond), shots)
	if !disabledBefore || disabledAfter {
		t.Errorf("send button disabled before typing %v, after typing 60 %v: want true, false", disabledBefore, disabledAfter)
	}
	for _, want := range []string{"送信が終わりました", "電話連絡リストを開く"} {
		if !strings.Contains(runText, want) {
			t.Errorf("run page lacks %q: %s", want, runText)
		}
	}
	if !strings.Contains(resultText, "電話連絡リスト(3人)") {
		t.Errorf("result page: %s", resultText)
	}
	if !strings.Contains(callText, "電話連絡リスト") || !strings.Contains(callText, "固定 電話") {
		t.Errorf("call list page: %s", callText)
	}
	if !strings.Contains(historyText, "outage-") {
		t.Errorf("history: %s", historyText)
	}
	br.checkNothingOutside(t)
}

// browser is a headless chromium at 1280×800 that saves screenshots and notes every request
// that leaves the server.
type browser struct {
	ctx  context.Context
	dir  string // screenshots, also copied to $SMSCAST_SCREENSHOTS when set
	mu   sync.Mutex
	away []string
}

func newBrowser(t *testing.T, ts *tserver) *browser {
	t.Helper()
	exe := chromium()
	if exe == "" {
		t.Skip("no chromium binary found (apt-get install chromium); .ci/run installs it")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelT)
	br := &browser{ctx: ctx, dir: t.TempDir()}
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			u := e.Request.URL
			if !strings.HasPrefix(u, ts.base+"/") && !strings.HasPrefix(u, "data:") && u != "about:blank" {
				br.mu.Lock()
				br.away = append(br.away, u)
				br.mu.Unlock()
			}
		}
	})
	return br
}

// load runs action, a click or a submit that leaves the page, and returns once the next page has
// loaded: a wait for a selector alone may find it on the old page, whose nodes then vanish
// ("No node with given id found").
func load(action chromedp.Action) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := chromedp.RunResponse(ctx, action)
		return err
	})
}

// shot saves the whole page as name.png.
func (br *browser) shot(name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var buf []byte
		if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
			return err
		}
		if extra := os.Getenv("SMSCAST_SCREENSHOTS"); extra != "" {
			os.MkdirAll(extra, 0o700)
			os.WriteFile(filepath.Join(extra, name+".png"), buf, 0o600)
		}
		return os.WriteFile(filepath.Join(br.dir, name+".png"), buf, 0o600)
	})
}

func (br *browser) checkNothingOutside(t *testing.T) {
	t.Helper()
	br.mu.Lock()
	defer br.mu.Unlock()
	if len(br.away) > 0 {
		t.Errorf("the pages loaded from outside the server: %v", br.away)
	}
}

// The first pages in English (list, message, confirm) as a browser shows them, then the switch
// to Japanese and back on the confirmation page.
func TestTheFirstPagesInEnglishInARealBrowser(t *testing.T) {
	ts := newServer(t, tconfig{lang: "en", workers: 2, test: []string{"090-9999-0001"}})
	br := newBrowser(t, ts)
	list := filepath.Join(t.TempDir(), "patients.csv")
	if err := os.WriteFile(list, cp932(t, patients(60)), 0o600); err != nil {
		t.Fatal(err)
	}
	var listText, confirmText, jaText, jaLang, enLang string
	err := chromedp.Run(br.ctx,
		network.Enable(),
		chromedp.Navigate(ts.base+"/?token="+ts.s.Token()),
		chromedp.WaitVisible("#file", chromedp.ByID),
		br.shot("en-1-list-empty"),
		chromedp.SetUploadFiles("#file", []string{list}, chromedp.ByID),
		load(chromedp.Click(`form[enctype] button[type=submit]`, chromedp.ByQuery)),
		chromedp.WaitVisible("#check", chromedp.ByID),
		chromedp.Text("main", &listText, chromedp.ByQuery),
		br.shot("en-2-list-checked"),
		load(chromedp.Click("#to-message", chromedp.ByID)),
		chromedp.WaitVisible("#template", chromedp.ByID),
		chromedp.SetValue("#template", "outage", chromedp.ByID),
		load(chromedp.Submit("#message-form", chromedp.ByID)),
		chromedp.WaitVisible("#preview", chromedp.ByID),
		br.shot("en-3-message"),
		load(chromedp.Click("#to-confirm", chromedp.ByID)),
		chromedp.WaitVisible("#real-send", chromedp.ByID),
		chromedp.Text("main", &confirmText, chromedp.ByQuery),
		br.shot("en-4-confirm"),
		// Wait for the new page by its language: the old page's #real-send is visible until the
		// browser replaces it, and a node read from it then is gone.
		load(chromedp.Click("#lang-ja", chromedp.ByID)),
		chromedp.WaitVisible(`html[lang="ja"] #real-send`, chromedp.ByQuery),
		chromedp.Text("main", &jaText, chromedp.ByQuery),
		chromedp.AttributeValue("html", "lang", &jaLang, nil, chromedp.ByQuery),
		load(chromedp.Click("#lang-en", chromedp.ByID)),
		chromedp.WaitVisible(`html[lang="en"] #real-send`, chromedp.ByQuery),
		chromedp.AttributeValue("html", "lang", &enLang, nil, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("browser: %v (screenshots in %s)", err, br.dir)
	}
	t.Logf("screenshots in %s", br.dir)
	if !strings.Contains(listText, "Rows that cannot be texted (2)") {
		t.Errorf("list page: %s", listText)
	}
	if !strings.Contains(confirmText, "This send is 60 messages.") || !strings.Contains(confirmText, "Recipients: 60 patients, 60 messages") {
		t.Errorf("confirm page: %s", confirmText)
	}
	if jaLang != "ja" || !strings.Contains(jaText, "今回送るのは 60通 です。") {
		t.Errorf("after the switch to 日本語: lang %q, %s", jaLang, jaText)
	}
	if enLang != "en" {
		t.Errorf("after the switch back to English: lang %q", enLang)
	}
	br.checkNothingOutside(t)
}

package web

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/smscast/smscast/pkg/campaign"
	"github.com/smscast/smscast/pkg/internal/private"
	"github.com/smscast/smscast/pkg/journal"
	"github.com/smscast/smscast/pkg/roster"
	"github.com/smscast/smscast/pkg/sms"
	"github.com/smscast/smscast/pkg/sms/sim"
)

// tserver is a page served on a loopback port, with a browser-like client that holds its cookie.
type tserver struct {
	t      *testing.T
	s      *Server
	base   string
	c      *http.Client
	csrf   string
	dir    string
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

type tconfig struct {
	lang    string // the configured page language: "" is Japanese
	latency time.Duration
	workers int
	test    []string
	region  string // "" is JP
}

func newServer(t *testing.T, tc tconfig) *tserver {
	t.Helper()
	dir := t.TempDir()
	tokyo := time.FixedZone("JST", 9*3600)
	if tc.workers == 0 {
		tc.workers = 4
	}
	cfg := Config{
		Lang: tc.lang,
		Settings: campaign.Settings{Lang: "ja", Region: cmp.Or(tc.region, "JP"), Workers: tc.workers, Location: tokyo, MaxParts: 3,
			TestGroup: tc.test, Clinic: campaign.Clinic{Name: "架空クリニック", Phone: "03-0000-0000"}},
		Provider: campaign.Provider{Name: "sim", MaxChars: 1600, Latency: tc.latency},
		Build: func() (sms.Sender, error) {
			return sim.New(sim.Config{Seed: 1, Latency: tc.latency, Permanent: []string{"+819010000007"}})
		},
		Journal:      filepath.Join(dir, "data", "journal.db"),
		ReportDir:    filepath.Join(dir, "reports"),
		TemplatesDir: filepath.Join(dir, "templates"),
		GraceFloor:   10 * time.Millisecond,
		TickEvery:    100 * time.Millisecond,
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &tserver{t: t, s: s, base: "http://" + ln.Addr().String(), dir: dir, cancel: cancel, done: make(chan error, 1)}
	go func() { ts.done <- s.Serve(ctx, ln) }()
	t.Cleanup(ts.stop)
	jar, _ := cookiejar.New(nil)
	ts.c = &http.Client{Jar: jar, Timeout: 20 * time.Second}
	return ts
}

func (ts *tserver) stop() {
	ts.once.Do(func() {
		ts.cancel()
		select {
		case <-ts.done:
		case <-time.After(30 * time.Second):
			ts.t.Error("Serve did not return after its context was cancelled")
		}
	})
}

// login opens the token address, as the browser does.
func (ts *tserver) login() string {
	ts.t.Helper()
	code, body := ts.get("/?token=" + ts.s.Token())
	if code != http.StatusOK {
		ts.t.Fatalf("token address: %d", code)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		ts.t.Fatal("no CSRF token on the page")
	}
	ts.csrf = m[1]
	return body
}

func (ts *tserver) get(path string) (int, string) {
	ts.t.Helper()
	resp, err := ts.c.Get(ts.base + path)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (ts *tserver) post(path string, form url.Values) (int, string) {
	ts.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", ts.csrf)
	}
	resp, err := ts.c.PostForm(ts.base+path, form)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (ts *tserver) upload(name string, data []byte, csrf string) (int, string) {
	ts.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	resp, err := ts.c.Post(ts.base+"/list", mw.FormDataContentType(), &b)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// patients is a fictitious list of n mobiles, one landline and one invalid number.
func patients(n int) string {
	var b strings.Builder
	b.WriteString("患者ID,氏名,携帯電話\n")
	for i := range n {
		fmt.Fprintf(&b, "P%04d,架空 患者%d,090-%04d-%04d\n", i+1, i+1, 1000+i/10000, i%10000+1)
	}
	b.WriteString("P9998,固定 電話,03-1234-5678\nP9999,誤り 番号,090-12\n")
	return b.String()
}

func cp932(t *testing.T, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func text(page string) string {
	s := regexp.MustCompile(`(?s)<script.*?</script>|<[^>]+>`).ReplaceAllString(page, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

func TestTheTokenIsExchangedOnceForAStrictHttpOnlySessionCookie(t *testing.T) {
	ts := newServer(t, tconfig{})
	tok := ts.s.Token()
	if code, _ := ts.get("/"); code != http.StatusForbidden {
		t.Fatalf("GET / without token or cookie: %d, want 403", code)
	}
	resp, err := ts.c.Get(ts.base + "/?token=" + tok)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "名簿") {
		t.Fatalf("token address: %d %s, want 200 and a Japanese page", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v: want HttpOnly and SameSite=Strict", cookie)
	}
	if code, _ := ts.get("/history"); code != 200 {
		t.Errorf("with the cookie: %d", code)
	}
	other := &http.Client{}
	for _, path := range []string{"/?token=" + tok, "/", "/history", "/static/style.css"} {
		resp, err := other.Get(ts.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s without the cookie, token used: %d, want 403", path, resp.StatusCode)
		}
	}
}

func TestStateChangesNeedTheCSRFTokenAndOurOrigin(t *testing.T) {
	ts := newServer(t, tconfig{})
	ts.login()
	for name, form := range map[string]url.Values{
		"no token":    {"path": {"x.csv"}, "csrf": nil},
		"wrong token": {"path": {"x.csv"}, "csrf": {"nope"}},
	} {
		if form["csrf"] == nil {
			delete(form, "csrf")
			resp, err := ts.c.PostForm(ts.base+"/list", form)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 403 {
				t.Errorf("%s: %d, want 403", name, resp.StatusCode)
			}
			continue
		}
		if code, _ := ts.post("/list", form); code != 403 {
			t.Errorf("%s: %d, want 403", name, code)
		}
	}
	if code, _ := ts.upload("a.csv", []byte(patients(2)), "nope"); code != 403 {
		t.Errorf("upload with a wrong token: %d, want 403", code)
	}
	req, _ := http.NewRequest("POST", ts.base+"/list", strings.NewReader(url.Values{"csrf": {ts.csrf}, "path": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	if resp, err := ts.c.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("a post from another origin: %v %v, want 403", resp.StatusCode, err)
	}
	for _, path := range []string{"/send", "/run/x/stop", "/resume/x", "/message", "/campaigns/x/report"} {
		resp, err := ts.c.PostForm(ts.base+path, url.Values{})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("POST %s without the token: %d, want 403", path, resp.StatusCode)
		}
	}
	if code, _ := ts.post("/list", url.Values{"path": {"x.csv"}}); code != 200 {
		t.Errorf("with the token: %d, want the list page", code)
	}
}

func TestAPageAskedForByAnotherHostNameIsForbidden(t *testing.T) {
	ts := newServer(t, tconfig{})
	ts.login()
	req, _ := http.NewRequest("GET", ts.base+"/history", nil)
	req.Host = "rebound.example:80" // DNS rebinding: a page elsewhere that resolves to 127.0.0.1
	resp, err := ts.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("Host rebound.example: %d, want 403", resp.StatusCode)
	}
}

// An uploaded bad file gets check's own sentence for it, the file named as uploaded.
func TestUploadsOfBadFilesShowCheckErrors(t *testing.T) {
	ts := newServer(t, tconfig{})
	ts.login()
	bad := filepath.FromSlash("../../pkg/cli/testdata/bad/lists")
	for _, name := range []string{"ragged-row.csv", "unterminated-quote.csv", "binary-garbage.csv", "empty.csv", "header-only.csv", "no-phone-column.csv", "patients.xlsx"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(bad, name))
			if err != nil {
				t.Skip(err)
			}
			if code, body := ts.upload(name, data, ts.csrf); code != 200 {
				t.Fatalf("upload: %d %s", code, text(body))
			}
			_, page := ts.get("/list")
			_, cerr := roster.Check(filepath.Join(bad, name), roster.Options{Region: "JP"})
			if cerr == nil {
				if !strings.Contains(page, "SMSを受け取れる番号が1件もありません") {
					t.Errorf("no error and no warning on the page: %s", text(page))
				}
				return
			}
			want := strings.ReplaceAll(cerr.Error(), bad+string(filepath.Separator), "")
			if !strings.Contains(text(page), text(want)) {
				t.Errorf("page does not show %q:\n%s", want, text(page))
			}
		})
	}
}

func TestUploadedListsStayInAPrivateDirectoryRemovedOnExit(t *testing.T) {
	ts := newServer(t, tconfig{})
	ts.login()
	ts.upload("patients.csv", []byte(patients(3)), ts.csrf)
	if err := private.Check(ts.s.tmpDir); err != nil {
		t.Fatalf("upload directory: %v", err)
	}
	matches, _ := filepath.Glob(filepath.Join(ts.s.tmpDir, "*", "patients.csv"))
	if len(matches) != 1 {
		t.Fatalf("uploaded list not kept under its name: %v", matches)
	}
	ts.stop()
	if _, err := os.Stat(ts.s.tmpDir); !os.IsNotExist(err) {
		t.Errorf("upload directory still there after the server stopped: %v", err)
	}
}

// events reads the run's SSE stream to its end event.
func events(t *testing.T, ts *tserver, id string) []progress {
	t.Helper()
	resp, err := ts.c.Get(ts.base + "/run/" + id + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events: %s", ct)
	}
	var out []progress
	sc := bufio.NewScanner(resp.Body)
	kind := ""
	for sc.Scan() {
		line := sc.Text()
		if k, ok := strings.CutPrefix(line, "event: "); ok {
			kind = k
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			var p progress
			if err := json.Unmarshal([]byte(d), &p); err != nil {
				t.Fatal(err)
			}
			out = append(out, p)
			if kind == "end" {
				return out
			}
		}
	}
	t.Fatalf("the stream ended without an end event: %v", sc.Err())
	return nil
}

// startSend goes through the pages to the send button and returns the campaign ID.
func startSend(t *testing.T, ts *tserver, list []byte, count string) string {
	t.Helper()
	if code, body := ts.upload("患者名簿.csv", list, ts.csrf); code != 200 {
		t.Fatalf("upload: %d %s", code, text(body))
	}
	if code, _ := ts.post("/message", url.Values{"template": {"outage"}}); code != 200 {
		t.Fatalf("choose outage: %d", code)
	}
	resp, err := ts.c.PostForm(ts.base+"/send", url.Values{"csrf": {ts.csrf}, "count": {count}, "shown": {count}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id, ok := strings.CutPrefix(resp.Request.URL.Path, "/run/")
	if !ok {
		t.Fatalf("send ended on %s (%d), not the run page", resp.Request.URL.Path, resp.StatusCode)
	}
	return id
}

func TestEveryPageOfASendOnTheSimulator(t *testing.T) {
	ts := newServer(t, tconfig{})
	ts.login()
	if code, body := ts.upload("患者名簿.csv", cp932(t, patients(8)), ts.csrf); code != 200 ||
		!strings.Contains(body, "Shift_JIS") || !strings.Contains(body, "SMSを送れない行(2行)") || !strings.Contains(body, "03-1234-5678") {
		t.Fatalf("list page after a CP932 upload: %d\n%s", code, text(body))
	}
	_, page := ts.post("/message", url.Values{"template": {"outage"}})
	if !strings.Contains(page, "本日") || !strings.Contains(page, "1人目 / 8通") || !strings.Contains(page, "OutageAdvice") {
		t.Fatalf("message page: %s", text(page))
	}
	if _, page = ts.get("/message?i=3"); !strings.Contains(page, "3人目 / 8通") || !strings.Contains(page, "架空 患者3") {
		t.Fatalf("third patient: %s", text(page))
	}
	_, page = ts.get("/confirm")
	for _, want := range []string{"送信先: 8人に8通", "送らない方: 2人", "今回送るのは 8通", `data-confirm="8"`, "練習モード"} {
		if !strings.Contains(page, want) {
			t.Errorf("confirm page lacks %q: %s", want, text(page))
		}
	}
	if code, page := ts.post("/send", url.Values{"count": {"185"}, "shown": {"8"}}); code != 422 || !strings.Contains(page, "違います") {
		t.Errorf("a wrong count: %d %s", code, text(page))
	}
	if code, _ := ts.post("/send", url.Values{}); code != 422 {
		t.Errorf("no count: %d", code)
	}
	if _, err := os.Stat(ts.s.cfg.Journal); err == nil {
		t.Fatal("a refused send created the journal")
	}
	resp, err := ts.c.PostForm(ts.base+"/send", url.Values{"csrf": {ts.csrf}, "count": {"８"}, "shown": {"8"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id, _ := strings.CutPrefix(resp.Request.URL.Path, "/run/")
	evs := events(t, ts, id)
	last := evs[len(evs)-1]
	if !last.Ended || last.Sent != 7 || last.Failed != 1 || last.State != "partial" {
		t.Fatalf("last event %+v: want 7 sent, 1 failed (the simulator refuses +8190*0007)", last)
	}
	_, page = ts.get("/run/" + id)
	if !strings.Contains(page, "届かなかった方(1人)") || !strings.Contains(page, "/campaigns/"+id+"/call") {
		t.Errorf("run page after the end: %s", text(page))
	}
	_, page = ts.get("/campaigns/" + id)
	for _, want := range []string{"電話連絡リスト(3人)", "送信の記録(10人)", id + ".csv", "送信できませんでした", "架空 患者8"} {
		if !strings.Contains(page, want) {
			t.Errorf("result page lacks %q: %s", want, text(page))
		}
	}
	if _, page = ts.get("/campaigns/" + id + "?state=skipped"); strings.Contains(page, "架空 患者8") || !strings.Contains(page, "固定 電話") {
		t.Errorf("filter by skipped: %s", text(page))
	}
	if code, page := ts.get("/campaigns/" + id + "/call"); code != 200 || !strings.Contains(page, "call-page") {
		t.Errorf("call list: %d", code)
	}
	resp, err = ts.c.Get(ts.base + "/campaigns/" + id + "/call-page")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "電話連絡リスト") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("call list page: %s", text(string(b)))
	}
	for _, name := range []string{id + ".csv", id + "-call.csv", id + "-call.html", id + ".json"} {
		code, body := ts.get("/campaigns/" + id + "/files/" + name)
		disk, _ := os.ReadFile(filepath.Join(ts.s.cfg.ReportDir, name))
		if code != 200 || body != string(disk) {
			t.Errorf("file %s: %d, %d bytes, want the %d bytes of the report dir", name, code, len(body), len(disk))
		}
	}
	if code, _ := ts.get("/campaigns/" + id + "/files/..%2Fdata%2Fjournal.db"); code != 404 {
		t.Errorf("a file outside the report: %d, want 404", code)
	}
	_, page = ts.get("/history")
	if !strings.Contains(page, id) || !strings.Contains(page, "練習") {
		t.Errorf("history: %s", text(page))
	}
	// The same send again has nothing left to do: the summary says so.
	if _, page = ts.get("/confirm"); !strings.Contains(page, "送るものはありません") {
		t.Errorf("confirm after the send: %s", text(page))
	}
}

func TestATestSendGoesToTheTestGroupOnly(t *testing.T) {
	ts := newServer(t, tconfig{test: []string{"090-9999-0001", "090-9999-0002"}})
	ts.login()
	ts.upload("list.csv", []byte(patients(5)), ts.csrf)
	ts.post("/message", url.Values{"template": {"outage"}})
	if _, page := ts.get("/confirm"); !strings.Contains(page, "テストグループに送る") {
		t.Fatalf("no test button: %s", text(page))
	}
	resp, err := ts.c.PostForm(ts.base+"/send", url.Values{"csrf": {ts.csrf}, "test": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id, ok := strings.CutPrefix(resp.Request.URL.Path, "/run/")
	if !ok || !strings.HasPrefix(id, "test-") {
		t.Fatalf("test send went to %s", resp.Request.URL.Path)
	}
	last := events(t, ts, id)
	if p := last[len(last)-1]; p.Sent != 2 || p.Total != 2 {
		t.Errorf("test send: %+v, want the 2 of the test group", p)
	}
}

func TestStopIsGracefulAndResumeSendsTheRest(t *testing.T) {
	ts := newServer(t, tconfig{latency: 20 * time.Millisecond, workers: 1})
	ts.login()
	id := startSend(t, ts, []byte(patients(300)), "300")
	time.Sleep(300 * time.Millisecond)
	if code, _ := ts.post("/run/"+id+"/stop", nil); code != 200 {
		t.Fatalf("stop: %d", code)
	}
	evs := events(t, ts, id)
	p := evs[len(evs)-1]
	if p.State != "stopped" || !p.Resume || p.Pending == 0 || p.Sent == 0 || !strings.Contains(p.How, "再開") {
		t.Fatalf("after stop: %+v", p)
	}
	j, err := journal.Open(context.Background(), ts.s.cfg.Journal)
	if err != nil {
		t.Fatal(err)
	}
	counts, _ := j.Counts(context.Background(), id)
	j.Close()
	if counts[journal.Sending] != 0 || counts[journal.Pending] != p.Pending {
		t.Errorf("journal after stop: %v, page says %d pending", counts, p.Pending)
	}
	if _, page := ts.get("/history"); !strings.Contains(page, "/resume/"+id) {
		t.Errorf("history has no resume button: %s", text(page))
	}
	if code, _ := ts.post("/resume/"+id, nil); code != 200 {
		t.Fatalf("resume: %d", code)
	}
	evs = events(t, ts, id)
	if p := evs[len(evs)-1]; p.State != "done" && p.State != "partial" || p.Pending != 0 {
		t.Fatalf("after resume: %+v", p)
	}
	j, _ = journal.Open(context.Background(), ts.s.cfg.Journal)
	defer j.Close()
	counts, _ = j.Counts(context.Background(), id)
	if journal.Counts(counts).Accepted()+counts[journal.Failed] != 300 {
		t.Errorf("after resume: %v, want all 300 sent once", counts)
	}
}

func TestStoppingTheServerStopsTheRunAndSaysHowToResume(t *testing.T) {
	ts := newServer(t, tconfig{latency: 20 * time.Millisecond, workers: 1})
	ts.login()
	id := startSend(t, ts, []byte(patients(300)), "300")
	got := make(chan []progress, 1)
	go func() { got <- events(t, ts, id) }()
	time.Sleep(400 * time.Millisecond)
	ts.stop()
	evs := <-got
	p := evs[len(evs)-1]
	if p.State != "stopped" || !p.Shutdown || !strings.Contains(p.How, "smscast serve を起動") || p.Pending == 0 {
		t.Fatalf("last event when the server stopped: %+v", p)
	}
	j, err := journal.Open(context.Background(), ts.s.cfg.Journal)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	counts, _ := j.Counts(context.Background(), id)
	if counts[journal.Sending] != 0 || counts[journal.Pending] != p.Pending {
		t.Errorf("journal: %v; page: %d pending", counts, p.Pending)
	}
}

// The page and another smscast (the CLI) never send one campaign at once: the other holds the
// message's lock, and the page says who.
func TestACampaignHeldByAnotherProcessIsNotSentAndThePageSaysWhy(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a second Journal stands in for another process only with flock: on Windows the lock is a row naming this pid, which this process takes back")
	}
	ts := newServer(t, tconfig{})
	ts.login()
	ctx := context.Background()
	other, err := journal.Open(ctx, ts.s.cfg.Journal)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	release, err := other.Lock(ctx, "message:"+campaign.Key{Template: "outage", Lang: "ja", Drill: true}.Fingerprint()) // the simulator: a drill
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ts.upload("list.csv", []byte(patients(3)), ts.csrf)
	ts.post("/message", url.Values{"template": {"outage"}})
	code, page := ts.post("/send", url.Values{"count": {"3"}, "shown": {"3"}})
	if code != http.StatusConflict || !strings.Contains(page, "別の smscast が送信しています") || !strings.Contains(page, fmt.Sprint(os.Getpid())) {
		t.Fatalf("send while another process holds it: %d %s", code, text(page))
	}
	if cs, _ := other.Campaigns(ctx); len(cs) != 0 {
		t.Errorf("campaigns created: %v", cs)
	}
}

func TestEveryMessageKeyUsedByThePagesExists(t *testing.T) {
	re := regexp.MustCompile(`\{\{t "([^"]+)"`)
	for _, name := range append(slices.Clone(pageNames), "layout") {
		b, err := assets.ReadFile("assets/templates/" + name + ".html")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			for _, l := range langs {
				if _, ok := catalog[l][m[1]]; !ok {
					t.Errorf("%s.html uses message %q, which the %s catalog lacks", name, m[1], l)
				}
			}
		}
	}
}

// The summary of a 2,000-row list renders in under 300 ms (the median of five).
func TestTheSummaryOfA2000RowListIsQuick(t *testing.T) {
	ts := newServer(t, tconfig{})
	ts.login()
	ts.upload("big.csv", cp932(t, patients(2000)), ts.csrf)
	ts.post("/message", url.Values{"template": {"outage"}})
	var ds []time.Duration
	for range 5 {
		start := time.Now()
		code, page := ts.get("/confirm")
		ds = append(ds, time.Since(start))
		if code != 200 || !strings.Contains(page, "今回送るのは 2000通") {
			t.Fatalf("confirm: %d %s", code, text(page))
		}
	}
	slices.Sort(ds)
	t.Logf("confirm page, 2,000 rows: median %v (min %v, max %v)", ds[2], ds[0], ds[4])
	if ds[2] > 300*time.Millisecond && !raceEnabled {
		t.Errorf("median %v, want under 300ms", ds[2])
	}
}

// During a send the page gets at least two progress updates a second.
func TestProgressIsPushedAtLeastTwiceASecond(t *testing.T) {
	ts := newServer(t, tconfig{latency: 10 * time.Millisecond, workers: 2})
	ts.s.cfg.TickEvery = 250 * time.Millisecond // the default
	ts.login()
	id := startSend(t, ts, []byte(patients(400)), "400")
	start := time.Now()
	evs := events(t, ts, id)
	el := time.Since(start)
	rate := float64(len(evs)) / el.Seconds()
	t.Logf("%d updates in %v: %.1f a second", len(evs), el.Round(time.Millisecond), rate)
	if el > time.Second && rate < 2 {
		t.Errorf("%.1f updates a second, want at least 2", rate)
	}
}

func BenchmarkConfirmPage2000Rows(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "big.csv")
	os.WriteFile(path, []byte(patients(2000)), 0o600)
	s, err := New(Config{Settings: campaign.Settings{Lang: "ja", Region: "JP", Workers: 4},
		Provider: campaign.Provider{Name: "sim"}, Journal: filepath.Join(dir, "j.db"), ReportDir: dir,
		TemplatesDir: filepath.Join(dir, "none")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.draft = draft{ListPath: path, ListName: "big.csv", Template: "outage"}
	for b.Loop() {
		plan, err := s.prepare(context.Background(), s.getDraft(), false)
		if err != nil {
			b.Fatal(err)
		}
		_ = s.confirmView(ja, plan)
	}
}

// The campaign layer's refusals are worded in the page's language: a Japanese list read with
// region US.
func TestAnInputErrorIsShownInThePagesLanguage(t *testing.T) {
	for _, c := range []struct{ lang, want, hint string }{
		{"", "地域の設定は合っていますか?(--region JP)", "何も送信していません"},
		{"en", "is the region right? (--region JP)", "nothing was sent"},
	} {
		ts := newServer(t, tconfig{lang: c.lang, region: "US"})
		ts.login()
		if code, body := ts.upload("patients.csv", []byte(patients(8)), ts.csrf); code != 200 {
			t.Fatalf("upload: %d %s", code, text(body))
		}
		_, page := ts.post("/message", url.Values{"template": {"outage"}})
		if !strings.Contains(text(page), c.want) || !strings.Contains(text(page), c.hint) {
			t.Errorf("lang %q: the page lacks %q and %q:\n%s", c.lang, c.want, c.hint, text(page))
		}
	}
}

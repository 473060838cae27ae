package cli

import (
	"bufio"
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"
)

func TestServeArgvBecomesOptions(t *testing.T) {
	var got *serveOptions
	d := &Deps{Stdout: io.Discard, Stderr: io.Discard, LookupEnv: func(string) (string, bool) { return "", false }, Now: time.Now}
	cmd := newCmdServe(d, &globalOptions{}, func(_ context.Context, o *serveOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--addr", "127.0.0.1:8765", "--no-open"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Addr != "127.0.0.1:8765" || !got.NoOpen {
		t.Fatalf("options: %+v", got)
	}
}

func TestServeRefusesAnAddressOtherComputersCanReach(t *testing.T) {
	e := newTestEnv(t)
	for _, addr := range []string{"0.0.0.0:8765", ":8765", "192.168.1.20:8765", "[::]:8765", "example.com:80"} {
		r := e.run("serve", "--no-open", "--addr", addr)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "loopback") && !strings.Contains(r.stderr, "--addr") {
			t.Errorf("--addr %s: exit %d, stderr %q; want exit 2 naming the loopback address", addr, r.code, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("--addr %s printed %q", addr, r.stdout)
		}
	}
}

// serving is `smscast serve` running in the test, with its stdout read line by line.
type serving struct {
	t      *testing.T
	url    string
	base   string
	cancel context.CancelFunc
	code   chan int
	stderr *syncBuffer
	client *http.Client
	csrf   string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (e *testEnv) serve(args ...string) *serving {
	e.t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	sv := &serving{t: e.t, cancel: cancel, code: make(chan int, 1), stderr: &syncBuffer{}}
	start := time.Now()
	d := &Deps{Stdin: strings.NewReader(""), Stdout: pw, Stderr: sv.stderr,
		LookupEnv: func(k string) (string, bool) { v, ok := e.env[k]; return v, ok },
		Now:       func() time.Time { return e.now.Add(time.Since(start)) }, Version: "test"}
	go func() {
		sv.code <- Main(ctx, d, append([]string{"serve", "--no-open", "--addr", "127.0.0.1:0"}, args...))
		pw.Close()
	}()
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		io.Copy(io.Discard, pr)
	}()
	select {
	case line, ok := <-first:
		if !ok {
			e.t.Fatalf("serve printed nothing: %s", sv.stderr.String())
		}
		sv.url = line
	case <-time.After(2 * time.Second):
		e.t.Fatalf("serve printed no address within 2 s: %s", sv.stderr.String())
	}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]{20,}$`).MatchString(sv.url) {
		e.t.Fatalf("first line %q is not http://127.0.0.1:<port>/?token=<token>", sv.url)
	}
	sv.base = sv.url[:strings.Index(sv.url, "/?token=")]
	jar, _ := cookiejar.New(nil)
	sv.client = &http.Client{Jar: jar, Timeout: 20 * time.Second}
	e.t.Cleanup(func() { sv.stop() })
	return sv
}

func (sv *serving) stop() int {
	sv.cancel()
	select {
	case c := <-sv.code:
		sv.code <- c
		return c
	case <-time.After(30 * time.Second):
		sv.t.Fatal("serve did not stop after Ctrl-C")
	}
	return -1
}

func (sv *serving) do(req *http.Request) (int, string, *http.Response) {
	sv.t.Helper()
	resp, err := sv.client.Do(req)
	if err != nil {
		sv.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp
}

func (sv *serving) get(path string) (int, string) {
	req, _ := http.NewRequest("GET", sv.base+path, nil)
	code, body, _ := sv.do(req)
	return code, body
}

func (sv *serving) post(path string, form url.Values) (int, string, *http.Response) {
	form.Set("csrf", sv.csrf)
	req, _ := http.NewRequest("POST", sv.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return sv.do(req)
}

func (sv *serving) login() {
	sv.t.Helper()
	req, _ := http.NewRequest("GET", sv.url, nil)
	code, body, resp := sv.do(req)
	if code != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, `lang="ja"`) || !strings.Contains(body, "名簿") {
		sv.t.Fatalf("token address: %d %q", code, resp.Header.Get("Content-Type"))
	}
	if len(resp.Cookies()) == 0 {
		sv.t.Fatal("the token address set no cookie")
	}
	sv.csrf = regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)[1]
}

func (sv *serving) upload(name string, data []byte) string {
	sv.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf", sv.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", sv.base+"/list", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	code, body, _ := sv.do(req)
	if code != 200 {
		sv.t.Fatalf("upload %s: %d", name, code)
	}
	return body
}

func pageText(page string) string {
	s := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(page, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

// The contract other tools rely on, and a campaign sent through the pages that is the CLI's
// own: in history, with the report `smscast report` writes.
func TestServeContractAndASendThroughThePagesIsTheCLIsCampaign(t *testing.T) {
	e := newTestEnv(t)
	reports := filepath.Join(e.dir, "reports")
	e.env["SMSCAST_REPORT_DIR"] = reports
	sv := e.serve()

	anon := &http.Client{}
	resp, err := anon.Get(sv.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("GET / without the token: %d, want 403", resp.StatusCode)
	}
	sv.login()
	if resp, err = anon.Get(sv.url); err != nil || resp.StatusCode != 403 {
		t.Fatalf("the token address a second time, without the cookie: %v %v, want 403", resp.StatusCode, err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("POST", sv.base+"/list", strings.NewReader("path=x.csv"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, _, _ := sv.do(req); code != 403 {
		t.Fatalf("POST without the CSRF token: %d, want 403", code)
	}

	utf8, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes(utf8)
	if err != nil {
		t.Fatal(err)
	}
	if page := sv.upload("patients.csv", sjis); !strings.Contains(page, "Shift_JIS") {
		t.Fatalf("list page: %s", pageText(page))
	}
	sv.post("/message", url.Values{"template": {"outage"}})
	_, page := sv.get("/confirm")
	m := regexp.MustCompile(`data-confirm="(\d+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no count to confirm: %s", pageText(page))
	}
	_, _, resp = sv.post("/send", url.Values{"count": {m[1]}, "shown": {m[1]}})
	id, ok := strings.CutPrefix(resp.Request.URL.Path, "/run/")
	if !ok {
		t.Fatalf("send ended on %s", resp.Request.URL.Path)
	}
	ev, err := sv.client.Get(sv.base + "/run/" + id + "/events")
	if err != nil {
		t.Fatal(err)
	}
	stream, _ := io.ReadAll(ev.Body) // to the end event
	ev.Body.Close()
	if !strings.Contains(string(stream), "event: end") {
		t.Fatalf("events: %s", stream)
	}

	h := e.run("history")
	if h.code != 0 || !strings.Contains(h.stdout, id) {
		t.Fatalf("history: %d %s %s", h.code, h.stdout, h.stderr)
	}
	again := filepath.Join(e.dir, "again")
	if r := e.run("report", id, "--report-dir", again); r.code != 0 {
		t.Fatalf("report: %d %s", r.code, r.stderr)
	}
	for _, suffix := range []string{".csv", ".json", "-call.csv", "-call.html"} {
		page, err := os.ReadFile(filepath.Join(reports, id+suffix))
		if err != nil {
			t.Fatal(err)
		}
		cli, _ := os.ReadFile(filepath.Join(again, id+suffix))
		if suffix == "-call.html" { // the page says when it was printed
			re := regexp.MustCompile(`\d{4}/\d\d/\d\d \d\d:\d\d|\d{4}-\d\d-\d\d \d\d:\d\d`)
			page, cli = re.ReplaceAll(page, nil), re.ReplaceAll(cli, nil)
		}
		if !bytes.Equal(page, cli) {
			t.Errorf("%s%s differs from what smscast report writes:\n%s", id, suffix, firstDiff(page, cli))
		}
	}
	if code := sv.stop(); code != 0 {
		t.Errorf("serve after Ctrl-C: exit %d, stderr %s", code, sv.stderr.String())
	}
}

// An uploaded bad list gets the sentence `smscast check` prints for the same file.
func TestServeUploadErrorsAreTheOnesCheckPrints(t *testing.T) {
	e := newTestEnv(t)
	sv := e.serve()
	sv.login()
	dir := filepath.FromSlash("testdata/bad/lists")
	for _, name := range []string{"ragged-row.csv", "unterminated-quote.csv", "binary-garbage.csv", "patients.xlsx", "no-phone-column.csv", "empty.csv", "utf16.csv", "cp932-invalid.csv"} {
		r := e.run("check", filepath.Join(dir, name))
		if r.code == 0 {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		page := pageText(sv.upload(name, data))
		first, _, _ := strings.Cut(r.stderr, "\n")
		want := strings.ReplaceAll(strings.TrimPrefix(first, "smscast: "), dir+string(filepath.Separator), "")
		if !strings.Contains(page, want) && !strings.Contains(page, "SMSを受け取れる番号が1件もありません") {
			t.Errorf("%s: check prints %q; the page shows:\n%s", name, want, page)
		}
	}
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + strconv.Itoa(i+1) + ":\n  " + al[i] + "\n  " + bl[i]
		}
	}
	return "lengths " + strconv.Itoa(len(al)) + " and " + strconv.Itoa(len(bl))
}

// The page speaks the interface language when something states one, and Japanese when nothing
// does (a clinic's Windows laptop sets no locale variable).
func TestServePageSpeaksTheInterfaceLanguageAndJapaneseWhenNoneIsStated(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"nothing stated is Japanese", nil, "ja"},
		{"SMSCAST_UI_LANG=en is English", map[string]string{"SMSCAST_UI_LANG": "en"}, "en"},
		{"an English locale is English", map[string]string{"LANG": "en_US.UTF-8"}, "en"},
		{"a Japanese locale is Japanese", map[string]string{"LANG": "ja_JP.UTF-8"}, "ja"},
		{"ui_lang ja wins over an English locale", map[string]string{"LANG": "en_US.UTF-8", "SMSCAST_UI_LANG": "ja"}, "ja"},
		{"the C locale is no language: Japanese", map[string]string{"LANG": "C.UTF-8"}, "ja"},
		{"LC_ALL=C wins over LANG, and is no language", map[string]string{"LC_ALL": "C", "LANG": "en_US.UTF-8"}, "ja"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			for k, v := range tc.env {
				e.env[k] = v
			}
			sv := e.serve()
			req, _ := http.NewRequest("GET", sv.url, nil)
			code, body, _ := sv.do(req)
			if code != 200 || !strings.Contains(body, `<html lang="`+tc.want+`">`) {
				t.Fatalf("token address: %d, want a page with lang=%q: %.300s", code, tc.want, body)
			}
			words := map[string]string{"ja": "名簿を選ぶ", "en": "Choose the list"}[tc.want]
			if !strings.Contains(pageText(body), words) {
				t.Errorf("the page lacks %q: %s", words, pageText(body))
			}
		})
	}
}

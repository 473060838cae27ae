package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"sort"
	"strconv"

	"github.com/smscast/smscast/pkg/journal"
)

//go:embed call.html.tmpl
var callPageSource string

// callPage is parsed once; html/template values are safe for concurrent use once parsed.
var callPage = template.Must(template.New("call").Parse(callPageSource))

type pageCell struct{ Class, Text, Small string }

type pageGroup struct {
	Title string
	Rows  [][]pageCell
}

type pageData struct {
	Lang, Title, Campaign, Warning, None string
	Meta                                 []string
	Headers                              []string
	Span                                 int
	Groups                               []pageGroup
}

// CallListHTML is the call list as a page to print: A4 landscape, large type, black on white (no
// meaning carried by colour), one line per patient, the campaign and the time at the top, grouped
// by urgency whatever the order of rows, and nothing loaded from outside the file.
func CallListHTML(c journal.Campaign, rows []CallRow, opt Options) ([]byte, error) {
	sorted := append([]CallRow(nil), rows...)
	sort.SliceStable(sorted, func(i, k int) bool {
		if sorted[i].Urgency != sorted[k].Urgency {
			return sorted[i].Urgency < sorted[k].Urgency
		}
		return sorted[i].Row < sorted[k].Row
	})
	return listPage(c, sorted, opt, pageText{
		title: words{"電話連絡リスト", "Call list"},
		none:  words{"電話が必要な方はいません。", "Nobody to call."},
		group: func(u Urgency, lang string) string { return urgencyWords[u].in(lang) },
	})
}

// pageText is what a printed list of patients says in its own words: its title, the line when
// nobody is on it, and the title of each group of rows.
type pageText struct {
	title, none words
	group       func(Urgency, string) string
}

// listPage lays out rows, in their order, as the printed page of the call list (call.html.tmpl):
// the campaign's facts at the top, a group per run of rows with the same group title.
func listPage(c journal.Campaign, rows []CallRow, opt Options, text pageText) ([]byte, error) {
	lang := opt.lang()
	pw := func(ja, en string) string { return words{ja, en}.in(lang) }
	d := pageData{Lang: lang, Title: text.title.in(lang), Campaign: c.ID, None: text.none.in(lang)}
	d.Meta = append(d.Meta, pw("キャンペーン: ", "Campaign: ")+c.ID)
	if c.Template != "" {
		d.Meta = append(d.Meta, pw("テンプレート: ", "Template: ")+c.Template)
	}
	if !c.CreatedAt.IsZero() {
		d.Meta = append(d.Meta, pw("送信開始: ", "Sent: ")+localTime(c.CreatedAt, opt, lang))
	}
	if !opt.Now.IsZero() {
		d.Meta = append(d.Meta, pw("作成: ", "Printed: ")+localTime(opt.Now, opt, lang))
	}
	d.Meta = append(d.Meta, pw(fmt.Sprintf("電話する方: %d人", len(rows)), fmt.Sprintf("To call: %d", len(rows))))
	switch {
	case c.Provider == "sim":
		d.Warning = pw("練習(シミュレーター): 実際のSMSは送っていません", "Drill (simulator): no real SMS was sent")
	case c.Test:
		d.Warning = pw("テスト送信", "Test broadcast")
	}

	cols := callColumns(opt)
	for _, col := range cols {
		if col.header == hKana.in(lang) {
			continue // shown under the name
		}
		d.Headers = append(d.Headers, col.header)
	}
	d.Span = len(d.Headers)
	numbers := map[string]bool{hPhone.in(lang): true}
	if opt.Contacts != nil {
		for _, h := range opt.Contacts.NumberColumns {
			numbers[h] = true
		}
	}
	for _, r := range rows {
		title := text.group(r.Urgency, lang)
		if len(d.Groups) == 0 || d.Groups[len(d.Groups)-1].Title != title {
			d.Groups = append(d.Groups, pageGroup{Title: title})
		}
		g := &d.Groups[len(d.Groups)-1]
		var cells []pageCell
		for i, col := range cols {
			cell := pageCell{Text: col.cell(r)}
			switch h := col.header; {
			case i == 0:
				cell.Class = "row"
			case h == hName.in(lang):
				cell.Class, cell.Small = "name", r.Kana
			case h == hKana.in(lang):
				continue
			case numbers[h]:
				cell.Class = "num"
			case h == hReason.in(lang):
				cell.Class = "reason"
			case h == hCalled.in(lang):
				cell.Class, cell.Text = "box", "□"
			case h == hCalledAt.in(lang):
				cell.Class = "at"
			case h == hMemo.in(lang):
				cell.Class = "memo"
			}
			cells = append(cells, cell)
		}
		g.Rows = append(g.Rows, cells)
	}
	for i := range d.Groups {
		g := &d.Groups[i]
		g.Title += pw("("+strconv.Itoa(len(g.Rows))+"人)", " ("+strconv.Itoa(len(g.Rows))+")")
	}
	var b bytes.Buffer
	if err := callPage.Execute(&b, d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

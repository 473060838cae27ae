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
	lang := opt.lang()
	pw := func(ja, en string) string { return words{ja, en}.in(lang) }
	d := pageData{Lang: lang, Title: pw("電話連絡リスト", "Call list"), Campaign: c.ID,
		None: pw("電話が必要な方はいません。", "Nobody to call.")}
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
	sorted := append([]CallRow(nil), rows...)
	sort.SliceStable(sorted, func(i, k int) bool {
		if sorted[i].Urgency != sorted[k].Urgency {
			return sorted[i].Urgency < sorted[k].Urgency
		}
		return sorted[i].Row < sorted[k].Row
	})
	for _, r := range sorted {
		if len(d.Groups) == 0 || d.Groups[len(d.Groups)-1].Title != urgencyWords[r.Urgency].in(lang) {
			d.Groups = append(d.Groups, pageGroup{Title: urgencyWords[r.Urgency].in(lang)})
		}
		g := &d.Groups[len(d.Groups)-1]
		var cells []pageCell
		for i, col := range cols {
			cell := pageCell{Text: col.cell(r)}
			switch {
			case i == 0:
				cell.Class = "row"
			case col.header == hName.in(lang):
				cell.Class, cell.Small = "name", r.Kana
			case col.header == hKana.in(lang):
				continue
			case numbers[col.header]:
				cell.Class = "num"
			case col.header == hReason.in(lang):
				cell.Class = "reason"
			case col.header == hCalled.in(lang):
				cell.Class, cell.Text = "box", "□"
			case col.header == hCalledAt.in(lang):
				cell.Class = "at"
			case col.header == hMemo.in(lang):
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

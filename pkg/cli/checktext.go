package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/rivo/uniseg"

	"github.com/smscast/smscast/pkg/i18n"
	"github.com/smscast/smscast/pkg/roster"
)

// maxCheckProblems caps the problem rows the text report prints, as roster's WriteText does; the
// JSON lists them all.
const maxCheckProblems = 200

// writeCheckText prints check's report for a person in p's language. English is roster's own
// WriteText; the other languages follow it line by line.
func writeCheckText(p *i18n.Printer, w io.Writer, path string, rep *roster.CheckReport) error {
	if p.Lang() == i18n.EN {
		return rep.WriteText(w)
	}
	bw := bufio.NewWriter(w)
	enc := map[string]string{
		roster.EncodingUTF8: "UTF-8", roster.EncodingUTF8BOM: p.Text("UTF-8 with BOM"), roster.EncodingCP932: "CP932 (Shift_JIS)",
		roster.EncodingUTF16LE: "UTF-16LE", roster.EncodingUTF16BE: "UTF-16BE",
	}[rep.Encoding]
	if enc == "" {
		enc = rep.Encoding
	}
	p.Fprintf(bw, "%s: %d rows, %s, %s-separated\n", path, rep.Rows, enc, p.Text(rep.Delimiter))
	phone := rep.PhoneColumn
	if len(rep.PhoneColumns) > 1 {
		phone = p.Sprintf("%s (the first mobile number in a row is used)", strings.Join(rep.PhoneColumns, p.Text(", then ")))
	}
	p.Fprintf(bw, "phone column: %s\n", phone)
	if rep.NameColumn != "" {
		p.Fprintf(bw, "name column:  %s\n", rep.NameColumn)
	} else {
		p.Fprintln(bw, "name column:  none found")
	}
	counts := []struct {
		label string
		n     int
		note  string
	}{
		{p.Text("sendable"), rep.Sendable, p.Text("unique mobile numbers")},
		{p.Text("duplicates"), rep.Duplicates, p.Text("number already on an earlier row")},
		{p.Text("landline"), rep.Landline, p.Text("call instead")},
		{p.Text("voip"), rep.VoIP, p.Text("IP phone (050): call instead")},
		{p.Text("tollfree"), rep.TollFree, p.Text("call instead")},
		{p.Text("pager"), rep.Pager, ""},
		{p.Text("invalid"), rep.Invalid, p.Text("fix the number")},
		{p.Text("empty"), rep.Empty, p.Text("no phone number")},
		{p.Text("opted out"), rep.OptedOut, ""},
	}
	for i, c := range counts {
		if c.n == 0 && i > 0 { // sendable is always shown
			continue
		}
		if c.note != "" {
			fmt.Fprintf(bw, "  %s %7d  %s\n", padWidth(c.label, 11), c.n, c.note)
		} else {
			fmt.Fprintf(bw, "  %s %7d\n", padWidth(c.label, 11), c.n)
		}
	}
	if rep.BlankRows > 0 {
		fmt.Fprintf(bw, "  %s %7d  %s\n", padWidth(p.Text("blank rows"), 11), rep.BlankRows, p.Text("ignored"))
	}
	for _, wmsg := range rep.Warnings {
		p.Fprintf(bw, "warning: %s\n", localizeText(p, wmsg))
	}
	if len(rep.Problems) > 0 {
		p.Fprintf(bw, "problems (%d):\n", len(rep.Problems))
		for i, pr := range rep.Problems {
			if i == maxCheckProblems {
				p.Fprintf(bw, "  … and %d more (--json lists them all)\n", len(rep.Problems)-i)
				break
			}
			v := pr.Value
			if strings.TrimSpace(v) == "" {
				v = p.Text("(blank)")
			} else if pr.Column != "" {
				v = p.Sprintf("%s in %s", v, pr.Column)
			}
			p.Fprintf(bw, "  row %d: %s: %s\n", pr.Row, v, localizeText(p, pr.Reason))
		}
	}
	return bw.Flush()
}

// padWidth pads s with spaces to n columns of a terminal, where a kanji takes two.
func padWidth(s string, n int) string {
	if w := uniseg.StringWidth(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

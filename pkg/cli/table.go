package cli

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/text/width"
)

// table lines up tab-separated cells in columns as text/tabwriter does (two spaces between
// columns, the last cell unpadded), but by the width a terminal gives each character: a
// Japanese character takes two columns, so 名前 and 送信済み line up with ASCII. A run of lines
// that have a given column is one block, as with tabwriter: a line without it starts anew.
type table struct {
	w   io.Writer
	buf bytes.Buffer
}

func newTable(w io.Writer) *table { return &table{w: w} }

func (t *table) Write(p []byte) (int, error) { return t.buf.Write(p) }

// Flush writes the lined-up table.
func (t *table) Flush() error {
	text := t.buf.String()
	t.buf.Reset()
	trailing := strings.HasSuffix(text, "\n")
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	cells := make([][]string, len(lines))
	for i, l := range lines {
		cells[i] = strings.Split(l, "\t")
	}
	// widths[i][c]: the width column c is padded to on line i (its block's widest cell).
	widths := make([][]int, len(lines))
	for i := range lines {
		widths[i] = make([]int, max(len(cells[i])-1, 0))
	}
	for c := 0; ; c++ {
		any := false
		for i := 0; i < len(lines); {
			if c >= len(cells[i])-1 {
				i++
				continue
			}
			any = true
			start, widest := i, 0
			for ; i < len(lines) && c < len(cells[i])-1; i++ {
				widest = max(widest, displayWidth(cells[i][c]))
			}
			for k := start; k < i; k++ {
				widths[k][c] = widest
			}
		}
		if !any {
			break
		}
	}
	var out strings.Builder
	for i, row := range cells {
		for c, cell := range row {
			out.WriteString(cell)
			if c < len(row)-1 {
				out.WriteString(strings.Repeat(" ", widths[i][c]-displayWidth(cell)+2))
			}
		}
		if i < len(cells)-1 || trailing {
			out.WriteByte('\n')
		}
	}
	_, err := io.WriteString(t.w, out.String())
	return err
}

// displayWidth is how many terminal columns s takes: two for wide and full-width characters
// (kanji, kana, full-width punctuation), one for the rest.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

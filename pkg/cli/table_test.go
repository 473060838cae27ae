package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"
)

// On ASCII the table is what text/tabwriter prints; with Japanese, columns line up on screen.
func TestTableLinesUpByDisplayWidth(t *testing.T) {
	ascii := "NAME\tLANGS\tDESCRIPTION\noutage\tja,en\tno treatment today\nappointment\tja\tnext visit\n\nalone\nID\tX\n"
	var want, got bytes.Buffer
	tw := tabwriter.NewWriter(&want, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, ascii)
	tw.Flush()
	tb := newTable(&got)
	fmt.Fprint(tb, ascii)
	tb.Flush()
	if got.String() != want.String() {
		t.Errorf("ASCII:\n%s\nwant (tabwriter):\n%s", got.String(), want.String())
	}

	got.Reset()
	tb = newTable(&got)
	fmt.Fprint(tb, "キャンペーン\t種類\t状態\noutage-1\t訓練\t送信済み 11件\n")
	tb.Flush()
	lines := strings.Split(strings.TrimSpace(got.String()), "\n")
	if len(lines) != 2 || displayWidth(lines[0][:strings.Index(lines[0], "種類")]) != displayWidth(lines[1][:strings.Index(lines[1], "訓練")]) {
		t.Errorf("Japanese columns do not line up:\n%s", got.String())
	}
	if displayWidth("名前ab") != 6 || displayWidth("ｱ") != 1 {
		t.Errorf("displayWidth: %d %d", displayWidth("名前ab"), displayWidth("ｱ"))
	}
}

package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"

	"github.com/smscast/smscast/pkg/campaign"
)

// writeDryRunJSON writes plan.DryRun() exactly as writeJSON does, byte for byte, without holding
// it: the messages one by one, and the rows of each one by one. A million rows of one number are
// one message with a million rows: 16 MB of indented JSON, which writeJSON builds (and indents
// into a second buffer) before writing a byte.
//
// Every field is still encoded by encoding/json: each value is encoded with the field it would
// hold empty (null), and the streamed array is written where that null stands. A field added to
// DryRun or DryRunDelivery is thus written without a change here.
func writeDryRunJSON(w io.Writer, plan *campaign.Plan) error {
	head, err := indentJSON(plan.DryRunHead(), "")
	if err != nil {
		return err
	}
	a, rest, ok1 := bytes.Cut(head, []byte("\n  \"deliveries\": null"))
	b, c, ok2 := bytes.Cut(rest, []byte("\n  \"not_sent\": null"))
	if !ok1 || !ok2 {
		return writeJSON(w, plan.DryRun()) // DryRun's layout changed: the slow way, still right
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(a)
	bw.WriteString("\n  \"deliveries\": ")
	n := 0
	err = plan.EachDryRun(func(dd *campaign.DryRunDelivery) error {
		rows := dd.Rows
		dd.Rows = nil
		el, err := indentJSON(dd, "    ")
		dd.Rows = rows
		if err != nil {
			return err
		}
		x, y, ok := bytes.Cut(el, []byte("\n      \"rows\": null"))
		if !ok {
			return errorf("dry run: the JSON of a message has no rows: %s", el) // a bug: DryRunDelivery lost them
		}
		startElement(bw, n)
		n++
		bw.Write(x)
		bw.WriteString("\n      \"rows\": ")
		writeInts(bw, rows, "      ")
		_, err = bw.Write(y)
		return err
	}, nil)
	if err != nil {
		return err
	}
	endArray(bw, n)
	bw.Write(b)
	bw.WriteString("\n  \"not_sent\": ")
	n = 0
	err = plan.EachDryRun(nil, func(ds *campaign.DryRunSkipped) error {
		el, err := indentJSON(ds, "    ")
		if err != nil {
			return err
		}
		startElement(bw, n)
		n++
		_, err = bw.Write(el)
		return err
	})
	if err != nil {
		return err
	}
	endArray(bw, n)
	bw.Write(c)
	bw.WriteByte('\n')
	return bw.Flush()
}

// indentJSON is v as writeJSON encodes it at depth prefix, without the final newline.
func indentJSON(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// startElement opens element n of an array of objects at depth 1 (the dry run's own arrays).
func startElement(w *bufio.Writer, n int) {
	if n == 0 {
		w.WriteString("[\n    ")
	} else {
		w.WriteString(",\n    ")
	}
}

// endArray closes an array of n objects at depth 1.
func endArray(w *bufio.Writer, n int) {
	if n == 0 {
		w.WriteString("[]")
	} else {
		w.WriteString("\n  ]")
	}
}

// writeInts writes xs as an indented JSON array on lines starting with prefix.
func writeInts(w *bufio.Writer, xs []int, prefix string) {
	if xs == nil {
		w.WriteString("null")
		return
	}
	if len(xs) == 0 {
		w.WriteString("[]")
		return
	}
	var num []byte
	w.WriteByte('[')
	for i, x := range xs {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteString("\n  ")
		w.WriteString(prefix)
		num = strconv.AppendInt(num[:0], int64(x), 10)
		w.Write(num)
	}
	w.WriteString("\n")
	w.WriteString(prefix)
	w.WriteByte(']')
}

package roster

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding names, as reported in List.Encoding, Meta.Encoding and the check report, and as
// accepted (with their aliases) by Options.Encoding.
const (
	EncodingUTF8    = "utf-8"
	EncodingUTF8BOM = "utf-8-bom" // UTF-8 that starts with a byte-order mark (Excel's "CSV UTF-8")
	EncodingCP932   = "cp932"     // Shift_JIS as Windows and Japanese Excel write it
	EncodingUTF16LE = "utf-16le"  // Excel's "Unicode text" (with a byte-order mark)
	EncodingUTF16BE = "utf-16be"
)

const sniffBytes = 64 << 10

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// encodingOption maps Options.Encoding to an encoding name; "" means detect.
func encodingOption(s string) (string, bool) {
	k := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch k {
	case "", "auto":
		return "", true
	case "utf8", "ascii":
		return EncodingUTF8, true
	case "utf8bom", "utf8sig":
		return EncodingUTF8BOM, true
	case "cp932", "shiftjis", "sjis", "windows31j", "mskanji", "ms932":
		return EncodingCP932, true
	case "utf16le", "utf16", "unicode":
		return EncodingUTF16LE, true
	case "utf16be":
		return EncodingUTF16BE, true
	}
	return "", false
}

// decodeInput works out the encoding of r (or takes forced) and returns a reader of UTF-8 text
// without any byte-order mark. When r is an io.Seeker and the first 64 KiB are plain ASCII, it
// reads ahead to the first non-ASCII bytes to decide, then seeks back, so that a list whose
// Japanese names start late is still detected correctly.
func decodeInput(r io.Reader, forced, path string) (io.Reader, string, error) {
	start := int64(-1)
	rs, seekable := r.(io.ReadSeeker)
	if seekable {
		if pos, err := rs.Seek(0, io.SeekCurrent); err == nil {
			start = pos
		}
	}
	prefix := make([]byte, sniffBytes)
	n, err := io.ReadFull(r, prefix)
	prefix = prefix[:n]
	atEOF := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	if err != nil && !atEOF {
		return nil, "", &Error{Path: path, Msg: "cannot read the list: " + err.Error(), Err: err}
	}
	if len(bytes.TrimSpace(prefix)) == 0 || bytes.Equal(bytes.TrimSpace(prefix), bomUTF8) {
		return nil, "", &Error{Path: path, Msg: msgEmptyFile, Hint: "export the patient list again, with a header row and one row per patient"}
	}

	bom := ""
	switch {
	case bytes.HasPrefix(prefix, bomUTF8):
		bom = EncodingUTF8BOM
	case bytes.HasPrefix(prefix, bomUTF16LE):
		bom = EncodingUTF16LE
	case bytes.HasPrefix(prefix, bomUTF16BE):
		bom = EncodingUTF16BE
	}
	enc := forced
	if enc == "" {
		enc = bom
	}
	utf16 := enc == EncodingUTF16LE || enc == EncodingUTF16BE
	if !utf16 {
		if e := binaryError(prefix, path); e != nil {
			return nil, "", e
		}
	}
	if enc == "" {
		enc = sniff(prefix)
		if enc == "" && seekable && start >= 0 && !atEOF {
			enc = sniffAhead(r)
		}
		if enc == "" {
			enc = EncodingUTF8 // plain ASCII
		}
	}

	// Put the prefix back in front of the rest of the input.
	var src io.Reader
	if seekable && start >= 0 {
		if _, err := rs.Seek(start, io.SeekStart); err != nil {
			return nil, "", &Error{Path: path, Msg: "cannot read the list: " + err.Error(), Err: err}
		}
		src = r
	} else {
		src = io.MultiReader(bytes.NewReader(prefix), r)
	}

	switch enc {
	case EncodingUTF8, EncodingUTF8BOM:
		if bom == EncodingUTF8BOM {
			if _, err := io.ReadFull(src, make([]byte, len(bomUTF8))); err != nil {
				return nil, "", &Error{Path: path, Msg: "cannot read the list: " + err.Error(), Err: err}
			}
			enc = EncodingUTF8BOM
		} else {
			enc = EncodingUTF8
		}
		return src, enc, nil
	case EncodingCP932:
		return transform.NewReader(src, japanese.ShiftJIS.NewDecoder()), enc, nil
	case EncodingUTF16LE:
		return transform.NewReader(src, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()), enc, nil
	case EncodingUTF16BE:
		return transform.NewReader(src, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder()), enc, nil
	}
	return nil, "", &Error{Path: path, Msg: "unknown encoding " + enc}
}

// sniff decides between UTF-8 and CP932 from a chunk of the file; "" when the chunk is plain
// ASCII and says nothing.
func sniff(p []byte) string {
	i := 0
	for i < len(p) && p[i] < utf8.RuneSelf {
		i++
	}
	if i == len(p) {
		return ""
	}
	if utf8.Valid(trimPartialRune(p)) {
		return EncodingUTF8
	}
	if firstNonASCIILineIsUTF8(p) {
		// A UTF-8 header over rows in CP932 (rows pasted from another export): reading it all as
		// CP932 would turn the headers into mojibake. Read it as UTF-8, so the first CP932 row is
		// named as the one that differs.
		return EncodingUTF8
	}
	return EncodingCP932
}

// firstNonASCIILineIsUTF8 reports whether the first line of p with non-ASCII bytes is UTF-8
// with at least two multi-byte characters: a line of CP932 Japanese is almost never that.
func firstNonASCIILineIsUTF8(p []byte) bool {
	for len(p) > 0 {
		line := p
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			line, p = p[:i], p[i+1:]
		} else {
			p = nil
		}
		multi := 0
		for _, c := range line {
			if c >= 0xC0 {
				multi++
			}
		}
		if !isASCII(string(line)) {
			return utf8.Valid(line) && multi >= 2 && p != nil
		}
	}
	return false
}

// sniffAhead reads on until a chunk holds non-ASCII bytes and sniffs that chunk.
func sniffAhead(r io.Reader) string {
	buf := make([]byte, sniffBytes)
	for {
		n, err := io.ReadFull(r, buf)
		// Every earlier chunk was ASCII, so this one starts on a rune boundary.
		if enc := sniff(buf[:n]); enc != "" {
			return enc
		}
		if err != nil {
			return ""
		}
	}
}

// trimPartialRune drops an incomplete UTF-8 sequence cut off at the end of p.
func trimPartialRune(p []byte) []byte {
	for k := 1; k <= utf8.UTFMax && k <= len(p); k++ {
		c := p[len(p)-k]
		if c < utf8.RuneSelf {
			return p
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(p[len(p)-k:]) {
				return p[:len(p)-k]
			}
			return p
		}
	}
	return p
}

// binaryError recognises files that are not text at all: workbooks, PDFs, anything with NUL bytes.
func binaryError(p []byte, path string) *Error {
	const hint = "in Excel choose File > Save As > CSV and use that file"
	switch {
	case bytes.HasPrefix(p, []byte("PK\x03\x04")):
		return &Error{Path: path, Msg: "this is an Excel workbook (.xlsx) or another zip file, not a CSV list", Hint: hint}
	case bytes.HasPrefix(p, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return &Error{Path: path, Msg: "this is an old Excel workbook (.xls), not a CSV list", Hint: hint}
	case bytes.HasPrefix(p, []byte("%PDF")):
		return &Error{Path: path, Msg: "this is a PDF, not a CSV list", Hint: "export the patient list from the records system or Excel as CSV"}
	}
	nul := bytes.Count(p, []byte{0})
	if nul == 0 {
		return nil
	}
	odd := 0
	for i := 1; i < len(p); i += 2 {
		if p[i] == 0 {
			odd++
		}
	}
	if nul > len(p)/4 && odd*10 >= nul*9 {
		return &Error{Path: path, Msg: "this looks like UTF-16 text without a byte-order mark", Hint: "pass --encoding utf-16le, or save the list from Excel as CSV"}
	}
	return &Error{Path: path, Msg: "this is a binary file, not a CSV list", Hint: hint}
}

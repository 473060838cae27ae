package cli

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

const notepadConfig = "clinic: さくら透析クリニック\nclinic_phone: 03-1234-5678\noutage_advice: 水分と食事を控えめに\n"

func encodeConfig(t *testing.T, enc string) []byte {
	t.Helper()
	var (
		b   []byte
		err error
	)
	switch enc {
	case "utf-8":
		return []byte(notepadConfig)
	case "utf-8 with BOM":
		return append([]byte{0xEF, 0xBB, 0xBF}, notepadConfig...)
	case "cp932":
		b, err = japanese.ShiftJIS.NewEncoder().Bytes([]byte(notepadConfig))
	case "utf-16le with BOM":
		b, err = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(notepadConfig))
	case "utf-16be with BOM":
		b, err = unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(notepadConfig))
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConfigFromNotepadInEveryEncoding(t *testing.T) {
	for _, enc := range []string{"utf-8", "utf-8 with BOM", "cp932", "utf-16le with BOM", "utf-16be with BOM"} {
		t.Run("a config saved as "+enc+" is read", func(t *testing.T) {
			got, err := decodeConfig("config.yaml", encodeConfig(t, enc))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != notepadConfig {
				t.Errorf("decoded %q", got)
			}
			e := newTestEnv(t)
			p := e.write("c/config.yaml", string(encodeConfig(t, enc)))
			e.env["APPDATA"], e.env["LOCALAPPDATA"] = e.env["XDG_CONFIG_HOME"], e.env["XDG_DATA_HOME"]
			cfg, err := loadConfig(&Deps{LookupEnv: func(k string) (string, bool) { v, ok := e.env[k]; return v, ok }}, nil, p)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Clinic != "さくら透析クリニック" || cfg.OutageAdvice != "水分と食事を控えめに" {
				t.Errorf("clinic %q, outage_advice %q", cfg.Clinic, cfg.OutageAdvice)
			}
		})
	}
}

func TestConfigInNoKnownEncodingIsRefusedWithItsLine(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"bytes that are neither UTF-8 nor CP932", "clinic: a\nregion: \x80\xff\n", "line 2: the file is neither UTF-8 nor Shift_JIS"},
		{"UTF-16 without a byte-order mark", "c\x00l\x00i\x00n\x00i\x00c\x00:\x00 \x00\xb5\x30\n\x00", "neither UTF-8 nor Shift_JIS"},
		{"UTF-16 with an unpaired surrogate", "\xff\xfec\x00:\x00 \x00\x00\xd8\n\x00", "not valid UTF-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeConfig("config.yaml", []byte(tt.data))
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != ExitUsage || !strings.Contains(err.Error(), tt.want) || !strings.Contains(ee.hint, "UTF-8") {
				t.Errorf("decodeConfig = %v (hint %q), want a usage error saying %q", err, hintOf(err), tt.want)
			}
		})
	}
}

func hintOf(err error) string {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.hint
	}
	return ""
}

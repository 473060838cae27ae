package cli

import (
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// uiLanguage is the language of everything a person reads: ui_lang (config or SMSCAST_UI_LANG)
// when set, else the locale (LC_ALL, LC_MESSAGES, LANG: ja* is Japanese), else English. It is
// independent of the message language (lang): a Japanese manager may send English messages.
func uiLanguage(configured string, d *Deps) (string, error) {
	switch strings.ToLower(strings.TrimSpace(configured)) {
	case "ja":
		return "ja", nil
	case "en":
		return "en", nil
	case "":
	default:
		return "", usageErr("set ui_lang to ja or en (config file or SMSCAST_UI_LANG)",
			"ui_lang %q: the interface speaks ja or en", configured)
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := d.getenv(k); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "ja") {
				return "ja", nil
			}
			return "en", nil // the first one set decides, as in POSIX
		}
	}
	return "en", nil
}

// uiLangError says where the bad ui_lang came from: SMSCAST_UI_LANG, else the config file at path,
// with the line of the key.
func uiLangError(d *Deps, path, value string) error {
	const hint = "set ui_lang to ja or en (config file or SMSCAST_UI_LANG)"
	if _, ok := d.LookupEnv("SMSCAST_UI_LANG"); ok || path == "" {
		return usageErr(hint, "SMSCAST_UI_LANG %q: the interface speaks ja or en", value)
	}
	if data, err := os.ReadFile(path); err == nil {
		if data, err = decodeConfig(path, data); err == nil {
			if line := keyLine(data, "ui_lang"); line > 0 {
				return usageErr(hint, "config %s line %d: ui_lang %q: the interface speaks ja or en", path, line, value)
			}
		}
	}
	return usageErr(hint, "ui_lang %q: the interface speaks ja or en", value)
}

// keyLine is the line of the top-level key in a YAML file, or 0.
func keyLine(data []byte, key string) int {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return 0
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}

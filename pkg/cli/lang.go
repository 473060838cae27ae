package cli

import "strings"

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

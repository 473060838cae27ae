package cli

import (
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

// Where smscast keeps its files on each OS. Every function here takes the OS (a GOOS value) and
// the environment as arguments, so that the Windows and macOS answers are tested on Linux too;
// the rest of the package calls them with runtime.GOOS and d.getenv.

// userDirFor finds a per-user directory on goos from getenv: on Windows the variable windowsVar
// (%APPDATA% for settings, %LOCALAPPDATA% for data that stays on this computer); on macOS
// ~/Library/Application Support for both; elsewhere $xdgVar, else ~/underHome. It is "" when the
// environment does not say.
func userDirFor(goos string, getenv func(string) string, xdgVar, underHome, windowsVar string) string {
	switch goos {
	case "windows":
		return getenv(windowsVar)
	case "darwin":
		if h := getenv("HOME"); h != "" {
			return joinFor(goos, h, "Library", "Application Support")
		}
		return ""
	}
	if x := getenv(xdgVar); x != "" {
		return x
	}
	if h := getenv("HOME"); h != "" {
		return joinFor(goos, h, underHome)
	}
	return ""
}

// configDirFor is the directory under which smscast/config.yaml and smscast/templates live.
func configDirFor(goos string, getenv func(string) string) string {
	return userDirFor(goos, getenv, "XDG_CONFIG_HOME", ".config", "APPDATA")
}

// dataDirFor is the directory under which smscast/journal.db lives.
func dataDirFor(goos string, getenv func(string) string) string {
	return userDirFor(goos, getenv, "XDG_DATA_HOME", ".local/share", "LOCALAPPDATA")
}

// joinFor joins path elements with goos's separator: filepath.Join for the running OS, and for
// another one (in tests and help) the same rules by hand.
func joinFor(goos string, elem ...string) string {
	if goos == runtime.GOOS {
		return filepath.Join(elem...)
	}
	if goos != "windows" {
		return path.Join(elem...)
	}
	var parts []string
	for i, e := range elem {
		e = strings.ReplaceAll(e, "/", `\`)
		if i > 0 {
			e = strings.Trim(e, `\`)
		} else if len(e) > 3 || !strings.HasSuffix(e, `:\`) {
			e = strings.TrimRight(e, `\`) // keep C:\ whole
		}
		if e != "" {
			parts = append(parts, e)
		}
	}
	s := strings.Join(parts, `\`)
	return strings.ReplaceAll(s, `:\\`, `:\`)
}

// fileLocation is one of the places smscast reads or writes, as `help environment` shows it.
type fileLocation struct {
	What    string // "config file", …
	Path    string // resolved on this computer; "" when the environment does not say
	Default string // how the default is written on goos (%APPDATA%\smscast\config.yaml)
	Set     string // how to choose another
}

// fileLocations resolves the config file, templates, journal and report locations on goos from
// the environment alone: the config file may set journal, report_dir and templates_dir too, which
// `help environment` says beside them.
func fileLocations(goos string, getenv func(string) string) []fileLocation {
	cfgDir, dataDir := configDirFor(goos, getenv), dataDirFor(goos, getenv)
	under := func(dir string, elem ...string) string {
		if dir == "" {
			return ""
		}
		return joinFor(goos, append([]string{dir}, elem...)...)
	}
	env := func(key, fallback string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return fallback
	}
	return []fileLocation{
		{"config file", env("SMSCAST_CONFIG", under(cfgDir, "smscast", "config.yaml")),
			defaultFor(goos, "config", "smscast", "config.yaml"), "--config or SMSCAST_CONFIG"},
		{"your templates", env("SMSCAST_TEMPLATES_DIR", under(cfgDir, "smscast", "templates")),
			defaultFor(goos, "config", "smscast", "templates"), "templates_dir: or SMSCAST_TEMPLATES_DIR"},
		{"journal", env("SMSCAST_JOURNAL", under(dataDir, "smscast", "journal.db")),
			defaultFor(goos, "data", "smscast", "journal.db"), "journal:, SMSCAST_JOURNAL or --journal"},
		{"reports and call lists", env("SMSCAST_REPORT_DIR", "."),
			"the current directory", "report_dir:, SMSCAST_REPORT_DIR or --report-dir"},
	}
}

// defaultFor writes the default location of a file on goos as the documentation does, with the
// variable it comes from: kind is "config" or "data".
func defaultFor(goos, kind string, elem ...string) string {
	var base string
	switch {
	case goos == "windows" && kind == "config":
		base = "%APPDATA%"
	case goos == "windows":
		base = "%LOCALAPPDATA%"
	case goos == "darwin":
		base = "~/Library/Application Support"
	case kind == "config":
		base = "$XDG_CONFIG_HOME" // ~/.config when unset
	default:
		base = "$XDG_DATA_HOME" // ~/.local/share when unset
	}
	if goos == "windows" {
		return base + `\` + strings.Join(elem, `\`)
	}
	return base + "/" + strings.Join(elem, "/")
}

// journalFlagHelp and configFlagHelp are the --journal and --config flag descriptions on goos.
func journalFlagHelp(goos string) string {
	return "journal file (default " + defaultFor(goos, "data", "smscast", "journal.db") + ")"
}

func configFlagHelp(goos string) string {
	return "config file (default " + defaultFor(goos, "config", "smscast", "config.yaml") + ")"
}

package cli

import (
	"reflect"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFileLocationsOnEachOS(t *testing.T) {
	tests := []struct {
		name string
		goos string
		env  map[string]string
		want [4]string // config file, templates, journal, reports
	}{
		{"Windows keeps settings in APPDATA and the journal in LOCALAPPDATA", "windows",
			map[string]string{"APPDATA": `C:\Users\sato\AppData\Roaming`, "LOCALAPPDATA": `C:\Users\sato\AppData\Local`, "HOME": "/ignored", "XDG_CONFIG_HOME": "/ignored"},
			[4]string{`C:\Users\sato\AppData\Roaming\smscast\config.yaml`, `C:\Users\sato\AppData\Roaming\smscast\templates`,
				`C:\Users\sato\AppData\Local\smscast\journal.db`, "."}},
		{"a Japanese user name on Windows", "windows",
			map[string]string{"APPDATA": `C:\Users\佐藤\AppData\Roaming\`, "LOCALAPPDATA": `C:\Users\佐藤\AppData\Local`},
			[4]string{`C:\Users\佐藤\AppData\Roaming\smscast\config.yaml`, `C:\Users\佐藤\AppData\Roaming\smscast\templates`,
				`C:\Users\佐藤\AppData\Local\smscast\journal.db`, "."}},
		{"Windows without the variables says nothing it does not know", "windows", map[string]string{},
			[4]string{"", "", "", "."}},
		{"macOS keeps both in Application Support", "darwin", map[string]string{"HOME": "/Users/sato", "XDG_CONFIG_HOME": "/ignored"},
			[4]string{"/Users/sato/Library/Application Support/smscast/config.yaml", "/Users/sato/Library/Application Support/smscast/templates",
				"/Users/sato/Library/Application Support/smscast/journal.db", "."}},
		{"Linux follows XDG", "linux", map[string]string{"HOME": "/home/sato", "XDG_CONFIG_HOME": "/cfg", "XDG_DATA_HOME": "/data"},
			[4]string{"/cfg/smscast/config.yaml", "/cfg/smscast/templates", "/data/smscast/journal.db", "."}},
		{"Linux falls back to the home directory", "linux", map[string]string{"HOME": "/home/sato"},
			[4]string{"/home/sato/.config/smscast/config.yaml", "/home/sato/.config/smscast/templates", "/home/sato/.local/share/smscast/journal.db", "."}},
		{"SMSCAST_* variables win on every OS", "windows",
			map[string]string{"APPDATA": `C:\a`, "LOCALAPPDATA": `C:\b`, "SMSCAST_CONFIG": `D:\clinic\smscast.yaml`,
				"SMSCAST_JOURNAL": `D:\clinic\journal.db`, "SMSCAST_TEMPLATES_DIR": `D:\clinic\templates`, "SMSCAST_REPORT_DIR": `D:\clinic\reports`},
			[4]string{`D:\clinic\smscast.yaml`, `D:\clinic\templates`, `D:\clinic\journal.db`, `D:\clinic\reports`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			locs := fileLocations(tt.goos, envOf(tt.env))
			var got [4]string
			for i, l := range locs {
				got[i] = l.Path
			}
			if got != tt.want {
				t.Errorf("locations = %q\nwant        %q", got, tt.want)
			}
		})
	}
}

func TestDefaultsAreWrittenAsEachOSWritesThem(t *testing.T) {
	got := map[string][]string{}
	for _, goos := range []string{"windows", "darwin", "linux"} {
		for _, l := range fileLocations(goos, envOf(nil)) {
			got[goos] = append(got[goos], l.Default)
		}
	}
	want := map[string][]string{
		"windows": {`%APPDATA%\smscast\config.yaml`, `%APPDATA%\smscast\templates`, `%LOCALAPPDATA%\smscast\journal.db`, "the current directory"},
		"darwin": {"~/Library/Application Support/smscast/config.yaml", "~/Library/Application Support/smscast/templates",
			"~/Library/Application Support/smscast/journal.db", "the current directory"},
		"linux": {"$XDG_CONFIG_HOME/smscast/config.yaml", "$XDG_CONFIG_HOME/smscast/templates", "$XDG_DATA_HOME/smscast/journal.db", "the current directory"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults = %q\nwant %q", got, want)
	}
	if s := journalFlagHelp("windows"); s != `journal file (default %LOCALAPPDATA%\smscast\journal.db)` {
		t.Errorf("journalFlagHelp = %q", s)
	}
}

func TestJoinForWindows(t *testing.T) {
	tests := []struct {
		elem []string
		want string
	}{
		{[]string{`C:\`, "smscast"}, `C:\smscast`},
		{[]string{`C:\Users\a\`, `smscast`, `journal.db`}, `C:\Users\a\smscast\journal.db`},
		{[]string{`\\nas\clinic`, "smscast"}, `\\nas\clinic\smscast`},
		{[]string{`C:\a`, "Library/x"}, `C:\a\Library\x`},
	}
	for _, tt := range tests {
		if got := joinFor("windows", tt.elem...); got != tt.want {
			t.Errorf("joinFor(%q) = %q, want %q", tt.elem, got, tt.want)
		}
	}
}

func TestHelpEnvironmentTellsTheTruthOnEachOS(t *testing.T) {
	tests := []struct {
		goos string
		env  map[string]string
		want []string
		not  []string
	}{
		{"windows", map[string]string{"APPDATA": `C:\Users\sato\AppData\Roaming`, "LOCALAPPDATA": `C:\Users\sato\AppData\Local`},
			[]string{`C:\Users\sato\AppData\Roaming\smscast\config.yaml`, `C:\Users\sato\AppData\Local\smscast\journal.db`,
				`%APPDATA%\smscast\config.yaml`, `%LOCALAPPDATA%\smscast\journal.db`, "LOCALAPPDATA"},
			[]string{"XDG_DATA_HOME      where", "~/.config"}},
		{"darwin", map[string]string{"HOME": "/Users/sato"},
			[]string{"/Users/sato/Library/Application Support/smscast/journal.db", "~/Library/Application Support/smscast/config.yaml"},
			[]string{"%APPDATA%", "XDG_CONFIG_HOME      where"}},
		{"linux", map[string]string{"HOME": "/home/sato"},
			[]string{"/home/sato/.local/share/smscast/journal.db", "$XDG_CONFIG_HOME/smscast/config.yaml", "XDG_DATA_HOME"},
			[]string{"%APPDATA%", "Library"}},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			help := environmentHelpFor(tt.goos, envOf(tt.env))
			for _, w := range tt.want {
				if !strings.Contains(help, w) {
					t.Errorf("help on %s does not say %q", tt.goos, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(help, n) {
					t.Errorf("help on %s says %q", tt.goos, n)
				}
			}
		})
	}
}

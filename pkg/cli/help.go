package cli

import (
	"fmt"
	"maps"
	"runtime"
	"strings"

	"github.com/smscast/smscast/pkg/i18n"
)

// keyHelp describes every key of Config's own; the providers describe the keys of their sections
// (see allKeyHelp). A test checks every key has a line.
var keyHelp = map[string]string{
	"provider":          "SMS provider: sim (default, no real SMS), twilio, karaden (空電プッシュ) or smsgate (an Android phone on the LAN)",
	"region":            "default country for numbers written without a country code (default JP)",
	"lang":              "default message language: ja (default) or en",
	"clinic":            "clinic name, the {{.Clinic}} field of templates",
	"clinic_en":         "clinic name in English messages (default: clinic)",
	"test_group":        "--test recipients: list files or phone numbers, e.g. [examples/test-group.csv]",
	"quiet_hours":       "reminders are not sent in this daily window, e.g. 21:00-08:00",
	"timezone":          "time zone of quiet hours and dates, e.g. Asia/Tokyo (default: the computer's)",
	"call_after":        "status: a message not delivered this long after sending goes on the call list (default 2h); per carrier: {default: 2h, au: 70m}",
	"reconcile_grace":   "after a send whose outcome is unknown (a timeout, a 5xx), wait at least this long before asking the provider whether it arrived (default 30s)",
	"ui_lang":           "language of everything smscast prints: ja or en (default: the locale, LANG=ja_JP.UTF-8 → ja; else en)",
	"failover":          "providers to carry on through, in turn, when provider cannot send (bad credentials, an outage), e.g. [smsgate]",
	"failover_after":    "how long the provider may fail before the send carries on through the next one (default 30s)",
	"max_share":         "a number on more rows than this is reported as a data problem in check and the send summary (default 20)",
	"repeat_window":     "a number accepted the identical text this recently is not sent it again, in any campaign, unless --again (default 12h; 0 turns it off)",
	"clinic_phone":      "clinic phone number, the {{.ClinicPhone}} field of templates",
	"call_list_columns": "more columns of the patient list to show on the call list, e.g. [担当, 透析曜日]",
	"operator":          "who runs smscast, for the audit trail (or --operator; default: the computer's user name)",
	"retention":         "how long patient data is kept, e.g. 90d or 12w: history and send remind once a day, purge removes it (default: kept)",
	"outage_advice":     "the clinic's own advice added to the outage notice ({{.OutageAdvice}}); none by default",
	"journal":           "journal file (default $XDG_DATA_HOME/smscast/journal.db)",
	"report_dir":        "directory for delivery reports and call lists (default .)",
	"templates_dir":     "directory of your own templates (default $XDG_CONFIG_HOME/smscast/templates)",
	"workers":           "concurrent requests to the provider (default 4)",
	"rate":              "messages per second (default: set per provider; 0 = no limit)",
	"optout_file":       "file of numbers never to text, one per line",
	"max_parts":         "warn when a message needs more parts than this (default 3)",
	"prices":            "price per segment by destination country, e.g. {JP: 0.08}",
	"currency":          "currency of prices, e.g. USD",
}

// allKeyHelp describes every config key: Config's own and those of each provider's section, as
// the provider declares them.
func allKeyHelp() map[string]string {
	all := maps.Clone(keyHelp)
	for _, p := range providers() {
		for k, line := range p.Help {
			all[p.Name+"."+k] = line
		}
	}
	return all
}

// environmentHelp is `smscast help environment` for this OS with no environment: the keys and
// variables, the locations unresolved.
func environmentHelp() string {
	return environmentHelpFor(runtime.GOOS, func(string) string { return "" })
}

// environmentHelpFor is `smscast help environment` on goos, with the file locations resolved from
// getenv: what it says is true of the computer it runs on.
func environmentHelpFor(goos string, getenv func(string) string) string {
	return environmentHelpIn(i18n.For(i18n.EN), goos, getenv)
}

// environmentHelpIn is `smscast help environment` in p's language.
func environmentHelpIn(pr *i18n.Printer, goos string, getenv func(string) string) string {
	var b strings.Builder
	pr.Fprintf(&b, `CONFIGURATION
  Settings come from, highest first: command-line flags, SMSCAST_* environment variables, the
  config file (--config, SMSCAST_CONFIG, else %s), defaults.
  An unknown key in the config file is an error. The file may be UTF-8, UTF-16 or Shift_JIS.
`, defaultFor(goos, "config", "smscast", "config.yaml"))
	b.WriteString(pr.Text(`
FILES ON THIS COMPUTER
`))
	for _, l := range fileLocations(goos, getenv) {
		path := l.Path
		if path == "" {
			path = pr.Text("(not known: the environment does not say where)")
		}
		pr.Fprintf(&b, "  %-23s %s\n  %-23s   default %s; to change: %s\n", pr.Text(l.What), path, "", pr.Text(l.Default), pr.Text(l.Set))
	}
	b.WriteString(pr.Text(`  The config file may also set journal, report_dir and templates_dir.

  KEY                            ENVIRONMENT                            MEANING
`))
	keys := configKeys(configType(), "")
	keys = append(keys, "prices")
	help := allKeyHelp()
	for _, k := range keys {
		env := "SMSCAST_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
		if k == "prices" {
			env = pr.Text("(config file only)")
		}
		fmt.Fprintf(&b, "  %-30s %-38s %s\n", k, env, pr.Text(help[k]))
	}
	b.WriteString(pr.Text(`
SECRETS (environment only, never flags; never printed)
`))
	for _, p := range providers() {
		for _, v := range p.Env {
			fmt.Fprintf(&b, "  %-20s %s\n", v.Name, pr.Text(v.Help))
		}
	}
	b.WriteString(pr.Text(`
OTHER
  SMSCAST_CONFIG       config file, as --config
`))
	switch goos {
	case "windows":
		b.WriteString(pr.Text(`  APPDATA              where the config file and templates directory live (set by Windows)
  LOCALAPPDATA         where the journal lives (set by Windows; stays on this computer)
`))
	case "darwin":
		b.WriteString(pr.Text(`  HOME                 the config file, templates and journal live in ~/Library/Application Support
`))
	default:
		b.WriteString(pr.Text(`  XDG_CONFIG_HOME      where the config file and templates directory live (default ~/.config)
  XDG_DATA_HOME        where the journal lives (default ~/.local/share)
`))
	}
	return b.String()
}

package cli

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"

	"github.com/smscast/smscast/pkg/i18n"
)

// keyHelp describes every config key; a test checks it covers them all.
var keyHelp = map[string]string{
	"provider":                     "SMS provider: sim (default, no real SMS), twilio, karaden (空電プッシュ) or smsgate (an Android phone on the LAN)",
	"region":                       "default country for numbers written without a country code (default JP)",
	"lang":                         "default message language: ja (default) or en",
	"clinic":                       "clinic name, the {{.Clinic}} field of templates",
	"clinic_en":                    "clinic name in English messages (default: clinic)",
	"test_group":                   "--test recipients: list files or phone numbers, e.g. [examples/test-group.csv]",
	"quiet_hours":                  "reminders are not sent in this daily window, e.g. 21:00-08:00",
	"timezone":                     "time zone of quiet hours and dates, e.g. Asia/Tokyo (default: the computer's)",
	"call_after":                   "status: a message not delivered this long after sending goes on the call list (default 2h); per carrier: {default: 2h, au: 70m}",
	"reconcile_grace":              "after a send whose outcome is unknown (a timeout, a 5xx), wait at least this long before asking the provider whether it arrived (default 30s)",
	"ui_lang":                      "language of everything smscast prints: ja or en (default: the locale, LANG=ja_JP.UTF-8 → ja; else en)",
	"failover":                     "providers to carry on through, in turn, when provider cannot send (bad credentials, an outage), e.g. [smsgate]",
	"failover_after":               "how long the provider may fail before the send carries on through the next one (default 30s)",
	"sim.down_after":               "simulator: play an outage after this many messages, to rehearse failover (0: never)",
	"max_share":                    "a number on more rows than this is reported as a data problem in check and the send summary (default 20)",
	"repeat_window":                "a number accepted the identical text this recently is not sent it again, in any campaign, unless --again (default 12h; 0 turns it off)",
	"clinic_phone":                 "clinic phone number, the {{.ClinicPhone}} field of templates",
	"call_list_columns":            "more columns of the patient list to show on the call list, e.g. [担当, 透析曜日]",
	"operator":                     "who runs smscast, for the audit trail (or --operator; default: the computer's user name)",
	"retention":                    "how long patient data is kept, e.g. 90d or 12w: history and send remind once a day, purge removes it (default: kept)",
	"outage_advice":                "the clinic's own advice added to the outage notice ({{.OutageAdvice}}); none by default",
	"journal":                      "journal file (default $XDG_DATA_HOME/smscast/journal.db)",
	"report_dir":                   "directory for delivery reports and call lists (default .)",
	"templates_dir":                "directory of your own templates (default $XDG_CONFIG_HOME/smscast/templates)",
	"workers":                      "concurrent requests to the provider (default 4)",
	"rate":                         "messages per second (default: set per provider; 0 = no limit)",
	"optout_file":                  "file of numbers never to text, one per line",
	"max_parts":                    "warn when a message needs more parts than this (default 3)",
	"prices":                       "price per segment by destination country, e.g. {JP: 0.08}",
	"currency":                     "currency of prices, e.g. USD",
	"sim.seed":                     "simulator: random seed",
	"sim.latency":                  "simulator: time per message, e.g. 50ms",
	"sim.outbox":                   "simulator: append every accepted message to this file as a JSON line",
	"sim.permanent":                "simulator: number patterns that fail permanently, e.g. ['+8190*0000']",
	"sim.transient":                "simulator: number patterns that fail transiently",
	"sim.ambiguous":                "simulator: number patterns whose outcome is ambiguous (accepted, then a timeout)",
	"sim.undelivered":              "simulator: number patterns reported undelivered by status",
	"sim.replies.rate":             "simulator: share of accepted messages answered, for drills of acks, e.g. 0.7 (default 0: no replies)",
	"sim.replies.after":            "simulator: time from acceptance to the reply, e.g. 2m",
	"sim.replies.texts":            "simulator: the replies drawn one per message, e.g. [\"1\", \"はい\", \"了解しました\"] (default [\"1\"])",
	"twilio.account_sid":           "Twilio account SID (or TWILIO_ACCOUNT_SID)",
	"twilio.from":                  "Twilio sender: an E.164 number or an alphanumeric sender ID",
	"twilio.messaging_service_sid": "Twilio messaging service SID (instead of from)",
	"twilio.status_callback":       "URL Twilio calls with delivery receipts",
	"twilio.validity_period":       "seconds Twilio may queue a message before giving up",
	"twilio.base_url":              "Twilio API base URL, for tests and proxies (http:// only for loopback)",
	"twilio.timeout":               "timeout of one Twilio request, e.g. 15s",
	"karaden.tenant_id":            "空電プッシュ tenant ID (テナントID, a UUID from the console)",
	"karaden.service_id":           "空電プッシュ service ID (サービス設定ID, a number from the console)",
	"karaden.base_url":             "空電プッシュ API base URL (default https://prg.karaden.jp/api; http:// only for loopback)",
	"karaden.timeout":              "timeout of one 空電プッシュ request, e.g. 15s",
	"smsgate.base_url":             "the Android phone's local server, e.g. http://192.168.1.20:8080 (http:// only on the LAN)",
	"smsgate.username":             "the local server's user name, as the SMS Gateway app shows it",
	"smsgate.sim_numbers":          "SIM slots to send from in turn, e.g. [1, 2] (default: the phone's default SIM)",
	"smsgate.daily_limit":          "messages per SIM per day (default 200: Japanese carriers limit a line to about 200 SMS a day)",
	"smsgate.timeout":              "timeout of one request to the phone, e.g. 10s",
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
	keys := configKeys(reflect.TypeFor[Config](), "")
	keys = append(keys, "prices")
	for _, k := range keys {
		env := "SMSCAST_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
		if k == "prices" {
			env = pr.Text("(config file only)")
		}
		fmt.Fprintf(&b, "  %-30s %-38s %s\n", k, env, pr.Text(keyHelp[k]))
	}
	b.WriteString(pr.Text(`
SECRETS (environment only, never flags; never printed)
  TWILIO_ACCOUNT_SID   Twilio account SID
  TWILIO_AUTH_TOKEN    Twilio auth token
  TWILIO_API_KEY       Twilio API key SID (with TWILIO_API_SECRET, instead of the auth token)
  TWILIO_API_SECRET    Twilio API key secret
  KARADEN_API_KEY      空電プッシュ API key (provider karaden)
  SMSGATE_PASSWORD     the Android phone's local server password (provider smsgate)

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

package cli

import "github.com/smscast/smscast/pkg/i18n"

// dataLocation says where a provider processes the messages smscast gives it (numbers and
// texts), for the pre-send summary and `smscast help privacy`.
func dataLocation(provider string) string {
	switch provider {
	case "twilio":
		return "abroad (United States): Twilio processes and stores numbers and texts there"
	case "karaden":
		return "Japan: 空電プッシュ processes numbers and texts in Japan"
	case "smsgate":
		return "Japan: the clinic's own Android phone on its LAN sends them through its mobile carrier"
	case "sim":
		return "nowhere: the simulator sends nothing"
	}
	return "unknown: check the provider's terms"
}

func privacyHelp() string { return privacyHelpIn(i18n.For(i18n.EN)) }

// privacyHelpIn is `smscast help privacy` in p's language.
func privacyHelpIn(p *i18n.Printer) string {
	return p.Sprintf(`WHAT SMSCAST STORES, WHERE, AND FOR HOW LONG
  The journal (journal:, default $XDG_DATA_HOME/smscast/journal.db) holds every campaign: for
  each patient texted, the list row (name, number as written), the number in E.164, the text
  sent and every delivery state. It is the proof of who was texted, so that nobody is texted
  twice. Reports and call lists (report_dir:) hold names, numbers and results.

  The journal, its log (-wal, -shm), its lock files and its .audit-head are private to the user
  who runs smscast (mode 0600, directories 0700), as are reports and call lists. Anyone who can
  log in as that user, and the computer's administrators, can read them: use a computer account
  of the clinic's own, with a password, and an encrypted disk.

  smscast keeps patient data until it is purged. Set retention: (e.g. 90d) in the config:
  history and send then remind once a day of campaigns older than that, and
  "smscast purge" (or purge --older-than 90d) removes their names, numbers and texts from the
  journal and rewrites the file so they are gone from the disk too. Counts per state stay, so
  history still shows what was sent; purge --reports also deletes old reports and call lists.
  A purged campaign no longer tells smscast that these numbers received that text: purge only
  what is older than repeat_window (default 12h).

THE AUDIT TRAIL
  Every action is recorded in the journal: sends (created, resumed, interrupted, finished, and
  test sends), status refreshes, replies polled, reports and call lists written, history, purges,
  unlocks, and the staff page's start, stop and sends. Each entry holds the time (UTC and the
  clinic's offset), the operator (operator:, --operator or SMSCAST_OPERATOR, else the computer
  user), the computer, the command (without its arguments), the campaign, the template, a hash
  of the message text, the provider and counts. It never holds a phone number, a name or a
  message text. Each entry holds the hash of the one before, and the last one is also written to
  <journal>.audit-head, so that "smscast audit --verify" finds an entry that was altered, removed
  or reordered. Purge keeps the trail.

WHERE EACH PROVIDER PROCESSES THE DATA
  twilio    %s
  karaden   %s
  smsgate   %s
  sim       %s

WHAT TO TELL PATIENTS
  Tell patients, when they give their mobile number, that the clinic texts it urgent notices
  (cancelled dialysis, closures) and reminders, through which service, and, for twilio, that
  their number and the text go to a company in the United States (個人情報保護法 第28条: consent
  for a transfer abroad, or a provider with equivalent safeguards, and the country named). Tell
  them how long the clinic keeps the record (retention:) and how to stop the messages (reply
  STOP, or tell the clinic): opted-out numbers are kept so that they are never texted again.
`, p.Text(dataLocation("twilio")), p.Text(dataLocation("karaden")), p.Text(dataLocation("smsgate")), p.Text(dataLocation("sim")))
}

package i18n

// enPlural holds the English sentences whose words follow a number: the key is the sentence
// for many (as the code prints it), One the sentence for one. Japanese has one form for both.
var enPlural = map[string]pluralEN{
	"%d segments": {Arg: 1, One: "%d segment", Other: "%d segments"},
	"Campaign %s created: %d messages to send.\n": {Arg: 2,
		One:   "Campaign %s created: %d message to send.\n",
		Other: "Campaign %s created: %d messages to send.\n"},
	"Campaign %s grows: %d more messages to send.\n": {Arg: 2,
		One:   "Campaign %s grows: %d more message to send.\n",
		Other: "Campaign %s grows: %d more messages to send.\n"},
	"%d messages failed or unknown in an earlier run: phone those patients (see %s).\n": {Arg: 1,
		One:   "%d message failed or unknown in an earlier run: phone those patients (see %s).\n",
		Other: "%d messages failed or unknown in an earlier run: phone those patients (see %s).\n"},
	"%d messages could not be sent yet: the provider kept failing (see the reason column of %s)": {Arg: 1,
		One:   "%d message could not be sent yet: the provider kept failing (see the reason column of %s)",
		Other: "%d messages could not be sent yet: the provider kept failing (see the reason column of %s)"},
	"%d messages failed or are unknown: phone those patients (see %s)": {Arg: 1,
		One:   "%d message failed or is unknown: phone those patients (see %s)",
		Other: "%d messages failed or are unknown: phone those patients (see %s)"},
	"Already sent: %d numbers received this message within repeat_window (%s) in %s: not sent again (--again sends it anyway).\n": {Arg: 1,
		One:   "Already sent: %d number received this message within repeat_window (%s) in %s: not sent again (--again sends it anyway).\n",
		Other: "Already sent: %d numbers received this message within repeat_window (%s) in %s: not sent again (--again sends it anyway).\n"},
	"Send %d messages now? [y/N] ": {Arg: 1, One: "Send %d message now? [y/N] ", Other: "Send %d messages now? [y/N] "},
	"%s\nQuiet hours: %d messages stay pending; the same command sends them after %s.\n": {Arg: 2,
		One:   "%s\nQuiet hours: %d message stays pending; the same command sends it after %s.\n",
		Other: "%s\nQuiet hours: %d messages stay pending; the same command sends them after %s.\n"},
}

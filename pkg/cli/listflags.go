package cli

import (
	"github.com/spf13/pflag"

	"github.com/smscast/smscast/pkg/roster"
)

// listFlags are the flags that say how to read a patient list, shared by check and send.
type listFlags struct {
	PhoneColumn string
	NameColumn  string
	Encoding    string
}

func (l *listFlags) register(f *pflag.FlagSet) {
	f.StringVar(&l.PhoneColumn, "phone-column", "", "header of the phone column (default: found by name)")
	f.StringVar(&l.NameColumn, "name-column", "", "header of the name column (default: found by name)")
	f.StringVar(&l.Encoding, "encoding", "", "list encoding: utf-8 or cp932 (default: detected)")
}

// readOptions are the roster options these flags give; the campaign layer adds the region and
// the opt-outs.
func (l *listFlags) readOptions(cfg *Config) roster.Options {
	return roster.Options{PhoneColumn: l.PhoneColumn, NameColumn: l.NameColumn, Encoding: l.Encoding, MaxShare: cfg.MaxShare}
}

// options are the roster options for a list read with these flags, the config's region and the
// numbers that must not be texted.
func (l *listFlags) options(cfg *Config, optOut map[string]bool) roster.Options {
	return roster.Options{
		PhoneColumn: l.PhoneColumn,
		NameColumn:  l.NameColumn,
		Region:      cfg.Region,
		Encoding:    l.Encoding,
		MaxShare:    cfg.MaxShare,
		OptOut:      func(e164 string) bool { return optOut[e164] },
	}
}

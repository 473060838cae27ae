package cli

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// invocation is what RunE saw of the command line, kept as plain data so that a run function
// needs no cobra: tests and other front ends build it (or leave it zero) and call the run
// function directly, as gh's createRun tests do.
type invocation struct {
	// command is the command's path ("smscast send") for the audit trail: its name only, never
	// its arguments, which can carry numbers or names. Empty means "smscast".
	command string
	// flags are the flags given on the command line; nil when the run was not started from one.
	flags flagsSet
}

// flagsSet is the flags given on a command line, in name order (the order pflag visits them).
type flagsSet []setFlag

// setFlag is one flag given on the command line.
type setFlag struct {
	name  string
	value string   // as pflag prints it: "9", "true", "[a,b]" for a list
	list  []string // a repeatable flag's values, each as given; nil for others
	kind  flagKind
}

type flagKind int

const (
	scalarFlag flagKind = iota
	boolFlag
	listFlag
)

// invoked captures c's command line once cobra has parsed it: the flags the user set (the
// command's own and inherited ones such as --config) and the command's path.
func invoked(c *cobra.Command) invocation {
	inv := invocation{command: c.CommandPath(), flags: flagsSet{}}
	c.Flags().Visit(func(f *pflag.Flag) {
		s := setFlag{name: f.Name, value: f.Value.String()}
		switch sv, ok := f.Value.(pflag.SliceValue); {
		case f.Value.Type() == "bool":
			s.kind = boolFlag
		case ok:
			s.kind, s.list = listFlag, append([]string{}, sv.GetSlice()...)
		}
		inv.flags = append(inv.flags, s)
	})
	return inv
}

// lookup is the value of flag name as pflag prints it, and whether it was given.
func (fs flagsSet) lookup(name string) (string, bool) {
	for _, f := range fs {
		if f.name == name {
			return f.value, true
		}
	}
	return "", false
}

// changed tells whether flag name was given.
func (fs flagsSet) changed(name string) bool {
	_, ok := fs.lookup(name)
	return ok
}

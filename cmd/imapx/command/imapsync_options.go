package command

import (
	"fmt"
	"io"
	"sort"

	"github.com/urfave/cli/v2"
)

// imapsync's documented options (2.229), each with what imapx does with
// it. Every group of options registers its own entries from its own file
// (imapsync_*.go), so the table grows without two groups editing the same
// lines; README's option table is checked against it by a test.

// optStatus is what imapx does with an imapsync option.
type optStatus string

const (
	// implemented: does what imapsync documents.
	implemented optStatus = "implemented"
	// equivalent: the same result by imapx's own means (named in says).
	equivalent optStatus = "equivalent"
	// moot: accepted with an `imapx: note:` line saying why it changes
	// nothing in imapx.
	moot optStatus = "moot"
)

// imapsyncOption is one of imapsync's options.
type imapsyncOption struct {
	name   string
	status optStatus
	// says: for README's table, what imapx does with the option; for a
	// moot one, also the note printed when it is given.
	says string
	// flag is the option's flag when no flag group of sync defines it
	// (nil: sync already has a flag of that name).
	flag cli.Flag
}

var imapsyncOptions = map[string]imapsyncOption{}

// registerImapsync adds entries to the table; a name registered twice is
// a programming error (two groups claiming one option).
func registerImapsync(opts ...imapsyncOption) {
	for _, o := range opts {
		if _, dup := imapsyncOptions[o.name]; dup {
			panic("imapsync option registered twice: --" + o.name)
		}
		imapsyncOptions[o.name] = o
	}
}

// mootFlag is a moot option's flag: a switch, or one that takes a value
// (repeatable, any text: imapsync's own syntax is not checked).
func mootFlag(name string, takesValue bool) cli.Flag {
	if takesValue {
		return &cli.StringSliceFlag{Name: name, Category: "imapsync (accepted, moot)", Usage: "accepted for imapsync command lines; see README", Hidden: true}
	}
	return &cli.BoolFlag{Name: name, Category: "imapsync (accepted, moot)", Usage: "accepted for imapsync command lines; see README", Hidden: true}
}

// moot1 and mootV register moot options: a switch, or one taking a value.
func moot1(name, why string) imapsyncOption {
	return imapsyncOption{name: name, status: moot, says: why, flag: mootFlag(name, false)}
}

func mootV(name, why string) imapsyncOption {
	return imapsyncOption{name: name, status: moot, says: why, flag: mootFlag(name, true)}
}

// imapsyncFlags are the flags of the table that no flag group of sync
// defines, in name order (the order of --help).
func imapsyncFlags() []cli.Flag {
	var names []string
	for n, o := range imapsyncOptions {
		if o.flag != nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	flags := make([]cli.Flag, len(names))
	for i, n := range names {
		flags[i] = imapsyncOptions[n].flag
	}
	return flags
}

// noteMoot prints one note per moot (or not done) option given.
func noteMoot(c *cli.Context, w io.Writer) {
	var names []string
	for n, o := range imapsyncOptions {
		if (o.status == moot || o.status == notDone) && c.IsSet(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "imapx: note: --%s: %s\n", n, imapsyncOptions[n].says)
	}
}

package rewrite

import (
	"slices"
	"strings"

	"github.com/imapx/imapx/internal/record"
)

// Flags runs the operations on flags alone (--regexflag,
// --filterbuggyflags) on a record without its body: a source inventory,
// so that it says which flags the copies were given.
func (r *Rewriter) Flags(m *record.Message) {
	r.flags(&change{m: m})
}

// FlagOps describes the operations that change flags ("" for none), for
// a sync's state: a pair in sync under other flag operations is not.
func (r *Rewriter) FlagOps() string {
	var parts []string
	for _, rt := range r.o.Regexflag {
		parts = append(parts, "regexflag "+rt.Source)
	}
	if r.o.FilterBuggyFlags {
		parts = append(parts, OpFilterBuggyFlags)
	}
	if r.o.DisarmReadReceipts {
		parts = append(parts, OpDisarmReadReceipts)
	}
	return strings.Join(parts, "\n")
}

// flags runs the operations on the message's flags, in imapsync's order.
func (r *Rewriter) flags(c *change) {
	if len(r.o.Regexflag) > 0 {
		// imapsync substitutes in the flag list as one string.
		list := strings.Join(c.m.Flags, " ")
		for _, rt := range r.o.Regexflag {
			list = rt.Apply(list)
		}
		if fs := strings.Fields(list); !slices.Equal(fs, c.m.Flags) {
			c.m.Flags = nonNil(fs)
			c.did(OpRegexflag)
		}
	}
	if r.o.FilterBuggyFlags {
		var keep []string
		for _, f := range c.m.Flags {
			if !buggy(f) {
				keep = append(keep, f)
			}
		}
		if len(keep) != len(c.m.Flags) {
			c.m.Flags = nonNil(keep)
			c.did(OpFilterBuggyFlags)
		}
	}
}

// systemFlags are RFC 3501's: the only \-flags a client may set.
var systemFlags = []string{`\seen`, `\answered`, `\flagged`, `\deleted`, `\draft`}

// buggy reports a flag servers refuse with "BAD Invalid system flag" or
// "NO APPEND Invalid flag list": an unknown \-flag (\Recent included, no
// client can set it), or a keyword holding a character an atom cannot.
func buggy(f string) bool {
	if strings.HasPrefix(f, `\`) {
		return !slices.Contains(systemFlags, strings.ToLower(f))
	}
	if f == "" {
		return true
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`(){%*"\]`, c) >= 0 {
			return true
		}
	}
	return false
}

func nonNil(fs []string) []string {
	if fs == nil {
		return []string{}
	}
	return fs
}

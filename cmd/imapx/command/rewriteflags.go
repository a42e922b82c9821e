package command

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/subst"
	"github.com/imapx/imapx/rewrite"
)

// rewriteFlags are imapsync's options that change messages in flight,
// shared by `imapx rewrite` and `imapx sync`.
type rewriteFlags struct{}

const rewriteCat = "Rewriting messages (imapsync's order: skipmess, pipemess, regexmess, wraplines, disarmreadreceipts, truncmess, addheader; regexflag, filterbuggyflags; idatefromheader)"

func (rewriteFlags) flags() []cli.Flag {
	const cat = rewriteCat
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "skipmess", Category: cat, Usage: "leave out messages whose bytes match `m/REGEX/` (RE2 on bytes, repeatable)"},
		&cli.StringSliceFlag{Name: "pipemess", Category: cat, Usage: "run `CMD` with the message on its stdin, its stdout being the new message (repeatable: cmd1 | cmd2); a non-zero exit or empty output leaves the message out, an error (exit 111)"},
		&cli.BoolFlag{Name: "pipemess-shell", Category: cat, Usage: "run each --pipemess CMD with sh -c (pipes, variables); by default it runs without a shell, its words split as a shell would"},
		&cli.DurationFlag{Name: "pipemess-timeout", Category: cat, Value: rewriteTimeout, Usage: "stop a --pipemess CMD running longer than `D` on one message (an error for that message)"},
		&cli.StringSliceFlag{Name: "regexmess", Category: cat, Usage: "apply `s/REGEX/REPLACEMENT/FLAGS` to the message's bytes (RE2, every byte one character, repeatable, in order)"},
		&cli.IntFlag{Name: "wraplines", Category: cat, Usage: "put a line break after every `N` bytes of a longer line, as imapsync's --office2/--exchange2 (their --regexmess 's,(.{10239}),$1\\r\\n,g')"},
		&cli.BoolFlag{Name: "disarmreadreceipts", Category: cat, Usage: "add $MDNSent to messages asking for a read receipt (Disposition-Notification-To)"},
		&cli.Int64Flag{Name: "truncmess", Category: cat, Usage: "cut messages larger than `N` bytes to N bytes"},
		&cli.BoolFlag{Name: "addheader", Category: cat, Usage: "add \"Message-Id: <UID@imapsync>\" to messages without a Message-Id"},
		&cli.StringSliceFlag{Name: "regexflag", Category: cat, Usage: "apply `s/REGEX/REPLACEMENT/FLAGS` to the space-separated flag list (repeatable, in order)"},
		&cli.BoolFlag{Name: "filterbuggyflags", Category: cat, Usage: "drop flags servers refuse (unknown \\-flags, keywords with characters atoms cannot hold)"},
		&cli.BoolFlag{Name: "idatefromheader", Category: cat, Usage: "set the internal date from the Date: header"},
	}
}

const rewriteTimeout = 2 * time.Minute

// options reads the flags; a pattern or command that cannot work is a
// usage error.
func (rewriteFlags) options(c *cli.Context) (rewrite.Options, error) {
	o := rewrite.Options{
		Pipemess: c.StringSlice("pipemess"), Shell: c.Bool("pipemess-shell"), Timeout: c.Duration("pipemess-timeout"),
		WrapLines: c.Int("wraplines"), DisarmReadReceipts: c.Bool("disarmreadreceipts"), Truncmess: c.Int64("truncmess"), AddHeader: c.Bool("addheader"),
		FilterBuggyFlags: c.Bool("filterbuggyflags"), IdateFromHeader: c.Bool("idatefromheader"),
	}
	if o.WrapLines < 0 {
		return o, usagef(c, "--wraplines takes a number of bytes, not %d", o.WrapLines)
	}
	if o.Truncmess < 0 {
		return o, usagef(c, "--truncmess takes a number of bytes, not %d", o.Truncmess)
	}
	for _, s := range c.StringSlice("skipmess") {
		m, err := subst.ParseMatch(s)
		if err != nil {
			return o, usagef(c, "--skipmess: %v", err)
		}
		o.Skipmess = append(o.Skipmess, m)
	}
	for _, s := range c.StringSlice("regexmess") {
		rt, err := subst.ParseBytes(s)
		if err != nil {
			return o, usagef(c, "--regexmess: %v", err)
		}
		o.Regexmess = append(o.Regexmess, rt)
	}
	for _, s := range c.StringSlice("regexflag") {
		rt, err := subst.Parse(s)
		if err != nil {
			return o, usagef(c, "--regexflag: %v", err)
		}
		o.Regexflag = append(o.Regexflag, rt)
	}
	if _, err := rewrite.New(o); err != nil {
		return o, usagef(c, "%v", err)
	}
	return o, nil
}

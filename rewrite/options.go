package rewrite

import (
	"io"
	"time"

	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/subst"
)

// Operation names, as imapsync's options and as records' "rewritten" say.
const (
	OpSkipmess           = "skipmess"
	OpPipemess           = "pipemess"
	OpRegexmess          = "regexmess"
	OpWrapLines          = "wraplines"
	OpDisarmReadReceipts = "disarmreadreceipts"
	OpTruncmess          = "truncmess"
	OpAddHeader          = "addheader"
	OpRegexflag          = "regexflag"
	OpFilterBuggyFlags   = "filterbuggyflags"
	OpIdateFromHeader    = "idatefromheader"
)

// Options choose the operations; the zero value changes nothing.
type Options struct {
	// Skipmess drops messages whose bytes match one of these.
	Skipmess []*subst.Matcher
	// Pipemess are commands, each given the message on its stdin and
	// writing the new message on its stdout, one after the other (like
	// cmd1 | cmd2). Run without a shell, their words split as a shell
	// would (quotes, backslashes), unless Shell (sh -c).
	Pipemess []string
	Shell    bool
	// Timeout bounds one command's run on one message (0: 2 minutes).
	Timeout time.Duration
	// Regexmess are substitutions on the message's bytes, in order.
	Regexmess []*subst.Subst
	// WrapLines breaks long lines (0: none): "\r\n" goes after every
	// WrapLines bytes of a line, as imapsync's --office2/--exchange2 do
	// with --regexmess 's,(.{10239}),$1\r\n,g', a pattern RE2 cannot run
	// (it counts at most 1000 repetitions).
	WrapLines int
	// DisarmReadReceipts adds the $MDNSent keyword to a message asking
	// for a read receipt (Disposition-Notification-To), so that the
	// destination's client does not send one again.
	DisarmReadReceipts bool
	// Truncmess cuts messages larger than this many bytes (0: none).
	Truncmess int64
	// AddHeader adds imapsync's "Message-Id: <UID@imapsync>" to a message
	// without a Message-Id.
	AddHeader bool
	// Regexflag are substitutions on the space-separated flag list.
	Regexflag []*subst.Subst
	// FilterBuggyFlags drops flags servers refuse: a \-flag that is not
	// one of RFC 3501's five, a keyword with characters atoms cannot hold.
	FilterBuggyFlags bool
	// IdateFromHeader sets the internal date from the Date: header.
	IdateFromHeader bool
	// Ident computes the identity of a record that has none (mbox input),
	// from its bytes before rewriting.
	Ident identity.Options
	// Workers is how many messages are rewritten at once by Run (0: 4).
	Workers int
	// Log receives one line per message skipped or failed.
	Log io.Writer
}

// Active reports whether any operation is chosen.
func (o *Options) Active() bool {
	return len(o.Skipmess)+len(o.Pipemess)+len(o.Regexmess)+len(o.Regexflag) > 0 || o.WrapLines > 0 ||
		o.DisarmReadReceipts || o.Truncmess > 0 || o.AddHeader || o.FilterBuggyFlags || o.IdateFromHeader
}

func (o *Options) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

package push

import (
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/table"
)

// quotaWords are how servers say "over quota" without the [OVERQUOTA]
// code (RFC 5530), matched case-insensitively in the NO's text.
var quotaWords = []string{
	"over quota",          // Cyrus 3.x: "NO Over quota"
	"quota exceeded",      // Dovecot: "Quota exceeded (mailbox for user is full)"
	"mailbox is full",     // Exchange, Dovecot's longer form
	"exceeds the maximum", // Exchange: "The message size exceeds the maximum…"
	"account exceeded",    // Gmail: "[OVERQUOTA] Account exceeded command or bandwidth limits"
	"quota",               // any other wording naming a quota (Courier: "Mail quota exceeded")
}

// overQuota reports whether a refusal says the account is full.
func overQuota(e *imap.Error) bool {
	switch e.Code {
	case imap.ResponseCodeOverQuota:
		return true
	case imap.ResponseCodeTooBig: // one message too big, not a full account
		return false
	}
	text := strings.ToLower(e.Text)
	for _, w := range quotaWords {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// overQuota stops the push at the first over-quota answer: every later
// APPEND would be refused too, after its bytes were sent for nothing.
// What is in flight is still settled.
func (p *pusher) overQuota(err error) {
	if p.stop != nil {
		return
	}
	p.stop = err
	fmt.Fprintf(p.o.Log, "imapx: warning: the destination is over quota; sending nothing more\n")
}

// refusedAfterStop settles an APPEND that was already in flight when the
// first over-quota answer came: it has its result record, but the
// refusals of one full account are printed and counted once (stopped).
func (p *pusher) refusedAfterStop(pd *pending, err error) {
	if p.o.OnSettled != nil && pd.it.Msg != nil {
		p.o.OnSettled(pd.it.Msg)
	}
	p.quotaMore++
	r := &record.Result{Type: record.TypeResult, Op: "append", Src: srcRef(pd.it.Msg),
		Dst: &record.Ref{Folder: pd.folder}, Error: err.Error(), Code: exitcode.Of(err)}
	if m := pd.it.Msg; m != nil {
		r.Ident, r.Size = m.Ident, m.Size
	}
	p.write(r)
}

// stopped is the error a push stopped by quota ends with.
func (p *pusher) stopped() error {
	if p.quotaMore > 0 {
		more := exitcode.Newf(exitcode.OverQuota, "%d more messages already sent were refused too: over quota", p.quotaMore)
		fmt.Fprintf(p.o.Log, "imapx: error: %v\n", more)
		p.countError(more)
		p.quotaMore = 0
	}
	return exitcode.WithHint(exitcode.OverQuota,
		fmt.Errorf("the destination is over quota: %d messages (%s) copied, the rest not sent: %w",
			p.sum.Appended, table.Bytes(p.sum.Bytes), p.stop),
		"free space or raise the quota, then run again: sync copies only what is missing (push's results say what was stored)")
}

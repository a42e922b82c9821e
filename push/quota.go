package push

import (
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/exitcode"
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

// stopped is the error a push stopped by quota ends with.
func (p *pusher) stopped() error {
	return exitcode.WithHint(exitcode.OverQuota,
		fmt.Errorf("the destination is over quota: %d messages (%s) copied, the rest not sent: %w",
			p.sum.Appended, table.Bytes(p.sum.Bytes), p.stop),
		"free space or raise the quota, then run again: sync copies only what is missing (push's results say what was stored)")
}

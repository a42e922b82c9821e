package session

import (
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// TestThrottled checks which answers are waited for and retried, and how
// long: Office 365's and Exchange's words, RFC 5530's codes, and the
// lasting refusals (keywords, quota, Exchange's argument error) that are
// not.

func TestThrottled(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
		wait time.Duration
	}{
		{&imap.Error{Type: imap.StatusResponseTypeBad, Text: "Request is throttled. Suggested Backoff Time: 1500 milliseconds"}, true, 1500 * time.Millisecond},
		{&imap.Error{Type: imap.StatusResponseTypeNo, Text: "Server Unavailable. 15"}, true, Backoff(0)},
		{&imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeUnavailable, Text: "Try later"}, true, Backoff(0)},
		{&imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeLimit, Text: "Too many commands"}, true, Backoff(0)},
		{&imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeLimit, Text: "Too many keywords in mailbox"}, false, Backoff(0)},
		{&imap.Error{Type: imap.StatusResponseTypeNo, Text: "Too many user flags in mailbox"}, false, Backoff(0)},
		{&imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeOverQuota, Text: "Quota exceeded"}, false, Backoff(0)},
		{&imap.Error{Type: imap.StatusResponseTypeBad, Text: "Command Argument Error. 11"}, false, Backoff(0)},
		{&imap.Error{Type: imap.StatusResponseTypeBad, Text: "Request is throttled. Suggested Backoff Time: 999999999 milliseconds"}, true, maxThrottleWait},
	} {
		if got := Throttled(c.err); got != c.want {
			t.Errorf("Throttled(%v) = %v, want %v", c.err, got, c.want)
		}
		if got := IsConnError(c.err); got != c.want {
			t.Errorf("IsConnError(%v) = %v, want %v", c.err, got, c.want)
		}
		if got := ThrottleWait(0, c.err); got != c.wait {
			t.Errorf("ThrottleWait(0, %v) = %v, want %v", c.err, got, c.wait)
		}
	}
}

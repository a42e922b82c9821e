package session

import (
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// busyPatience bounds how long Dial waits for a server that refuses a
// login for now (Dovecot: "NO [LIMIT] Maximum number of connections
// from user+IP exceeded"). Connections of a run killed a moment ago are
// still counted until the server notices them gone.
const busyPatience = 30 * time.Second

// busyError is a login refused for now: the account is right, the
// server is full. It carries a connection exit code, not an auth one.
type busyError struct{ error }

func (e *busyError) Unwrap() error { return e.error }

// refusedForNow reports whether a NO to a login says "later", not "wrong
// credentials": RFC 5530's LIMIT and UNAVAILABLE codes, or the wordings
// of servers that send none (Gmail: "Too many simultaneous connections").
func refusedForNow(e *imap.Error) bool {
	switch e.Code {
	case imap.ResponseCodeLimit, imap.ResponseCodeUnavailable, imap.ResponseCodeInUse:
		return true
	case imap.ResponseCodeAuthenticationFailed, imap.ResponseCodeAuthorizationFailed:
		return false
	}
	text := strings.ToLower(e.Text)
	return strings.Contains(text, "too many") && strings.Contains(text, "connections") ||
		strings.Contains(text, "maximum number of connections")
}

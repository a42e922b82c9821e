package session

import (
	"errors"
	"regexp"
	"strconv"
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

// Throttled reports whether err is a server asking the client to slow
// down or come back later, on a command rather than a login: Office 365
// and Exchange's "Request is throttled. Suggested Backoff Time: N
// milliseconds" (a BAD) and "Server Unavailable. 15", RFC 5530's
// [UNAVAILABLE], [INUSE] and [LIMIT] codes (not a LIMIT about flags or
// keywords: that one lasts), a [THROTTLED] code, and the same words in a
// BYE. Such an answer is treated as a lost connection:
// the stage waits (ThrottleWait), re-dials and resumes where it was, so
// that no message is lost (refused) or doubled (push checks which
// APPENDs arrived before sending any again).
func Throttled(err error) bool {
	var e *imap.Error
	if !errors.As(err, &e) {
		return err != nil && throttleWords(err.Error())
	}
	text := strings.ToLower(e.Text)
	switch e.Code {
	case imap.ResponseCodeUnavailable, imap.ResponseCodeInUse, "THROTTLED":
		return true
	case imap.ResponseCodeLimit:
		// RFC 5530's LIMIT also names lasting limits, such as the number
		// of keywords a folder takes: those are refusals (flags handles
		// them), not a reason to wait.
		return !strings.Contains(text, "flag") && !strings.Contains(text, "keyword")
	}
	return throttleWords(e.Text)
}

func throttleWords(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "throttl") || strings.Contains(s, "server unavailable") ||
		strings.Contains(s, "[unavailable]") || strings.Contains(s, "[limit]") || strings.Contains(s, "try again later")
}

// suggestedBackoff reads Office 365's "Suggested Backoff Time: 299961
// milliseconds".
var suggestedBackoff = regexp.MustCompile(`(?i)backoff time:\s*(\d+)\s*milliseconds`)

// maxThrottleWait bounds one wait for a throttling server, whatever it
// suggests (Office 365 has asked for five minutes).
const maxThrottleWait = 10 * time.Minute

// ThrottleWait is the wait before attempt number attempt (from 0) after
// err: Backoff's, or longer when a throttling server suggested longer.
func ThrottleWait(attempt int, err error) time.Duration {
	d := Backoff(attempt)
	if err == nil || !Throttled(err) {
		return d
	}
	if m := suggestedBackoff.FindStringSubmatch(err.Error()); m != nil {
		if ms, perr := strconv.ParseInt(m[1], 10, 64); perr == nil {
			d = max(d, min(time.Duration(ms)*time.Millisecond, maxThrottleWait))
		}
	}
	return d
}

// ErrThrottled stands for any throttling answer (its ThrottleNote is
// the one every throttled reconnect's warning carries).
var ErrThrottled = errors.New("throttled")

// ThrottleNote is what a stage's reconnect warning says of a throttled
// command (counted by sync's statistics from the log): "" for any other
// loss.
func ThrottleNote(err error) string {
	if Throttled(err) {
		return " (throttled by the server)"
	}
	return ""
}

package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/mutate"
)

// Dialer opens a new logged-in connection to one account: every stage
// takes one, and calls it again when its connection is lost.
type Dialer func(ctx context.Context) (*imapclient.Client, error)

// IsConnError reports whether err is the connection's fault, worth a
// re-dial, rather than an answer. A server's NO or BAD (*imap.Error) is
// an answer on a working connection; a cancelled run is no connection
// problem; authentication, TLS, usage and input errors would meet the
// same failure again; nor is a write a dry run held back.
func IsConnError(err error) bool {
	var imapErr *imap.Error
	if errors.As(err, &imapErr) && Throttled(imapErr) {
		// A throttling answer: wait, re-dial, resume (see Throttled).
		return true
	}
	if err == nil || errors.As(err, &imapErr) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, mutate.ErrDryRun) {
		return false
	}
	switch exitcode.Of(err) {
	case exitcode.Auth, exitcode.TLS, exitcode.Usage, exitcode.NoInput:
		return false
	}
	return true
}

// Backoff is the wait before reconnect number attempt (from 0): 200 ms,
// doubling, at most 10 s.
func Backoff(attempt int) time.Duration {
	const most = 10 * time.Second
	if attempt < 0 {
		attempt = 0
	}
	if attempt > 16 {
		return most
	}
	return min(200*time.Millisecond<<attempt, most)
}

// Sleep waits d, or until ctx ends (then it returns ctx's error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Retry is how a stage works on one folder over a connection that may
// drop: the step runs again on a new connection until it succeeds, fails
// for another reason, or the connection keeps failing without progress.
type Retry struct {
	// Retries bounds the consecutive reconnects that made no progress.
	Retries int
	// Log gets a warning for each reconnect.
	Log io.Writer
	// Hangup closes the lost connection, so that the next step dials.
	Hangup func()
	// Final, when set, names more errors that no reconnect can help (the
	// stage's own output failing…).
	Final func(error) bool
}

// GaveUp is the error of a folder whose connection kept failing; it
// carries exit code 10 (exitcode.Connection).
type GaveUp struct {
	What     string
	Attempts int
	Err      error
}

func (e *GaveUp) Error() string {
	return fmt.Sprintf("%s: giving up after %d reconnects: %v", e.What, e.Attempts, e.Err)
}
func (e *GaveUp) Unwrap() error { return e.Err }
func (e *GaveUp) ExitCode() int { return exitcode.Connection }

// Do runs step for what ("folder \"INBOX\"") until it returns no
// connection error. step reports whether it got further than the last
// time (a message written…): a link that drops every few megabytes still
// gets the folder done, since only reconnects without progress count.
func (r Retry) Do(ctx context.Context, what string, step func() (progress bool, err error)) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		progress, err := step()
		if err == nil || !IsConnError(err) || r.Final != nil && r.Final(err) {
			return err
		}
		if ctx.Err() != nil {
			// What the cancellation broke (a connection closed under a
			// command) is no error of its own.
			return ctx.Err()
		}
		if progress {
			attempt = 0
		}
		if attempt >= r.Retries {
			return &GaveUp{What: what, Attempts: attempt, Err: err}
		}
		if r.Log != nil {
			fmt.Fprintf(r.Log, "imapx: warning: %s: connection lost%s (%v); reconnecting\n", what, ThrottleNote(err), err)
		}
		if r.Hangup != nil {
			r.Hangup()
		}
		if err := Sleep(ctx, ThrottleWait(attempt, err)); err != nil {
			return err
		}
	}
}

// CheckValidity fails a folder whose UIDVALIDITY is no longer the one a
// plan's UIDs were taken under (planned 0: no plan to check against).
func CheckValidity(folder string, now, planned uint32) error {
	if planned != 0 && now != planned {
		return exitcode.Newf(exitcode.Select, "folder %q: UIDVALIDITY is %d, the plan was made at %d: run diff again", folder, now, planned)
	}
	return nil
}

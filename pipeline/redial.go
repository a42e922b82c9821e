package pipeline

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/session"
)

// redialRetries bounds the re-dials for one step in a row.
const redialRetries = 5

// redialer keeps one connection of a worker of the verify and re-dials it
// when the link drops, as fetch, push and flags do, instead of failing a
// sync whose copy went through. selected and validity are the folder
// selected on the current connection.
type redialer struct {
	dial     session.Dialer
	c        *imapclient.Client
	selected string
	validity uint32
}

// do runs step on a live connection (fresh: just dialed, nothing
// selected), again on a new one after a lost connection. A server's
// answer (NO, BAD) is step's error, as are dial failures.
func (r *redialer) do(ctx context.Context, step func(c *imapclient.Client, fresh bool) error) error {
	for attempt := 0; ; attempt++ {
		fresh := false
		if r.c == nil {
			c, err := r.dial(ctx)
			if err != nil {
				return exitcode.ForHost(err, 2)
			}
			r.c, r.selected, fresh = c, "", true
		}
		err := step(r.c, fresh)
		if !session.IsConnError(err) || ctx.Err() != nil {
			return err
		}
		r.close()
		if attempt >= redialRetries {
			return exitcode.New(exitcode.Connection2, fmt.Errorf("%w (giving up after %d reconnects)", err, attempt))
		}
		if err := session.Sleep(ctx, session.ThrottleWait(attempt, err)); err != nil {
			return err
		}
	}
}

// end gives the connection back (session.Release: to its pool) after
// work that went through, and closes it after a failure.
func (r *redialer) end(err error) {
	if err != nil {
		r.close()
		return
	}
	session.Release(r.c)
	r.c = nil
}

func (r *redialer) close() {
	if r.c != nil {
		r.c.Close()
		r.c = nil
	}
}

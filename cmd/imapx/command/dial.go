package command

import (
	"context"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/session"
)

// dial connects an account; host is 0 for single-account commands, 1 or 2
// to get imapsync's host-specific exit codes.
func dial(ctx context.Context, a *session.Account, host int) (*session.Conn, error) {
	conn, err := a.Dial(ctx, nil)
	if err != nil {
		if host != 0 {
			return nil, exitcode.ForHost(err, host)
		}
		return nil, err
	}
	return conn, nil
}

// dialer adapts an account to the stages' dial functions.
func dialer(a *session.Account, host int) func(context.Context) (*imapclient.Client, error) {
	return func(ctx context.Context) (*imapclient.Client, error) {
		conn, err := dial(ctx, a, host)
		if err != nil {
			return nil, err
		}
		return conn.Client, nil
	}
}

// logout ends a session politely but never waits long for it.
func logout(conn *session.Conn) {
	done := make(chan struct{})
	go func() {
		conn.Logout().Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	conn.Close()
}

package command

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/session"
)

// accountFlags are the connection options of single-account commands.
func accountFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "passfile", Category: "Account", Usage: "read the password from the first line of `FILE`"},
		&cli.StringFlag{Name: "password", Category: "Account", Usage: "the `PASSWORD` (visible to other users in ps: prefer --passfile or IMAPX_PASSWORD)"},
		&cli.BoolFlag{Name: "insecure", Category: "Account", Usage: "do not verify the server's TLS certificate"},
		&cli.StringFlag{Name: "ca-file", Category: "Account", Usage: "trust the CA certificates in `FILE` (PEM) as well as the system's"},
		&cli.StringFlag{Name: "authuser", Category: "Account", Usage: "authenticate as admin `USER` on behalf of the account's user (AUTHENTICATE PLAIN)"},
		&cli.StringFlag{Name: "auth-mech", Category: "Account", Usage: "force `MECH`: login, plain, xoauth2 or oauthbearer (default: login, or plain with --authuser)"},
		&cli.StringFlag{Name: "oauth-token", Category: "Account", Usage: "OAuth2 access token in `FILE` (XOAUTH2 by default), re-read at every connection"},
		&cli.DurationFlag{Name: "timeout", Category: "Account", Value: session.DefaultTimeout, Usage: "connect and login timeout, and the longest a command waits with no byte from the server (then the connection is re-dialled)"},
	}
}

// account builds the account named by url from the command's flags.
func (s *streams) account(c *cli.Context, url string, envNames ...string) (*session.Account, error) {
	a, err := session.ParseURL(url)
	if err != nil {
		return nil, err
	}
	a.Insecure = c.Bool("insecure")
	a.CAFile = c.String("ca-file")
	a.AuthUser = c.String("authuser")
	a.AuthMech = c.String("auth-mech")
	a.OAuthTokenFile = c.String("oauth-token")
	a.Timeout = c.Duration("timeout")
	// One limit for a single-account command: a server that takes longer
	// than this to answer a command is as gone as one that does not answer
	// a connect.
	a.ResponseTimeout = a.Timeout
	if len(envNames) == 0 {
		envNames = []string{"IMAPX_PASSWORD"}
	}
	err = session.ResolvePassword(a, session.PasswordSources{
		PassFile: c.String("passfile"),
		Env:      envNames,
		Getenv:   s.getenv,
		Prompt:   s.prompt(),
		Flag:     c.String("password"),
		Warn:     s.stderr,
	})
	return a, err
}

// prompt returns a terminal password prompt, or nil when stdin is not a
// terminal (a pipe must never block waiting for a password).
func (s *streams) prompt() func(string) (string, error) {
	f, ok := s.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return func(p string) (string, error) {
		fmt.Fprint(s.stderr, p)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.stderr)
		return string(b), err
	}
}

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

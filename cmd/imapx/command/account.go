package command

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/session"
)

// accountFlags is the flag group of one account, and the one builder of
// accounts. Single-account commands use accountFlags{}: the account is a
// URL argument, with --passfile, --timeout…; sync uses accountFlags{"1"}
// and {"2"}: a URL argument or imapsync's --host1, --user1…, each option
// suffixed with the host's number.
type accountFlags struct{ n string }

func (g accountFlags) flags() []cli.Flag {
	if g.n == "" {
		return []cli.Flag{
			&cli.StringFlag{Name: "passfile", Category: "Account", Usage: "read the password from the first line of `FILE`"},
			&cli.StringFlag{Name: "password", Category: "Account", Usage: "the `PASSWORD` (visible to other users in ps: prefer --passfile or IMAPX_PASSWORD)"},
			&cli.BoolFlag{Name: "insecure", Category: "Account", Usage: "do not verify the server's TLS certificate"},
			&cli.StringFlag{Name: "ca-file", Category: "Account", Usage: "trust the CA certificates in `FILE` (PEM) as well as the system's"},
			&cli.StringFlag{Name: "authuser", Category: "Account", Usage: "authenticate as admin `USER` on behalf of the account's user (AUTHENTICATE PLAIN)"},
			&cli.StringFlag{Name: "auth-mech", Category: "Account", Usage: "force `MECH`: login, plain, cram-md5, xoauth2 or oauthbearer (default: login, or plain with --authuser)"},
			&cli.StringFlag{Name: "oauth-token", Category: "Account", Usage: "OAuth2 access token in `FILE` (XOAUTH2 by default), re-read at every connection"},
			&cli.DurationFlag{Name: "timeout", Category: "Account", Value: session.DefaultTimeout, Usage: "connect and login timeout, and the longest a command waits with no byte from the server (then the connection is re-dialled)"},
		}
	}
	n, cat := g.n, "Host"+g.n
	return []cli.Flag{
		&cli.StringFlag{Name: "host" + n, Category: cat, Usage: "IMAP server `HOST`"},
		&cli.IntFlag{Name: "port" + n, Category: cat, Usage: "`PORT` (default 143, or 993 with --ssl" + n + ")"},
		&cli.StringFlag{Name: "user" + n, Category: cat, Usage: "login `USER`"},
		&cli.StringFlag{Name: "password" + n, Category: cat, Usage: "`PASSWORD` (visible in ps: prefer --passfile" + n + " or IMAPX_PASSWORD" + n + ")"},
		&cli.StringFlag{Name: "passfile" + n, Category: cat, Usage: "read the password from the first line of `FILE`"},
		&cli.BoolFlag{Name: "ssl" + n, Category: cat, Usage: "implicit TLS (imaps)"},
		&cli.BoolFlag{Name: "tls" + n, Category: cat, Usage: "STARTTLS, required"},
		&cli.BoolFlag{Name: "nossl" + n, Category: cat, Usage: "no implicit TLS"},
		&cli.BoolFlag{Name: "notls" + n, Category: cat, Usage: "no STARTTLS: plain text (with --nossl" + n + ")"},
		&cli.StringFlag{Name: "authuser" + n, Category: cat, Usage: "admin `USER` authenticating on the user's behalf"},
		&cli.StringFlag{Name: "authmech" + n, Category: cat, Usage: "`MECH`: LOGIN, PLAIN, CRAM-MD5, XOAUTH2, OAUTHBEARER"},
		&cli.StringFlag{Name: "oauthaccesstoken" + n, Category: cat, Usage: "OAuth2 access `TOKEN`, or a file holding it (re-read at every connection)"},
		&cli.BoolFlag{Name: "insecure" + n, Category: cat, Usage: "do not verify the TLS certificate"},
		&cli.StringFlag{Name: "ca-file" + n, Category: cat, Usage: "trust the CA certificates in `FILE`"},
		&cli.Float64Flag{Name: "timeout" + n, Category: cat, Value: session.DefaultTimeout.Seconds(),
			Usage: "close a connection on which a command waits `SECONDS` with no byte moving (then re-dial and resume); 0: wait forever"},
	}
}

// host is imapsync's host number for exit codes (101/102, 161/162…), 0
// for a single account.
func (g accountFlags) host() int {
	if g.n == "" {
		return 0
	}
	return int(g.n[0] - '0')
}

// account builds the account named by url ("" for sync's --hostN
// options) from the parsed flags: sync's --insecure and --ca-file apply
// to both hosts, its --timeout is the connect timeout of both.
func (g accountFlags) account(s *streams, c *cli.Context, url string) (*session.Account, error) {
	n := g.n
	a, err := g.server(c, url)
	if err != nil {
		return nil, err
	}
	a.Insecure = c.Bool("insecure") || c.Bool("insecure"+n)
	a.CAFile = c.String("ca-file" + n)
	if a.CAFile == "" {
		a.CAFile = c.String("ca-file")
	}
	a.AuthUser = c.String("authuser" + n)
	a.Alerts = s.alerts
	a.Timeout = c.Duration("timeout")
	env := []string{"IMAPX_PASSWORD"}
	if n == "" {
		a.AuthMech = c.String("auth-mech")
		a.OAuthTokenFile = c.String("oauth-token")
		// One limit for a single-account command: a server that takes
		// longer than this to answer a command is as gone as one that
		// does not answer a connect.
		a.ResponseTimeout = a.Timeout
	} else {
		a.Label = "host" + n
		a.AuthMech = c.String("authmech" + n)
		a.OAuthTokenFile = c.String("oauthaccesstoken" + n)
		secs := c.Float64("timeout" + n)
		if secs < 0 {
			return nil, usagef(c, "--timeout%s %v: give seconds, 0 for no limit", n, secs)
		}
		a.ResponseTimeout = time.Duration(secs * float64(time.Second))
		env = []string{"IMAPX_PASSWORD" + n, "IMAPSYNC_PASSWORD" + n}
		if err := g.imapsyncAuth(s, c, a); err != nil {
			return nil, err
		}
	}
	if c.Bool("justconnect") || c.Bool("version") || c.Bool("abort") {
		return a, nil // no login: no password needed
	}
	err = session.ResolvePassword(a, session.PasswordSources{
		PassFile: c.String("passfile" + n),
		Env:      env,
		Getenv:   s.getenv,
		Prompt:   s.prompt(),
		Flag:     c.String("password" + n),
		Warn:     s.stderr,
	})
	return a, err
}

// server is the account's server and user: the URL, or sync's --hostN,
// --userN, --portN and TLS options.
func (g accountFlags) server(c *cli.Context, url string) (*session.Account, error) {
	n := g.n
	if n == "" {
		return session.ParseURL(url)
	}
	if url != "" {
		if c.String("host"+n) != "" {
			return nil, usagef(c, "give host%s as an URL argument or with --host%s, not both", n, n)
		}
		a, err := session.ParseURL(url)
		var e *exitcode.Error
		if errors.As(err, &e) && e.Hint != "" {
			// The hint names the single-account options: name sync's.
			e.Hint = strings.NewReplacer("--passfile", "--passfile"+n, "IMAPX_PASSWORD", "IMAPX_PASSWORD"+n).Replace(e.Hint)
		}
		return a, err
	}
	host := c.String("host" + n)
	if host == "" {
		host = g.presetHost(c)
	}
	if host == "" || c.String("user"+n) == "" {
		return nil, usagef(c, "missing host%s: give SRC and DST URLs, or --host%s and --user%s", n, n, n)
	}
	a := &session.Account{Host: host, User: c.String("user" + n), Port: c.Int("port" + n)}
	switch {
	case c.Bool("ssl"+n) || g.presetHost(c) != "" && !c.Bool("tls"+n) && !c.Bool("notls"+n):
		a.Security = session.ImplicitTLS
	case c.Bool("tls" + n):
		a.Security = session.StartTLS
	case c.Bool("notls" + n):
		a.Security = session.Plain
	default:
		a.Security = session.Opportunistic
	}
	if a.Port == 0 {
		a.Port = 143
		if a.Security == session.ImplicitTLS {
			a.Port = 993
		}
	}
	return a, nil
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

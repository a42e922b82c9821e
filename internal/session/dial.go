package session

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"github.com/imapx/imapx/internal/exitcode"
)

// DefaultTimeout bounds connecting and logging in.
const DefaultTimeout = 120 * time.Second

// Conn is a logged-in connection.
type Conn struct {
	*imapclient.Client
	Account *Account
}

// DialOptions tune a connection beyond the account itself.
type DialOptions struct {
	// Unilateral handles unsolicited server data (EXPUNGE, FETCH…).
	Unilateral *imapclient.UnilateralDataHandler
}

// resolveSecurity settles an Opportunistic account once, for every
// connection after it (the first probe decides, the others wait for it).
func (a *Account) resolveSecurity(ctx context.Context) error {
	a.probing.Lock()
	defer a.probing.Unlock()
	if a.Security != Opportunistic {
		return nil
	}
	sec, err := a.probeStartTLS(ctx)
	if err != nil {
		return err
	}
	a.Security = sec
	return nil
}

// Dial connects, secures and logs in. Errors carry exit codes: 10
// connection, 12 TLS, 16 authentication (see exitcode.ForHost for 101/161…).
// A server that refuses the login for now (too many connections of the
// user, e.g. a killed run's still draining) is tried again for a while.
func (a *Account) Dial(ctx context.Context, opts *DialOptions) (*Conn, error) {
	start := time.Now()
	for wait := 250 * time.Millisecond; ; wait = min(2*wait, 4*time.Second) {
		c, err := a.dialOnce(ctx, opts)
		var busy *busyError
		if err == nil || !errors.As(err, &busy) || time.Since(start)+wait > busyPatience {
			return c, err
		}
		select {
		case <-ctx.Done():
			return nil, a.dialError(ctx, ctx, start, ctx.Err())
		case <-time.After(wait):
		}
	}
}

func (a *Account) dialOnce(ctx context.Context, opts *DialOptions) (*Conn, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	if err := a.resolveSecurity(ctx); err != nil {
		return nil, err
	}
	timeout := a.timeout()
	parent, start := ctx, time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fail := func(err error) error { return a.dialError(parent, ctx, start, err) }

	tlsConfig, err := a.tlsConfig()
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: a.keepAlive()}
	raw, err := dialer.DialContext(ctx, "tcp", a.Addr())
	if err != nil {
		return nil, fail(err)
	}
	// Abandon a connection that hangs past the deadline: closing it unblocks
	// whatever go-imap is waiting for.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()

	clientOpts := &imapclient.Options{
		TLSConfig:             tlsConfig,
		UnilateralDataHandler: opts.Unilateral,
		ResponseTimeout:       a.ResponseTimeout,
		DebugWriter:           a.debugWriter(),
		Alert:                 a.alertHandler(),
	}

	var c *imapclient.Client
	switch a.Security {
	case ImplicitTLS:
		tc := tls.Client(raw, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			if ctx.Err() != nil {
				return nil, fail(err)
			}
			return nil, a.tlsError(err)
		}
		c = imapclient.New(tc, clientOpts)
	case StartTLS:
		c, err = imapclient.NewStartTLS(raw, clientOpts)
		if err != nil {
			raw.Close()
			if ctx.Err() != nil {
				return nil, fail(err)
			}
			return nil, a.tlsError(err)
		}
	default:
		c = imapclient.New(raw, clientOpts)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, fail(err)
	}
	if err := a.login(c); err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, fail(err)
		}
		return nil, err
	}
	return &Conn{Client: c, Account: a}, nil
}

func (a *Account) timeout() time.Duration {
	if a.Timeout <= 0 {
		return DefaultTimeout
	}
	return a.Timeout
}

// dialError names why connecting failed: an interruption of the run
// (parent cancelled: no connection problem at all), the connect and login
// timeout running out, or the connection's own error.
func (a *Account) dialError(parent, ctx context.Context, start time.Time, err error) error {
	if parent.Err() != nil {
		if cause := context.Cause(parent); errors.Is(cause, context.Canceled) {
			return cause
		}
		return parent.Err()
	}
	// The limit that fired: the connect timeout, or the response timeout
	// on the greeting or the login (go-imap reports that one as text).
	limit := a.timeout()
	if a.ResponseTimeout > 0 && a.ResponseTimeout < limit {
		limit = a.ResponseTimeout
	}
	var netErr net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout() || time.Since(start) >= limit {
		return exitcode.WithHint(exitcode.Connection,
			fmt.Errorf("timed out connecting to %s after %s", a.name(), limit),
			"check the host and port, and that no firewall drops the connection; --timeout (--timeout1/2 once connected) sets the limit")
	}
	return a.connError(err)
}

// probeStartTLS asks the server's greeting capabilities whether it offers
// STARTTLS; the answer is kept in the account for later connections.
//
// A server that offers no STARTTLS is refused: sending the password in
// clear must be asked for (--notls1/2, ?tls=none), or an attacker on the
// path only has to strip STARTTLS from the capabilities to read it.
func (a *Account) probeStartTLS(ctx context.Context) (Security, error) {
	parent, start := ctx, time.Now()
	ctx, cancel := context.WithTimeout(ctx, a.timeout())
	defer cancel()
	dialer := &net.Dialer{Timeout: a.timeout()}
	raw, err := dialer.DialContext(ctx, "tcp", a.Addr())
	if err != nil {
		return Plain, a.dialError(parent, ctx, start, err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	c := imapclient.New(raw, &imapclient.Options{ResponseTimeout: a.ResponseTimeout})
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		return Plain, a.dialError(parent, ctx, start, err)
	}
	caps := c.Caps()
	if caps == nil {
		return Plain, a.dialError(parent, ctx, start, errors.New("no capabilities from the server"))
	}
	if caps.Has(imap.CapStartTLS) {
		return StartTLS, nil
	}
	who := a.Label
	if who == "" {
		who = a.Addr()
	}
	hint := "use TLS (--ssl" + strings.TrimPrefix(a.Label, "host") + "), or add --notls" + strings.TrimPrefix(a.Label, "host") + " to send the password in clear"
	return Plain, exitcode.WithHint(exitcode.TLS, fmt.Errorf("%s offers no STARTTLS", who), hint)
}

func (a *Account) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{ServerName: a.Host, InsecureSkipVerify: a.Insecure, MinVersion: tls.VersionTLS12}
	a.tlsVersions(cfg)
	if a.CAFile != "" {
		pem, err := os.ReadFile(a.CAFile)
		if err != nil {
			return nil, exitcode.New(exitcode.NoInput, fmt.Errorf("%s: %w", a.flag("ca-file"), err))
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, exitcode.Newf(exitcode.NoInput, "%s %s: no PEM certificate in it", a.flag("ca-file"), a.CAFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

func (a *Account) name() string {
	if a.Label != "" {
		return a.Label + " " + a.Addr()
	}
	return a.Addr()
}

func (a *Account) connError(err error) error {
	return exitcode.WithHint(exitcode.Connection,
		fmt.Errorf("cannot connect to %s: %w", a.name(), err),
		"check the host and port, and that the server is running")
}

// tlsError names the certificate problem, the thing a user must fix.
func (a *Account) tlsError(err error) error {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
	)
	what := err.Error()
	switch {
	case errors.As(err, &unknown):
		what = "certificate signed by an unknown authority (self-signed?)"
	case errors.As(err, &hostname):
		what = "certificate is not valid for " + a.Host + ": " + hostname.Error()
	case errors.As(err, &invalid):
		what = "invalid certificate: " + invalid.Error()
	case errors.As(err, &verify):
		what = "certificate verification failed: " + verify.Err.Error()
	}
	var netErr net.Error
	if !strings.Contains(what, "certificate") && errors.As(err, &netErr) {
		return a.connError(err)
	}
	return exitcode.WithHint(exitcode.TLS,
		fmt.Errorf("TLS with %s failed: %s", a.name(), what),
		"use "+a.flag("ca-file")+" FILE to trust the server's CA, or "+a.flag("insecure")+" to skip verification (tests only)")
}

func (a *Account) login(c *imapclient.Client) error {
	mech := strings.ToLower(a.AuthMech)
	if mech == "" {
		switch {
		case a.OAuthTokenFile != "" || a.OAuthToken != "" || a.OAuthDirect != "" || a.OAuthTokenCmd != nil:
			mech = "xoauth2"
		case a.AuthUser != "":
			mech = "plain"
		case c.Caps().Has(imap.CapLoginDisabled):
			mech = "plain"
		default:
			mech = "login"
		}
	}
	var err error
	switch mech {
	case "login":
		err = c.Login(a.loginUser(), a.Password).Wait()
	case "plain":
		if a.AuthUser != "" {
			err = c.Authenticate(a.saslClient(sasl.NewPlainClient(a.User, a.AuthUser, a.Password)))
		} else {
			err = c.Authenticate(a.saslClient(sasl.NewPlainClient("", a.loginUser(), a.Password)))
		}
	case "cram-md5":
		err = c.Authenticate(a.saslClient(newCRAMMD5Client(a.loginUser(), a.Password)))
	case "xoauth2", "oauthbearer":
		client, rerr := a.oauthClient(mech)
		if rerr != nil {
			return rerr
		}
		err = c.Authenticate(a.saslClient(client))
	default:
		return exitcode.Newf(exitcode.Usage, "unknown authentication mechanism %q (login, plain, cram-md5, xoauth2, oauthbearer)", a.AuthMech)
	}
	if err == nil {
		return nil
	}
	var imapErr *imap.Error
	if errors.As(err, &imapErr) && refusedForNow(imapErr) {
		return &busyError{exitcode.WithHint(exitcode.Connection,
			fmt.Errorf("%s refuses the login for now: %s", a.name(), mask(cleanText(imapErr.Text), a.secrets())),
			"the server limits connections per user: wait for other clients (or a killed run's connections) to go, or lower --connections")}
	}
	if errors.As(err, &imapErr) {
		// Never echo the server's text blindly: some servers repeat the
		// credentials they were given.
		return exitcode.WithHint(exitcode.Auth,
			fmt.Errorf("authentication as %q on %s failed (%s): %s", a.User, a.name(), strings.ToUpper(mech), mask(cleanText(imapErr.Text), a.secrets())),
			"check the user name and password (or token)")
	}
	return a.connError(fmt.Errorf("during login: %s", mask(err.Error(), a.secrets())))
}

func (a *Account) readToken() (string, error) {
	if a.OAuthTokenCmd != nil {
		return a.OAuthTokenCmd.Token(a.flag("oauthtokencmd"))
	}
	if a.OAuthToken != "" {
		return a.OAuthToken, nil
	}
	b, err := os.ReadFile(a.OAuthTokenFile)
	if err != nil {
		return "", exitcode.New(exitcode.NoInput, fmt.Errorf("%s: %w", a.flag("oauth-token"), err))
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", exitcode.Newf(exitcode.NoInput, "%s %s: file is empty", a.flag("oauth-token"), a.OAuthTokenFile)
	}
	return tok, nil
}

func (a *Account) secrets() []string {
	var s []string
	if a.Password != "" {
		s = append(s, a.Password)
	}
	if a.OAuthDirect != "" {
		if d, err := a.readDirect(); err == nil {
			s = append(s, d)
		}
	}
	if a.OAuthTokenCmd != nil {
		if tok := a.OAuthTokenCmd.Last(); tok != "" {
			s = append(s, tok)
		}
	} else if a.OAuthTokenFile != "" || a.OAuthToken != "" {
		if tok, err := a.readToken(); err == nil {
			s = append(s, tok)
		}
	}
	return s
}

func mask(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 1 {
			s = strings.ReplaceAll(s, sec, "MASKED")
		}
	}
	return s
}

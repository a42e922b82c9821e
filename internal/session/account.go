// Package session owns how an IMAP account is named, dialed and logged in,
// and the one rule for a connection that drops (retry.go): what a lost
// connection is, the back-off, and the per-folder retry every stage uses.
// Stages ask it for a logged-in connection and never parse connection flags
// themselves.
package session

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/imapx/imapx/internal/exitcode"
)

// Security is how a connection is protected.
type Security int

const (
	// ImplicitTLS is TLS from the first byte (imaps://, port 993).
	ImplicitTLS Security = iota
	// StartTLS upgrades a plain connection and refuses to go on without it.
	StartTLS
	// Plain is no encryption at all (imap://…?tls=none).
	Plain
	// Opportunistic uses STARTTLS when the server offers it, plain
	// otherwise: imapsync's default for --host1 without --ssl1/--tls1.
	Opportunistic
)

func (s Security) String() string {
	return [...]string{"tls", "starttls", "none", "starttls-if-offered"}[s]
}

// Account is everything needed to log in to one mailbox.
type Account struct {
	Host     string
	Port     int
	User     string
	Security Security

	Password string // resolved by ResolvePassword; never printed
	// AuthUser is an admin user that authenticates on User's behalf
	// (AUTHENTICATE PLAIN authzid), like imapsync's --authuser.
	AuthUser string
	// AuthMech forces a mechanism: "login", "plain", "xoauth2", "oauthbearer";
	// empty means LOGIN, or PLAIN when AuthUser is set or the server
	// disables LOGIN, or XOAUTH2 when OAuthTokenFile is set.
	AuthMech string
	// OAuthTokenFile holds an OAuth2 access token; it is re-read at every
	// connection so that an external refresher can keep it current.
	OAuthTokenFile string
	// OAuthTokenCmd, when set, gives the OAuth2 access token instead:
	// its command runs at every connection (--oauthtokencmd1).
	OAuthTokenCmd *TokenCmd

	Insecure bool   // skip certificate verification
	CAFile   string // extra CA certificates (PEM)
	// Timeout bounds connecting and logging in (DefaultTimeout if zero).
	Timeout time.Duration
	// ResponseTimeout closes a connection on which a command waits this
	// long without a byte moving either way (imapsync's --timeout1/2);
	// stages then re-dial and resume. Zero: no limit.
	ResponseTimeout time.Duration

	// OAuthToken is an OAuth2 access token given as is (imapsync's
	// --oauthaccesstoken1 takes the token or a file holding it).
	OAuthToken string
	// OAuthDirect is the whole XOAUTH2 string, sent as is
	// (--oauthdirect1), or a file holding it.
	OAuthDirect string
	// ProxyAuth logs in as AuthUser acting for User in the master-user
	// form User*AuthUser (Dovecot's; --proxyauth1).
	ProxyAuth bool
	// NoKeepAlive turns TCP keepalive off (--nokeepalive1).
	NoKeepAlive bool
	// MinTLS and MaxTLS bound the TLS version (tls.VersionTLS12…; 0:
	// Go's defaults), from --sslargs1 SSL_version.
	MinTLS, MaxTLS uint16
	// Debug receives the IMAP dialogue, secrets masked (--debugimap1).
	Debug        io.Writer
	debugSecrets secretList

	// Label names the account in messages ("host1", "host2" or "").
	Label string
	// Alerts, if set, shows the server's [ALERT] texts (one per run).
	Alerts *Alerts

	// probing guards Security while an Opportunistic account learns
	// whether STARTTLS is offered: parallel workers dial at once.
	probing sync.Mutex
}

// Addr is host:port.
func (a *Account) Addr() string {
	return net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
}

// String is the account's URL without any secret.
func (a *Account) String() string {
	scheme := "imaps"
	if a.Security != ImplicitTLS {
		scheme = "imap"
	}
	u := url.URL{Scheme: scheme, User: url.User(a.User), Host: a.Addr()}
	if a.Security == Plain {
		u.RawQuery = "tls=none"
	}
	return u.String()
}

// ParseURL parses imaps://user@host[:port] or imap://user@host[:port][?tls=none].
// A password in the URL is refused: it would show in `ps` and shell history.
func ParseURL(s string) (*Account, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "imap" && u.Scheme != "imaps") {
		return nil, exitcode.WithHint(exitcode.Usage,
			fmt.Errorf("account %q: not an account URL", redactURL(s)),
			"write accounts as imaps://user@host[:port] or imap://user@host[:port][?tls=none]; percent-encode '@' in user names as %40")
	}
	a := &Account{Host: u.Hostname(), Security: ImplicitTLS, Port: 993}
	if u.Scheme == "imap" {
		a.Security, a.Port = StartTLS, 143
	}
	if u.User != nil {
		a.User = u.User.Username()
		if _, set := u.User.Password(); set {
			return nil, exitcode.WithHint(exitcode.Usage,
				fmt.Errorf("account %q: a password in the URL is not accepted", redactURL(s)),
				"use --passfile, the IMAPX_PASSWORD environment variable or the prompt")
		}
	}
	if a.User == "" {
		return nil, exitcode.Newf(exitcode.Usage, "account %q: no user name (imaps://USER@host)", s)
	}
	if (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return nil, exitcode.WithHint(exitcode.Usage,
			fmt.Errorf("account %q: a folder or path in the URL is not supported", redactURL(s)),
			"write the account as imaps://user@host[:port] and name folders with the command's folder arguments or --folder")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return nil, exitcode.Newf(exitcode.Usage, "account %q: bad port %q", s, p)
		}
		a.Port = n
	}
	for k, v := range u.Query() {
		switch {
		case k == "tls" && len(v) == 1 && v[0] == "none" && a.Security == StartTLS:
			a.Security = Plain
		case k == "tls" && len(v) == 1 && v[0] == "starttls" && a.Security == StartTLS:
		default:
			return nil, exitcode.Newf(exitcode.Usage, "account %q: unknown option %s=%s (only imap://…?tls=none)", s, k, strings.Join(v, ","))
		}
	}
	return a, nil
}

// redactURL masks a password written into a URL so that no error repeats it.
func redactURL(s string) string {
	return userinfoPassword.ReplaceAllString(s, "://${1}:MASKED@")
}

var userinfoPassword = regexp.MustCompile(`://([^/@:]*):([^/]*)@`)

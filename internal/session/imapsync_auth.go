package session

import (
	"crypto/tls"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/imapx/imapx/internal/exitcode"
)

// The account settings of imapsync's authentication and connection
// options (--proxyauth1, --oauthdirect1, --nokeepalive1, --sslargs1).

// loginUser is the name LOGIN (and the SASL mechanisms without an
// authorization identity) present: with ProxyAuth, Dovecot's master-user
// form user*admin, the admin's password proving it may act as user.
func (a *Account) loginUser() string {
	if a.ProxyAuth && a.AuthUser != "" {
		return a.User + "*" + a.AuthUser
	}
	return a.User
}

// oauthClient is the XOAUTH2 or OAUTHBEARER client: the direct string as
// is, or one built from the user and the token.
func (a *Account) oauthClient(mech string) (sasl.Client, error) {
	if a.OAuthDirect != "" {
		d, err := a.readDirect()
		if err != nil {
			return nil, err
		}
		return directClient(d), nil
	}
	token, err := a.readToken()
	if err != nil {
		return nil, err
	}
	return newOAuthClient(mech, a.User, token, a.Host, a.Port), nil
}

// readDirect is OAuthDirect, or the first line of the file it names
// (re-read at each connection, as a token file).
func (a *Account) readDirect() (string, error) {
	if fi, err := os.Stat(a.OAuthDirect); err != nil || !fi.Mode().IsRegular() {
		return a.OAuthDirect, nil
	}
	b, err := os.ReadFile(a.OAuthDirect)
	if err != nil {
		return "", exitcode.New(exitcode.NoInput, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}

// directClient sends imapsync's --oauthdirect string as XOAUTH2's
// initial response, and answers an error challenge empty so the server
// ends with NO.
type directClient string

func (d directClient) Start() (string, []byte, error) { return "XOAUTH2", []byte(d), nil }
func (d directClient) Next([]byte) ([]byte, error)    { return []byte{}, nil }

// keepAlive is the TCP keepalive period (negative: off).
func (a *Account) keepAlive() time.Duration {
	if a.NoKeepAlive {
		return -1
	}
	return 30 * time.Second
}

// tlsVersions applies MinTLS/MaxTLS.
func (a *Account) tlsVersions(cfg *tls.Config) {
	if a.MinTLS != 0 {
		cfg.MinVersion = a.MinTLS
	}
	if a.MaxTLS != 0 {
		cfg.MaxVersion = a.MaxTLS
	}
}

// flag is the option the user gave for name: sync's accounts have
// imapsync's numbered ones (--passfile1, --oauthaccesstoken2), so that an
// error's hint names the option actually used.
func (a *Account) flag(name string) string {
	n := strings.TrimPrefix(a.Label, "host")
	if n == "" {
		return "--" + name
	}
	if name == "oauth-token" {
		name = "oauthaccesstoken"
	}
	return "--" + name + n
}

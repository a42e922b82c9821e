package command

import (
	"crypto/tls"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/session"
)

// imapsync's options about the two accounts: servers, TLS, authentication,
// connections.
func init() {
	for _, n := range []string{"1", "2"} {
		h, cat := "host"+n, "Host"+n
		registerImapsync(
			imapsyncOption{name: "host" + n, status: implemented, says: h + "'s server (or an URL argument)"},
			imapsyncOption{name: "port" + n, status: implemented, says: "143, or 993 with --ssl" + n},
			imapsyncOption{name: "user" + n, status: implemented, says: "login user"},
			imapsyncOption{name: "password" + n, status: implemented, says: "also IMAPX_PASSWORD" + n + " or IMAPSYNC_PASSWORD" + n},
			imapsyncOption{name: "passfile" + n, status: implemented, says: "first line of the file"},
			imapsyncOption{name: "ssl" + n, status: implemented, says: "implicit TLS"},
			imapsyncOption{name: "nossl" + n, status: implemented, says: "no implicit TLS"},
			imapsyncOption{name: "tls" + n, status: implemented, says: "STARTTLS, required"},
			imapsyncOption{name: "notls" + n, status: implemented, says: "no STARTTLS: the password goes in clear (without it, a server offering no STARTTLS is refused)"},
			imapsyncOption{name: "authuser" + n, status: implemented, says: "admin user authenticating for --user" + n + " (AUTHENTICATE PLAIN with an authorization identity)"},
			imapsyncOption{name: "authmech" + n, status: implemented, says: "LOGIN, PLAIN, CRAM-MD5, XOAUTH2, OAUTHBEARER"},
			imapsyncOption{name: "authmd5" + n, status: implemented, says: "= --authmech" + n + " CRAM-MD5", flag: &cli.BoolFlag{Name: "authmd5" + n, Category: cat, Usage: "authenticate with CRAM-MD5"}},
			imapsyncOption{name: "proxyauth" + n, status: equivalent, says: "the admin --authuser" + n + " (with its password) acts for --user" + n + " by logging in as user*admin, Dovecot's master-user form; imapsync's PROXYAUTH command (Sun/iPlanet) is not sent", flag: &cli.BoolFlag{Name: "proxyauth" + n, Category: cat, Usage: "log in as --authuser" + n + " then act as --user" + n + " (PROXYAUTH, or Dovecot's user*master)"}},
			mootV("domain"+n, "the NTLM domain: imapx has no NTLM (LOGIN, PLAIN, CRAM-MD5, XOAUTH2, OAUTHBEARER), so the domain goes nowhere"),
			imapsyncOption{name: "oauthaccesstoken" + n, status: implemented, says: "the token, or a file holding it (re-read at every connection); XOAUTH2 unless --authmech" + n},
			imapsyncOption{name: "oauthdirect" + n, status: implemented, says: "the XOAUTH2 string itself, or a file holding it, sent as is", flag: &cli.StringFlag{Name: "oauthdirect" + n, Category: cat, Usage: "the XOAUTH2 `STRING` (or a file holding it), sent as is"}},
			imapsyncOption{name: "sslargs" + n, status: implemented, says: "SSL_verify_mode=0 (= --insecure" + n + ") or 1, SSL_version=TLSv1_2/TLSv1_3 (minimum; SSLv3, TLSv1, TLSv1_1 are refused by Go), SSL_ca_file=FILE, SSL_cipher_list accepted and ignored", flag: &cli.StringSliceFlag{Name: "sslargs" + n, Category: cat, Usage: "`KEY=VALUE`: SSL_verify_mode=0|1, SSL_version=TLSv1_2|TLSv1_3, SSL_ca_file=FILE (repeatable)"}},
			imapsyncOption{name: "timeout" + n, status: implemented, says: "seconds with no byte moving before the connection is re-dialled; 0: none"},
			imapsyncOption{name: "keepalive" + n, status: implemented, says: "TCP keepalive (the default, as imapsync since 2.169)", flag: &cli.BoolFlag{Name: "keepalive" + n, Category: cat, Usage: "TCP keepalive (the default)"}},
			imapsyncOption{name: "nokeepalive" + n, status: implemented, says: "no TCP keepalive", flag: &cli.BoolFlag{Name: "nokeepalive" + n, Category: cat, Usage: "no TCP keepalive"}},
			imapsyncOption{name: "debugimap" + n, status: implemented, says: h + "'s IMAP dialogue on stderr, passwords and tokens masked", flag: &cli.BoolFlag{Name: "debugimap" + n, Category: cat, Usage: "print the IMAP dialogue on stderr (passwords masked)"}},
			moot1("domino"+n, "imapsync's workarounds for Domino: imapx needs none of them"),
			moot1("emailreport"+n, "imapx puts no report in a mailbox: see --report FILE (JSON)"),
			moot1("noemailreport"+n, "imapx puts no report in a mailbox (the default)"),
		)
	}
	registerImapsync(
		imapsyncOption{name: "debugimap", status: implemented, says: "both hosts' IMAP dialogue on stderr, passwords and tokens masked",
			flag: &cli.BoolFlag{Name: "debugimap", Usage: "print both hosts' IMAP dialogue on stderr (passwords masked)"}},
		moot1("showpasswords", "imapx never shows a password (--debugimap masks them)"),
		mootV("debugssl", "imapx names the TLS failure in its error (certificate, host name, version); --debugimap shows the dialogue"),
		moot1("noid", "imapx sends no ID command"),
	)
}

// imapsyncAuth applies imapsync's authentication and connection options
// of host N to its account.
func (g accountFlags) imapsyncAuth(s *streams, c *cli.Context, a *session.Account) error {
	n := g.n
	if c.Bool("authmd5"+n) && a.AuthMech == "" {
		a.AuthMech = "cram-md5"
	}
	if c.Bool("proxyauth" + n) {
		if a.AuthUser == "" {
			return usagef(c, "--proxyauth%s needs --authuser%s: the admin who acts for --user%s", n, n, n)
		}
		a.ProxyAuth = true
		if a.AuthMech == "" {
			a.AuthMech = "login"
		}
	}
	// imapsync takes the token itself or a file holding it.
	if tok := c.String("oauthaccesstoken" + n); tok != "" {
		if fi, err := os.Stat(tok); err == nil && fi.Mode().IsRegular() {
			a.OAuthTokenFile = tok
		} else {
			a.OAuthTokenFile, a.OAuthToken = "", tok
		}
	}
	a.OAuthDirect = c.String("oauthdirect" + n)
	if cmd := c.String("oauthtokencmd" + n); cmd != "" {
		a.OAuthTokenCmd = session.NewTokenCmd(cmd)
	}
	a.NoKeepAlive = c.Bool("nokeepalive" + n)
	if c.Bool("debugimap") || c.Bool("debugimap"+n) {
		a.Debug = s.stderr
	}
	for _, arg := range c.StringSlice("sslargs" + n) {
		if err := sslArg(s, c, n, a, arg); err != nil {
			return err
		}
	}
	return nil
}

// tlsVersions are IO::Socket::SSL's SSL_version names Go can speak.
var tlsVersions = map[string]uint16{
	"tlsv1": tls.VersionTLS10, "tlsv1_1": tls.VersionTLS11, "tlsv1_2": tls.VersionTLS12, "tlsv1_3": tls.VersionTLS13,
}

// sslArg maps one of imapsync's --sslargsN KEY=VALUE (IO::Socket::SSL's
// parameters) to the account: the common ones do what they do in Perl,
// the others are accepted with a note.
func sslArg(s *streams, c *cli.Context, n string, a *session.Account, arg string) error {
	key, value, ok := strings.Cut(arg, "=")
	if !ok {
		return usagef(c, "--sslargs%s %q: want KEY=VALUE, e.g. SSL_verify_mode=0", n, arg)
	}
	switch key {
	case "SSL_verify_mode":
		switch value {
		case "0", "SSL_VERIFY_NONE":
			a.Insecure = true
		case "1", "SSL_VERIFY_PEER":
			a.Insecure = false
		default:
			return usagef(c, "--sslargs%s %s: SSL_verify_mode is 0 (no verification) or 1 (verify)", n, arg)
		}
	case "SSL_version":
		v := strings.ToLower(strings.NewReplacer(".", "_", "tlsv12", "tlsv1_2", "tlsv13", "tlsv1_3", "tlsv11", "tlsv1_1").Replace(value))
		switch {
		case v == "sslv23" || v == "tls" || v == "":
			// any version: Go's default range
		case tlsVersions[v] != 0:
			a.MinTLS, a.MaxTLS = tlsVersions[v], tlsVersions[v]
		default:
			return usagef(c, "--sslargs%s %s: imapx speaks TLSv1, TLSv1_1, TLSv1_2, TLSv1_3 (or SSLv23: any); not SSLv2/SSLv3 nor %q", n, arg, value)
		}
	case "SSL_ca_file":
		a.CAFile = value
	default:
		fmt.Fprintf(s.stderr, "imapx: note: --sslargs%s %s: not used by imapx (it maps SSL_verify_mode, SSL_version, SSL_ca_file)\n", n, key)
	}
	return nil
}

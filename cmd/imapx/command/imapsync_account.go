package command

import "github.com/urfave/cli/v2"

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
			imapsyncOption{name: "proxyauth" + n, status: implemented, says: "log in as --authuser" + n + ", then PROXYAUTH --user" + n + "; on a server without PROXYAUTH (Dovecot), LOGIN user*authuser (master user)", flag: &cli.BoolFlag{Name: "proxyauth" + n, Category: cat, Usage: "log in as --authuser" + n + " then act as --user" + n + " (PROXYAUTH, or Dovecot's user*master)"}},
			mootV("domain"+n, "the NTLM domain: imapx has no NTLM (LOGIN, PLAIN, CRAM-MD5, XOAUTH2, OAUTHBEARER), so the domain goes nowhere"),
			imapsyncOption{name: "oauthaccesstoken" + n, status: implemented, says: "the token, or a file holding it (re-read at every connection); XOAUTH2 unless --authmech" + n},
			imapsyncOption{name: "oauthdirect" + n, status: implemented, says: "the XOAUTH2 string itself, or a file holding it, sent as is", flag: &cli.StringFlag{Name: "oauthdirect" + n, Category: cat, Usage: "the XOAUTH2 `STRING` (or a file holding it), sent as is"}},
			imapsyncOption{name: "sslargs" + n, status: implemented, says: "SSL_verify_mode=0 (= --insecure" + n + ") or 1, SSL_version=TLSv1_2/TLSv1_3 (minimum; SSLv3, TLSv1, TLSv1_1 are refused by Go), SSL_ca_file=FILE, SSL_cipher_list accepted and ignored", flag: &cli.StringSliceFlag{Name: "sslargs" + n, Category: cat, Usage: "`KEY=VALUE`: SSL_verify_mode=0|1, SSL_version=TLSv1_2|TLSv1_3, SSL_ca_file=FILE (repeatable)"}},
			imapsyncOption{name: "timeout" + n, status: implemented, says: "seconds with no byte moving before the connection is re-dialled; 0: none"},
			imapsyncOption{name: "keepalive" + n, status: implemented, says: "TCP keepalive (the default, as imapsync since 2.169)", flag: &cli.BoolFlag{Name: "keepalive" + n, Category: cat, Usage: "TCP keepalive (the default)"}},
			imapsyncOption{name: "nokeepalive" + n, status: implemented, says: "no TCP keepalive", flag: &cli.BoolFlag{Name: "nokeepalive" + n, Category: cat, Usage: "no TCP keepalive"}},
			imapsyncOption{name: "debugimap" + n, status: implemented, says: h + "'s IMAP dialogue on stderr, passwords and tokens masked", flag: &cli.BoolFlag{Name: "debugimap" + n, Category: cat, Usage: "print the IMAP dialogue on stderr (passwords masked)"}},
			imapsyncOption{name: "gmail" + n, status: equivalent, says: "--host" + n + " imap.gmail.com --ssl" + n + " (imapsync's Gmail tuning of folders and rates is left to the other options)",
				flag: &cli.BoolFlag{Name: "gmail" + n, Category: cat, Usage: "--host" + n + " imap.gmail.com --ssl" + n}},
			imapsyncOption{name: "office" + n, status: equivalent, says: "--host" + n + " outlook.office365.com --ssl" + n + " (imapsync's Office 365 tuning is left to the other options)",
				flag: &cli.BoolFlag{Name: "office" + n, Category: cat, Usage: "--host" + n + " outlook.office365.com --ssl" + n}},
			moot1("exchange"+n, "imapsync's workarounds for Exchange: imapx needs none of them"),
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

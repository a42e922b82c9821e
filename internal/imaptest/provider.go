package imaptest

// Emulated providers: Gmail and Exchange / Office 365, in process, on
// 127.0.0.1, built on go-imap's imapserver (with the X-GM items of
// third_party/go-imap's gmail.patch) over a store of their own, so that
// imapx's --gmail1/2, --office1/2, --exchange1/2, --synclabels,
// --skipcrossduplicates, throttling back-off and XOAUTH2 refresh are tested
// against servers that behave as those do. Each behaviour and its source:
//
// Gmail (Kind "gmail"):
//   - Labels are folders: a message with two labels shows in both folders
//     and once in "[Gmail]/All Mail", which holds every message not in
//     Spam or Trash; flags are the message's, the same in every folder.
//     Source: Gmail's IMAP documentation ("Gmail treats labels as folders
//     for IMAP", https://support.google.com/mail/answer/78892) and
//     imapsync's FAQ.d/FAQ.Gmail.txt (a message labelled Work, ProjectX,
//     Urgent ends up in three folders; --skipcrossduplicates).
//   - System folders under a \Noselect "[Gmail]" with RFC 6154 attributes:
//     All Mail \All, Drafts \Drafts, Sent Mail \Sent, Spam \Junk,
//     Starred \Flagged, Trash \Trash, Important \Important. Source:
//     FAQ.Gmail.txt ("What are the Gmail imap names of the folders",
//     the --automap listing) and imapsync's --gmail1 `--exclude
//     '\[Gmail\]$'`.
//   - Starred is the \Flagged flag: flagging a message puts it there,
//     unflagging takes it out, an APPEND into Starred flags it. Source:
//     Gmail's IMAP extensions page (\Starred label), FAQ.Gmail.txt
//     (Starred = \Flagged).
//   - CAPABILITY X-GM-EXT-1; FETCH X-GM-LABELS (system labels \Inbox,
//     \Sent, \Draft, \Starred, \Important; others by name), X-GM-MSGID,
//     X-GM-THRID; STORE [+-]X-GM-LABELS adds or removes labels, creating
//     a label that does not exist. Source:
//     https://developers.google.com/gmail/imap/imap-extensions.
//   - APPEND of a message whose Message-ID the account already holds
//     stores no second message: it adds the folder's label to the one
//     there (APPENDUID names it). Source: FAQ.Gmail.txt ("Gmail always
//     accept a global duplicate message … and throw it away because it
//     already has it"; here the APPENDUID is the kept message's, not a
//     throw-away UID).
//   - EXPUNGE in a label folder removes the label only; in All Mail the
//     message goes to Trash; in Trash it is deleted. Source:
//     FAQ.Gmail.txt ("Gmail does not really delete messages in folder
//     [Gmail]/All Mail"), Gmail's IMAP settings (auto-expunge,
//     "move the message to the Trash").
//   - CREATE under "[Gmail]" is refused (NO [CANNOT]); a name with a
//     blank at the start or end of a level is refused with "NO [CANNOT]
//     Folder contains excess whitespace (Failure)". Source: FAQ.Gmail.txt
//     (the excess whitespace error behind --gmail2's regextrans2).
//   - APPENDLIMIT=35651584 (Gmail's CAPABILITY answer); wrong credentials:
//     "NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)".
//
// Exchange / Office 365 (Kind "exchange"):
//   - Localized special folders, named by the mailbox's language and
//     listed without special-use attributes (Exchange 2010/2013 gives none;
//     imapsync's --automap pairs them by name): en "Sent Items", "Deleted
//     Items", "Drafts", "Junk Email", "Archive"; de "Gesendete Elemente",
//     "Gelöschte Elemente", "Entwürfe", "Junk-E-Mail", "Archiv"; fr
//     "Éléments envoyés", "Éléments supprimés", "Brouillons", "Courrier
//     indésirable", "Archive". Non-mail folders "Calendar", "Contacts"
//     (localized too) are listed, empty. Source: imapsync's README
//     (--automap's list) and FAQ.d/FAQ.Exchange.txt.
//   - "Files" cannot be created: "NO Folder name is reserved". Source:
//     FAQ.d/FAQ.Office365.txt (and --office2's --f1f2 Files=…).
//   - A message over MaxMessageSize (Exchange's default 10 MB; Office 365
//     35 MB to 150 MB) is refused: "NO Maximum size of appendable message
//     has been exceeded". Source: FAQ.Exchange.txt, FAQ.Office365.txt.
//   - A message with a line longer than MaxLineLength (9900 characters)
//     is refused: "BAD Command Argument Error. 11". Source:
//     FAQ.Exchange.txt ("Exchange supports 9900 characters line length",
//     the error "BAD Command Argument Error 11").
//   - Throttling (option ThrottleEvery N, any Kind): every Nth command
//     of a connection after login is refused, in turn with Office 365's "BAD Request is
//     throttled. Suggested Backoff Time: D milliseconds", "NO Server
//     Unavailable. 15" and "* BYE Connection closed. 14" (the connection
//     closed). Source: FAQ.Exchange.txt and FAQ.Office365.txt (those
//     three answers, and "Exchange closes the connection after 10 errors").
//   - XOAUTH2 (option Tokens): AUTHENTICATE XOAUTH2 with a bearer token
//     the emulated identity provider issued; LOGIN with a password is
//     refused ("NO LOGIN failed.": Office 365 turned basic auth off); a
//     token lives TokenLifetime, a new one is written to TokenFile every
//     half lifetime (what a token command would fetch), and a connection
//     whose token expired gets "* BYE Session invalidated -
//     AccessTokenExpired" at its next command. Source: Microsoft's
//     "Authenticate an IMAP connection using OAuth" (SASL XOAUTH2, tokens
//     of one hour), imapsync's FAQ.d/FAQ.XOAUTH2.txt.

import (
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
)

// ProviderOptions configure an emulated provider.
type ProviderOptions struct {
	// Kind is "gmail" or "exchange".
	Kind string
	// Locale names Exchange's special folders: "en" (default), "de", "fr".
	Locale string
	Users  []MemUser
	// MaxMessageSize refuses larger APPENDs (Exchange; 0: 10 MB).
	MaxMessageSize int64
	// MaxLineLength refuses messages with a longer line (Exchange; 0: 9900).
	MaxLineLength int
	// ThrottleEvery refuses every Nth command of a connection after
	// login (0: never).
	ThrottleEvery int
	// ThrottleBackoff is the "Suggested Backoff Time" announced.
	ThrottleBackoff time.Duration
	// Tokens turns on XOAUTH2 and turns password logins off.
	Tokens bool
	// TokenLifetime is how long a token is valid (default one hour).
	TokenLifetime time.Duration
	// TokenFile receives each new token (0600), the first one at start.
	TokenFile string
}

// ProviderStats counts what the emulated provider did.
type ProviderStats struct {
	// Throttled counts the commands refused by ThrottleEvery.
	Throttled int
	// Appends counts APPEND commands; Stored the messages they created
	// (an APPEND of a message Gmail already holds creates none).
	Appends, Stored int
	// LabelStores counts STORE X-GM-LABELS commands.
	LabelStores int
	// Expired counts connections ended for an expired token.
	Expired int
	// Tokens counts tokens issued.
	Tokens int
}

// Provider is a running emulated provider.
type Provider struct {
	opts ProviderOptions
	srv  *imapserver.Server
	ln   net.Listener

	mu       sync.Mutex
	accounts map[string]*account
	stats    ProviderStats
	tokens   map[string]time.Time // token -> expiry
	stop     chan struct{}
}

// StartProvider starts an emulated provider on 127.0.0.1.
func StartProvider(opts ProviderOptions) (*Provider, error) {
	if opts.Kind != "gmail" && opts.Kind != "exchange" {
		return nil, fmt.Errorf("unknown provider kind %q", opts.Kind)
	}
	if opts.MaxMessageSize == 0 {
		opts.MaxMessageSize = 10 << 20
	}
	if opts.MaxLineLength == 0 {
		opts.MaxLineLength = 9900
	}
	if opts.TokenLifetime == 0 {
		opts.TokenLifetime = time.Hour
	}
	p := &Provider{opts: opts, accounts: map[string]*account{}, tokens: map[string]time.Time{}, stop: make(chan struct{})}
	for _, u := range opts.Users {
		a := newAccount(p, u.Name, u.Password)
		for _, f := range u.Folders {
			if _, err := a.create(f); err != nil {
				return nil, err
			}
		}
		for _, m := range u.Messages {
			folder := m.Folder
			if folder == "" {
				folder = "INBOX"
			}
			if a.folders[folder] == nil {
				if _, err := a.create(folder); err != nil {
					return nil, err
				}
			}
			flags := make([]imap.Flag, len(m.Flags))
			for i, f := range m.Flags {
				flags[i] = imap.Flag(f)
			}
			if _, err := a.append(folder, m.Raw, flags, m.Date); err != nil {
				return nil, fmt.Errorf("seed %q: %w", folder, err)
			}
		}
		p.accounts[u.Name] = a
	}
	p.stats = ProviderStats{}
	if opts.Tokens {
		if err := p.issue(); err != nil {
			return nil, err
		}
		go p.rotate()
	}
	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}, imap.CapNamespace: {}, imap.CapMove: {}}
	if opts.Kind == "gmail" {
		caps[imap.CapSpecialUse] = struct{}{}
		caps["X-GM-EXT-1"] = struct{}{}
	} else {
		caps[imap.CapLiteralPlus] = struct{}{}
	}
	p.srv = imapserver.New(&imapserver.Options{
		NewSession: func(conn *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			ps := &providerSession{p: p, conn: conn}
			if opts.Kind == "gmail" {
				return gmailSession{ps}, nil, nil
			}
			return ps, nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.ln = ln
	go p.srv.Serve(ln)
	return p, nil
}

// Addr is the server's 127.0.0.1:port.
func (p *Provider) Addr() string { return p.ln.Addr().String() }

// Close stops the server.
func (p *Provider) Close() error {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	return p.srv.Close()
}

// Stats returns the counts so far.
func (p *Provider) Stats() ProviderStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// issue makes a new token and writes it to TokenFile.
func (p *Provider) issue() error {
	p.mu.Lock()
	p.stats.Tokens++
	tok := fmt.Sprintf("ya29.emulated-%d-%d", p.stats.Tokens, time.Now().UnixNano())
	p.tokens[tok] = time.Now().Add(p.opts.TokenLifetime)
	p.mu.Unlock()
	if p.opts.TokenFile == "" {
		return nil
	}
	tmp := p.opts.TokenFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(tok+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p.opts.TokenFile)
}

// rotate issues a token every half lifetime, as an identity provider
// hands a fresh one to whoever asks.
func (p *Provider) rotate() {
	t := time.NewTicker(p.opts.TokenLifetime / 2)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.issue()
		}
	}
}

// Token returns a token valid now (the latest issued).
func (p *Provider) Token() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	best, exp := "", time.Time{}
	for t, e := range p.tokens {
		if e.After(exp) {
			best, exp = t, e
		}
	}
	return best
}

// Dial logs in to the provider as a test's independent reader: with a
// password, or with a valid token when the provider takes tokens only.
func (p *Provider) Dial(user, password string) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(p.Addr(), nil)
	if err != nil {
		return nil, err
	}
	if p.opts.Tokens {
		err = c.Authenticate(&xoauth2Client{user: user, token: p.Token()})
	} else {
		err = c.Login(user, password).Wait()
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

type xoauth2Client struct{ user, token string }

func (x *xoauth2Client) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + x.user + "\x01auth=Bearer " + x.token + "\x01\x01"), nil
}

func (x *xoauth2Client) Next([]byte) ([]byte, error) { return []byte{}, nil }

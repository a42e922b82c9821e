package imapclient_test

import (
	"bufio"
	"io"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// TestGmail_fetchAndStore checks the client against a server speaking as
// Gmail does: FETCH X-GM-LABELS (system labels, atoms, quoted, modified
// UTF-7 and literal labels), X-GM-MSGID and X-GM-THRID over 2^63, and the
// STORE X-GM-LABELS command line.
func TestGmail_fetchAndStore(t *testing.T) {
	client, server := net.Pipe()
	var (
		mu    sync.Mutex
		lines []string
	)
	go func() {
		defer server.Close()
		br := bufio.NewReader(server)
		io.WriteString(server, "* OK [CAPABILITY IMAP4rev1 X-GM-EXT-1] Gimap ready\r\n")
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			mu.Lock()
			lines = append(lines, line)
			mu.Unlock()
			tag, rest, _ := strings.Cut(line, " ")
			switch {
			case strings.HasPrefix(rest, "UID FETCH"):
				io.WriteString(server, `* 1 FETCH (UID 7 X-GM-MSGID 18446744073709551615 X-GM-THRID 1278455344230334865 `+
					`X-GM-LABELS (\Inbox \Sent "Caf&AOk-" Work "with space" {7}`+"\r\nlit(er)) FLAGS (\\Seen))\r\n"+tag+" OK Success\r\n")
			case strings.HasPrefix(rest, "UID STORE"):
				io.WriteString(server, tag+" OK Success\r\n")
			default:
				io.WriteString(server, tag+" BAD unexpected\r\n")
			}
		}
	}()
	c := imapclient.New(client, nil)
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.UIDSetNum(7), &imap.FetchOptions{GmailLabels: true, GmailMsgID: true, GmailThrID: true, Flags: true}).Collect()
	if err != nil {
		t.Fatalf("FETCH: %v", err)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if want := []string{`\Inbox`, `\Sent`, "Café", "Work", "with space", "lit(er)"}; !reflect.DeepEqual(m.GmailLabels, want) {
		t.Errorf("labels %q, want %q", m.GmailLabels, want)
	}
	if m.GmailMsgID != 18446744073709551615 || m.GmailThrID != 1278455344230334865 {
		t.Errorf("msgid %d thrid %d", m.GmailMsgID, m.GmailThrID)
	}
	if m.UID != 7 || len(m.Flags) != 1 {
		t.Errorf("uid %d flags %v", m.UID, m.Flags)
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, GmailLabels: true, Flags: []imap.Flag{`\Important`, "Café", "a b"}}
	if err := c.Store(imap.UIDSetNum(7), store, nil).Close(); err != nil {
		t.Fatalf("STORE: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	fetch, st := lines[0], lines[1]
	for _, item := range []string{"X-GM-LABELS", "X-GM-MSGID", "X-GM-THRID"} {
		if !strings.Contains(fetch, item) {
			t.Errorf("FETCH line %q lacks %s", fetch, item)
		}
	}
	if want := `UID STORE 7 +X-GM-LABELS.SILENT (\Important "Caf&AOk-" "a b")` + "\r\n"; !strings.HasSuffix(st, want) {
		t.Errorf("STORE line %q, want …%q", st, want)
	}
}

// gmailSession answers X-GM items from a fixed label set and records the
// labels STOREd, over imapmemserver's session for everything else.
type gmailSession struct {
	imapserver.Session
	mu     *sync.Mutex
	labels *[]string
}

func (s gmailSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	mw := w.CreateMessage(1)
	mw.WriteUID(1)
	s.mu.Lock()
	labels := append([]string(nil), *s.labels...)
	s.mu.Unlock()
	if options.GmailLabels {
		mw.WriteGmailLabels(labels)
	}
	if options.GmailMsgID {
		mw.WriteGmailMsgID(1 << 63)
	}
	if options.GmailThrID {
		mw.WriteGmailThrID(42)
	}
	return mw.Close()
}

func (s gmailSession) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, options *imap.StoreOptions) error {
	if !flags.GmailLabels {
		return s.Session.Store(w, numSet, flags, options)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range flags.Flags {
		*s.labels = append(*s.labels, string(f))
	}
	return nil
}

// TestGmail_server checks imapserver's side: the X-GM items reach the
// session and are written back, and STORE X-GM-LABELS passes its labels
// decoded, through a real client.
func TestGmail_server(t *testing.T) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("u", "p")
	user.Create("INBOX", nil)
	mem.AddUser(user)
	var mu sync.Mutex
	labels := []string{`\Inbox`, "Work"}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return gmailSession{Session: mem.NewSession(), mu: &mu, labels: &labels}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	c, err := imapclient.DialInsecure(ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("u", "p").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, GmailLabels: true, Flags: []imap.Flag{"Café", "two words", `\Starred`}}
	if err := c.Store(imap.UIDSetNum(1), store, nil).Close(); err != nil {
		t.Fatalf("STORE X-GM-LABELS: %v", err)
	}
	msgs, err := c.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{GmailLabels: true, GmailMsgID: true, GmailThrID: true}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("FETCH: %v (%d messages)", err, len(msgs))
	}
	if want := []string{`\Inbox`, "Work", "Café", "two words", `\Starred`}; !reflect.DeepEqual(msgs[0].GmailLabels, want) {
		t.Errorf("labels %q, want %q", msgs[0].GmailLabels, want)
	}
	if msgs[0].GmailMsgID != 1<<63 || msgs[0].GmailThrID != 42 {
		t.Errorf("msgid %d thrid %d", msgs[0].GmailMsgID, msgs[0].GmailThrID)
	}
}

package imaptest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func gmailMsg(i int) []byte {
	return []byte(fmt.Sprintf("Message-ID: <m%d@example.org>\r\nSubject: %d\r\n\r\nbody %d\r\n", i, i, i))
}

func login(t *testing.T, p *Provider) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(p.Addr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login("u", "p").Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGmailProvider checks the emulated Gmail's label model through IMAP:
// one message in two label folders is one message in All Mail with both
// labels; an APPEND of a message it holds adds a label; STORE
// X-GM-LABELS adds one; \Flagged is Starred; expunging in a label folder
// removes the label only.
func TestGmailProvider(t *testing.T) {
	now := time.Now()
	p, err := StartProvider(ProviderOptions{Kind: "gmail", Users: []MemUser{{Name: "u", Password: "p", Messages: []SeedMessage{
		{Folder: "INBOX", Raw: gmailMsg(1), Date: now}, {Folder: "Work", Raw: gmailMsg(1), Date: now},
		{Folder: "Work", Raw: gmailMsg(2), Date: now, Flags: []string{`\Flagged`}},
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := login(t, p)
	if !c.Caps().Has("X-GM-EXT-1") {
		t.Fatalf("caps %v lack X-GM-EXT-1", c.Caps())
	}
	count := func(folder string) uint32 {
		d, err := c.Select(folder, nil).Wait()
		if err != nil {
			t.Fatalf("select %s: %v", folder, err)
		}
		return d.NumMessages
	}
	labels := func(folder string) map[string]string {
		count(folder)
		msgs, err := c.Fetch(imap.SeqSetNum(1, 2, 3), &imap.FetchOptions{GmailLabels: true, GmailMsgID: true,
			BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Subject"}, Peek: true}}}).Collect()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, m := range msgs {
			subj := strings.TrimSpace(strings.TrimPrefix(string(m.BodySection[0].Bytes), "Subject:"))
			out[subj] = strings.Join(m.GmailLabels, ",")
		}
		return out
	}
	if n := count("[Gmail]/All Mail"); n != 2 {
		t.Errorf("All Mail holds %d, want 2", n)
	}
	if got := labels("[Gmail]/All Mail"); got["1"] != `Work,\Inbox` || got["2"] != `Work,\Starred` {
		t.Errorf("labels %q", got)
	}
	// An APPEND of message 2 into INBOX labels it; no new message.
	raw := gmailMsg(2)
	ap := c.Append("INBOX", int64(len(raw)), nil)
	ap.Write(raw)
	ap.Close()
	if _, err := ap.Wait(); err != nil {
		t.Fatal(err)
	}
	if n := count("[Gmail]/All Mail"); n != 2 {
		t.Errorf("All Mail holds %d after a duplicate APPEND, want 2", n)
	}
	count("INBOX")
	if err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, GmailLabels: true, Flags: []imap.Flag{"New Label"}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if got := labels("[Gmail]/All Mail"); got["1"] != `New Label,Work,\Inbox` {
		t.Errorf("after STORE: labels %q", got)
	}
	// Expunge message 1 from Work: the label goes, the message stays.
	count("Work")
	if err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	if n := count("[Gmail]/All Mail"); n != 2 {
		t.Errorf("All Mail holds %d after an expunge in Work, want 2", n)
	}
	if err := c.Create("[Gmail]/Mine", nil).Wait(); err == nil {
		t.Error("CREATE under [Gmail] accepted")
	}
	if err := c.Create("Trailing /x", nil).Wait(); err == nil || !strings.Contains(err.Error(), "excess whitespace") {
		t.Errorf("CREATE 'Trailing /x': %v", err)
	}
}

// TestExchangeProvider checks throttling, the size and line limits and
// the localized folders.
func TestExchangeProvider(t *testing.T) {
	p, err := StartProvider(ProviderOptions{Kind: "exchange", Locale: "de", ThrottleEvery: 4, MaxMessageSize: 100, MaxLineLength: 50,
		Users: []MemUser{{Name: "u", Password: "p"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := login(t, p)
	var errs []string
	for i := 0; i < 8; i++ {
		if _, err := c.Select("Gesendete Elemente", nil).Wait(); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) != 2 || !strings.Contains(errs[0], "Request is throttled") || !strings.Contains(errs[1], "Server Unavailable") {
		t.Errorf("throttles: %q", errs)
	}
	for _, raw := range []string{strings.Repeat("x", 101), strings.Repeat("y", 60) + "\r\n"} {
		ap := c.Append("INBOX", int64(len(raw)), nil)
		ap.Write([]byte(raw))
		ap.Close()
		if _, err := ap.Wait(); err == nil {
			t.Errorf("APPEND of %d bytes accepted", len(raw))
		}
	}
	if st := p.Stats(); st.Throttled != 2 && st.Throttled != 3 {
		t.Errorf("stats %+v", st)
	}
}

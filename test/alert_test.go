package test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
)

// TestCourierAlert: Courier-IMAP answers each APPEND of a message with
// 8-bit headers with `* OK [ALERT] Your IMAP client does not appear to
// correctly implement Unicode messages…`. RFC 3501 says the user must see
// it: once, then one count line, never a line per message.
func TestCourierAlert(t *testing.T) {
	s := startServers(t, "dovecot", "courier")
	now := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	var msgs []imaptest.SeedMessage
	for i := 0; i < 5; i++ {
		raw := fmt.Sprintf("From: Jürgen <j@example.org>\r\nTo: a@example.org\r\nSubject: Grüße %d\r\nMessage-ID: <alert-%d@example.org>\r\nDate: Mon, 4 Mar 2024 05:06:07 +0000\r\n\r\nHallo.\r\n", i, i)
		msgs = append(msgs, imaptest.SeedMessage{Raw: []byte(raw), Date: now})
	}
	src, dst := acct(s.dovecot, "src"), acct(s.courier, "dst")
	r, diff := syncCase(t, t.TempDir(), src, dst, msgs)
	t.Logf("stderr:\n%s", lastLines(r.stderr, 12))
	says := regexp.MustCompile(`(?m)^imapx: host2 says: (.*Unicode.*)$`).FindAllStringSubmatch(r.stderr, -1)
	if len(says) != 1 {
		t.Fatalf("want Courier's Unicode alert shown once, got %d times", len(says))
	}
	count := regexp.MustCompile(`(?m)^imapx: host2 said this ([0-9,]+) times: (.*)$`).FindStringSubmatch(r.stderr)
	if count == nil || count[2] != says[0][1] || count[1] != "5" {
		t.Errorf("want one line `host2 said this 5 times: %s`, got %q", says[0][1], count)
	}
	if n := strings.Count(r.stderr, "Unicode"); n != 2 {
		t.Errorf("the alert's text appears %d times on stderr, want 2", n)
	}
	if r.exit != 0 || diff != "" {
		t.Errorf("exit %d, diff:\n%s", r.exit, diff)
	}
}

package imaptest

import (
	"fmt"
	"strings"
	"time"
)

// SampleMail is a small deterministic corpus with the cases that break
// mail tools: duplicates, no Message-ID, 8-bit and bare-LF bodies, "From "
// lines, a 20,000-character line, flags and keywords, nested and non-ASCII
// folders. Dates are fixed offsets from now.
func SampleMail(now time.Time) []SeedMessage {
	now = now.UTC().Truncate(time.Second)
	var out []SeedMessage
	n := 0
	add := func(folder, raw string, flags ...string) {
		n++
		if flags == nil {
			flags = []string{}
		}
		out = append(out, SeedMessage{Folder: folder, Raw: []byte(raw), Flags: flags,
			Date: now.Add(-time.Duration(n) * 7 * time.Hour)})
	}
	msg := func(i int, subject, body string) string {
		return crlf(fmt.Sprintf("Received: from mx.example.org by imap.example.org; %s\n"+
			"From: Sender %d <sender%d@example.org>\nTo: alice@example.com\n"+
			"Subject: %s\nMessage-ID: <sample-%d@example.org>\n"+
			"Date: %s\n\n%s\n", now.Add(-time.Duration(i)*time.Hour).Format(time.RFC1123Z), i, i, subject, i,
			now.Add(-time.Duration(i)*time.Hour).Format(time.RFC1123Z), body))
	}
	for i := 1; i <= 12; i++ {
		flags := []string{}
		if i%2 == 0 {
			flags = append(flags, `\Seen`)
		}
		if i%5 == 0 {
			flags = append(flags, `\Flagged`)
		}
		add("INBOX", msg(i, fmt.Sprintf("Inbox message %d", i), "Hello, this is message "+fmt.Sprint(i)+"."), flags...)
	}
	dup := msg(100, "A message delivered twice", "Exact duplicate.")
	add("INBOX", dup, `\Seen`)
	add("INBOX", dup, `\Seen`)
	add("INBOX", msg(101, "Answered and forwarded", "Re: yes."), `\Seen`, `\Answered`, "$Forwarded", "project-x")
	add("INBOX", crlf("From: nobody@example.org\nSubject: No Message-ID here\n\nA message without Message-ID.\n"), `\Seen`)
	add("INBOX", msg(102, "8-bit body", "Gr\xfc\xdfe aus M\xfcnchen (latin-1 bytes, no MIME)."))
	add("INBOX", msg(103, "Bare LF", "This line ends in CRLF.")+"This one ends in a bare LF.\nThen CRLF again.\r\n")
	add("INBOX", msg(104, "From lines", "From the start of a line.\r\n>From a quoted line.\r\n>>From twice quoted."))
	add("INBOX", msg(105, "A long line", strings.Repeat("0123456789", 2000)))
	for i := 1; i <= 4; i++ {
		add("Sent", crlf(fmt.Sprintf("From: alice@example.com\nTo: friend%d@example.net\nSubject: Sent %d\nMessage-ID: <sent-%d@example.com>\n\nSent mail %d.\n", i, i, i, i)), `\Seen`)
	}
	add("Drafts", crlf("From: alice@example.com\nSubject: Unfinished draft\n\nNo Message-ID, no Received.\n"), `\Draft`)
	for i := 1; i <= 5; i++ {
		add("Archive/2023", msg(200+i, fmt.Sprintf("Archived 2023 #%d", i), "Old news."), `\Seen`)
		add("Archive/2024", msg(300+i, fmt.Sprintf("Archived 2024 #%d", i), "Less old news."), `\Seen`, "archived")
	}
	add("Entwürfe", msg(400, "Umlaut folder", "Ein Entwurf."), `\Draft`)
	add("a&b", msg(401, "Ampersand folder", "a&b is encoded &- in modified UTF-7."))
	add("with space", msg(402, "Folder with a space", "Spaces in names."), `\Seen`)
	return out
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// Many is n small distinct messages, half in INBOX and half in Archive/n.
func Many(n int, now time.Time) []SeedMessage {
	out := make([]SeedMessage, 0, n)
	for i := 0; i < n; i++ {
		folder := "INBOX"
		if i%2 == 1 {
			folder = fmt.Sprintf("Archive/%d", i%7)
		}
		flags := []string{}
		if i%3 == 0 {
			flags = append(flags, `\Seen`)
		}
		raw := crlf(fmt.Sprintf("Message-ID: <many-%d@example.org>\nSubject: many %d\nFrom: a@example.org\n\nBody %d.\n", i, i, i))
		out = append(out, SeedMessage{Folder: folder, Raw: []byte(raw), Flags: flags, Date: now.Add(-time.Duration(i) * time.Minute)})
	}
	return out
}

// Big is one message of size bytes (CRLF text lines), for memory tests.
func Big(size int, now time.Time) SeedMessage {
	head := crlf("Message-ID: <big@example.org>\nSubject: big\nFrom: a@example.org\n\n")
	line := strings.Repeat("x", 76) + "\r\n"
	var b strings.Builder
	b.Grow(size)
	b.WriteString(head)
	for b.Len()+len(line) <= size {
		b.WriteString(line)
	}
	b.WriteString(strings.Repeat("y", size-b.Len()))
	return SeedMessage{Raw: []byte(b.String()), Flags: []string{`\Seen`}, Date: now}
}

// Mixed is n messages of 1 KB to about 60 KB over three folders, with a
// duplicate every 25 messages and no Message-ID every 30: the shape of a
// real mailbox, small enough for tests.
func Mixed(n int, now time.Time) []SeedMessage {
	out := make([]SeedMessage, 0, n)
	line := strings.Repeat("abcdefghij", 7) + "\r\n"
	for i := 0; i < n; i++ {
		folders := []string{"INBOX", "Lists/go", "Lists/imap"}
		head := fmt.Sprintf("Message-ID: <mixed-%d@example.org>\r\n", i)
		if i%30 == 7 {
			head = ""
		}
		head += fmt.Sprintf("Subject: mixed %d\r\nFrom: list%d@example.org\r\n\r\n", i, i%5)
		size := 1000 + (i*7919)%60000
		var b strings.Builder
		b.WriteString(head)
		for b.Len() < size {
			b.WriteString(line)
		}
		flags := []string{}
		if i%2 == 0 {
			flags = append(flags, `\Seen`)
		}
		if i%11 == 0 {
			flags = append(flags, "label-"+fmt.Sprint(i%3))
		}
		m := SeedMessage{Folder: folders[i%3], Raw: []byte(b.String()), Flags: flags, Date: now.Add(-time.Duration(i) * time.Hour)}
		out = append(out, m)
		if i%25 == 3 {
			out = append(out, m)
		}
	}
	return out
}

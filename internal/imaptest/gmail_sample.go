package imaptest

import (
	"fmt"
	"time"
)

// gmailLabelled is one message of the Gmail-shaped sample and the
// folders (labels) it shows in besides All Mail.
type gmailLabelled struct {
	subject string
	folders []string
	flags   []string
}

var gmailCorpus = []gmailLabelled{
	{"Labelled Inbox and Work", []string{"INBOX", "Work"}, []string{`\Seen`}},
	{"Inbox only", []string{"INBOX"}, nil},
	{"Work and Projects/X", []string{"Work", "Projects/X"}, []string{`\Seen`, `\Answered`}},
	{"Sent by me", []string{"[Gmail]/Sent Mail"}, []string{`\Seen`}},
	{"Archived, no label", nil, []string{`\Seen`}},
	{"Starred in Inbox", []string{"INBOX", "[Gmail]/Starred"}, []string{`\Flagged`}},
}

func gmailRaw(i int, subject string, now time.Time) []byte {
	d := now.Add(-time.Duration(i) * 24 * time.Hour)
	return []byte(crlf(fmt.Sprintf("Received: from mx.example.org by mx.google.com; %s\n"+
		"X-Gmail-Received: %x\nFrom: Sender %d <s%d@example.org>\nTo: me@gmail.com\nSubject: %s\n"+
		"Message-ID: <gmail-sample-%d@example.org>\nDate: %s\n\nBody of %q.\n",
		d.Format(time.RFC1123Z), 1000+i, i, i, subject, i, d.Format(time.RFC1123Z), subject)))
}

// GmailSample is a Gmail-shaped account for an emulated Gmail: six
// messages, four of them with one or two labels (INBOX, Work,
// Projects/X, Sent Mail, Starred), one with none: 14 folder entries
// counting All Mail, 6 distinct messages.
func GmailSample(now time.Time) []SeedMessage {
	now = now.UTC().Truncate(time.Second)
	var out []SeedMessage
	for i, m := range gmailCorpus {
		raw := gmailRaw(i+1, m.subject, now)
		date := now.Add(-time.Duration(i+1) * 24 * time.Hour)
		if len(m.folders) == 0 {
			out = append(out, SeedMessage{Folder: "[Gmail]/All Mail", Raw: raw, Flags: m.flags, Date: date})
		}
		for _, f := range m.folders {
			out = append(out, SeedMessage{Folder: f, Raw: raw, Flags: m.flags, Date: date})
		}
	}
	return out
}

// GmailSampleAsFolders is the same mail as an ordinary server holds it
// after a sync that copied every label: one copy per folder (Sent Mail as
// Sent, the unlabelled message in Archive), 8 copies of 6 messages.
func GmailSampleAsFolders(now time.Time) []SeedMessage {
	var out []SeedMessage
	for _, m := range GmailSample(now) {
		switch m.Folder {
		case "[Gmail]/All Mail":
			m.Folder = "Archive"
		case "[Gmail]/Sent Mail":
			m.Folder = "Sent"
		case "[Gmail]/Starred":
			continue // the \Flagged flag says it
		}
		out = append(out, m)
	}
	return out
}

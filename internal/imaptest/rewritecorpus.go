package imaptest

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// RewriteMail is the corpus rewriting is tested on: 8-bit (Latin-1)
// headers, a message all in bare LFs, messages without Message-ID (with
// and without Received), a base64 attachment, an 8-bit MIME part holding
// every byte but NUL, CR and LF, a read-receipt request, and a message
// over 10 MB (bigSize bytes: 0 leaves it out).
func RewriteMail(now time.Time, bigSize int) []SeedMessage {
	var out []SeedMessage
	add := func(folder, raw string, flags ...string) {
		if flags == nil {
			flags = []string{}
		}
		out = append(out, SeedMessage{Folder: folder, Raw: []byte(raw), Flags: flags, Date: now.Add(-time.Duration(len(out)) * time.Hour)})
	}
	add("INBOX", crlf("From: J\xfcrgen M\xfcller <jm@example.de>\nSubject: Caf\xe9 f\xfcr alle\nMessage-ID: <latin1-1@example.de>\nDate: Mon, 1 Jan 2024 10:00:00 +0100\n\nGr\xfc\xdfe, bis gleich.\n"), `\Seen`)
	add("INBOX", crlf("From: Ren\xe9e <r@example.fr>\nSubject: =?ISO-8859-1?Q?R=E9sum=E9?= und \xe0 la carte\nMessage-ID: <latin1-2@example.fr>\nDate: Tue, 2 Jan 2024 11:00:00 +0100\n\nCorps en latin-1: \xe9t\xe9.\n"), `\Seen`, `$Label1`)
	add("INBOX", "From: lf@example.org\nSubject: All bare LF\nMessage-ID: <bare-lf@example.org>\nDate: Wed, 3 Jan 2024 12:00:00 +0000\n\nEvery line here\nends in a bare LF.\n")
	add("INBOX", crlf("Received: from mx.example.org by mail.example.org; Thu, 4 Jan 2024 09:00:00 +0000\nFrom: noid@example.org\nSubject: No Message-ID but Received\nDate: Thu, 4 Jan 2024 09:00:00 +0000\n\nNo Message-ID.\n"))
	add("Drafts", crlf("From: alice@example.com\nSubject: Draft without Message-ID\n\nNo Message-ID, no Received, no Date.\n"), `\Draft`)
	add("INBOX", crlf("From: boss@example.com\nSubject: Please confirm\nMessage-ID: <mdn@example.com>\nDisposition-Notification-To: boss@example.com\nDate: Fri, 5 Jan 2024 08:00:00 +0000\n\nSend me a receipt.\n"))
	// A binary attachment, base64 as mail carries it.
	bin := make([]byte, 3000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	add("Attachments", attachment("Binary attachment", "<bin@example.org>", "application/octet-stream", "base64", wrap(base64.StdEncoding.EncodeToString(bin), 76)))
	// An 8-bit part: every byte but NUL, CR and LF, in lines.
	var eight strings.Builder
	for i := 1; i < 256; i++ {
		if i == '\r' || i == '\n' {
			continue
		}
		eight.WriteByte(byte(i))
		if i%64 == 0 {
			eight.WriteString("\r\n")
		}
	}
	add("Attachments", attachment("8-bit part", "<eight@example.org>", "text/plain; charset=iso-8859-1", "8bit", eight.String()+"\r\n"))
	if bigSize > 0 {
		raw := make([]byte, bigSize*3/4)
		for i := range raw {
			raw[i] = byte(i*31 + i/1000)
		}
		add("Attachments", attachment("Big attachment", "<big-attachment@example.org>", "application/octet-stream", "base64", wrap(base64.StdEncoding.EncodeToString(raw), 76)))
	}
	return out
}

func attachment(subject, id, ctype, enc, body string) string {
	return crlf(fmt.Sprintf("From: files@example.org\nSubject: %s\nMessage-ID: %s\nDate: Sat, 6 Jan 2024 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\nSee the attachment.\n--b1\nContent-Type: %s\nContent-Transfer-Encoding: %s\nContent-Disposition: attachment; filename=\"f.bin\"\n\n", subject, id, ctype, enc)) +
		body + "\r\n--b1--\r\n"
}

func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n])
		b.WriteString("\r\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}

package main

import (
	"strings"
	"testing"

	"github.com/imapx/imapx/test/harness"
)

// differences names each kind of difference once, with its count.
func TestDifferences(t *testing.T) {
	m := func(folder, raw, date string, flags ...string) harness.Message {
		return harness.Message{Folder: folder, Raw: []byte(raw), Date: date, Flags: flags}
	}
	const d1, d2 = "2024-01-02T03:04:05Z", "2024-01-02T04:04:05Z"
	src := []harness.Message{
		m("INBOX", "Subject: same\r\n\r\nx\r\n", d1, `\Seen`),
		m("INBOX", "Subject: kw1\r\n\r\nx\r\n", d1, `\Seen`, "Work"),
		m("INBOX", "Subject: kw2\r\n\r\nx\r\n", d1, "Work"),
		m("Sent", "Subject: date\r\n\r\nx\r\n", d1),
		m("Sent", "Subject: \xc3\xbc\r\n\r\nx\r\n", d2),
		m("Trash", "Subject: gone\r\n\r\nx\r\n", d1),
	}
	dst := []harness.Message{
		m("INBOX", "Subject: same\r\n\r\nx\r\n", d1, `\Seen`),
		m("INBOX", "Subject: kw1\r\n\r\nx\r\n", d1, `\Seen`),
		m("INBOX", "Subject: kw2\r\n\r\nx\r\n", d1),
		m("Sent", "Subject: date\r\n\r\nx\r\n", d2),
		m("Sent", "Subject: XX\r\n\r\nx\r\n", d2),
		m("Archive", "Subject: new\r\n\r\nx\r\n", d1),
	}
	got := strings.Join(differences(src, dst), "\n")
	for _, want := range []string{
		"2× flags -keywords\n  e.g. INBOX uid 0, 19 bytes, flags [\\Seen Work], date 2024-01-02T03:04:05Z, \"Subject: kw1\" → INBOX uid 0, 19 bytes, flags [\\Seen], date 2024-01-02T03:04:05Z, \"Subject: kw1\" (-Work)",
		"1× internal date off by 1h0m0s",
		"1× bytes altered (+0 bytes)",
		`first difference at byte 9: "Subject: ü\r\n\r\nx\r\n" vs "Subject: XX\r\n`,
		"1× not on the destination\n  e.g. Trash",
		"1× only on the destination\n  e.g. Archive",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("differences lack %q:\n%s", want, got)
		}
	}
	if differences(src, src) != nil {
		t.Errorf("differences of equal sides: %q", differences(src, src))
	}
}

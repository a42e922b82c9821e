package harness

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/imaptest"
)

func TestSeedAndReadBack(t *testing.T) {
	d := Require(t, Options{})
	if err := d.AddUser("user1", "pw1"); err != nil {
		t.Fatal(err)
	}
	date := time.Date(2023, 5, 6, 7, 8, 9, 0, time.UTC)
	msgs := []imaptest.SeedMessage{
		{Folder: "Archive/2023", Raw: []byte("Subject: a\r\n\r\nA\r\n"), Flags: []string{`\Seen`, "custom"}, Date: date},
		{Folder: "Entwürfe", Raw: []byte("Subject: b\r\n\r\nB\r\n"), Flags: []string{`\Draft`}, Date: date},
		{Folder: "a&b", Raw: []byte("Subject: c\r\n\r\nC\r\n"), Date: date},
		{Folder: "with space", Raw: []byte("Subject: d\r\n\r\nD\r\n"), Date: date},
	}
	if err := d.Seed("user1", "pw1", msgs, "Empty"); err != nil {
		t.Fatal(err)
	}
	got, names, err := d.ReadAll("user1", "pw1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(msgs) {
		t.Fatalf("read %d messages, seeded %d", len(got), len(msgs))
	}
	joined := strings.Join(names, ",")
	for _, want := range []string{"Archive", "Archive/2023", "Entwürfe", "a&b", "with space", "Empty"} {
		if !strings.Contains(","+joined+",", ","+want+",") {
			t.Errorf("folder %q missing from %v", want, names)
		}
	}
	for _, m := range got {
		if m.Folder == "Archive/2023" {
			if strings.Join(m.Flags, " ") != `\Seen custom` || m.Date != "2023-05-06T07:08:09Z" || string(m.Raw) != "Subject: a\r\n\r\nA\r\n" {
				t.Errorf("Archive/2023 message = %+v", m)
			}
		}
	}
}

func TestTLS(t *testing.T) {
	d := Require(t, Options{})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(d.CertPEM())
	c, err := imapclient.DialTLS(d.TLSAddr(), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}})
	if err != nil {
		t.Fatalf("TLS with the harness CA: %v", err)
	}
	c.Close()
	if _, err := imapclient.DialTLS(d.TLSAddr(), nil); err == nil {
		t.Fatal("TLS without the CA must fail verification")
	}
}

func TestCourierStyle(t *testing.T) {
	d := Require(t, Options{Separator: ".", Prefix: "INBOX."})
	d.AddUser("u", "p")
	if err := d.Seed("u", "p", []imaptest.SeedMessage{{Folder: "Sent/2024", Raw: []byte("S: x\r\n\r\n")}}); err != nil {
		t.Fatal(err)
	}
	_, names, err := d.ReadAll("u", "p")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(names, ","), "INBOX.Sent.2024") {
		t.Fatalf("folders %v: want INBOX.Sent.2024", names)
	}
}

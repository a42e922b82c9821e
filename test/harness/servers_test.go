package harness

import (
	"strings"
	"testing"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
)

// Each family seeds and reads back the same messages, folder names mapped
// through its namespace, and a second user added later logs in too.
func TestFamiliesSeedAndReadBack(t *testing.T) {
	date := time.Date(2023, 5, 6, 7, 8, 9, 0, time.UTC)
	msgs := []imaptest.SeedMessage{
		{Folder: "INBOX", Raw: []byte("Subject: i\r\n\r\nI\r\n"), Flags: []string{`\Seen`}, Date: date},
		{Folder: "Archive/2023", Raw: []byte("Subject: a\r\n\r\nA\r\n"), Flags: []string{`\Seen`, "custom"}, Date: date},
		{Folder: "Entwürfe", Raw: []byte("Subject: b\r\n\r\nB\r\n"), Flags: []string{`\Draft`}, Date: date},
		{Folder: "a&b", Raw: []byte("Subject: c\r\n\r\nC\r\n"), Date: date},
	}
	for _, start := range []func(t *testing.T) Server{
		func(t *testing.T) Server { return Require(t, Options{}) },
		func(t *testing.T) Server { return RequireCyrus(t, CyrusOptions{}) },
		func(t *testing.T) Server { return RequireCourier(t) },
	} {
		s := start(t)
		t.Run(s.Family(), func(t *testing.T) {
			if err := s.AddUser("user1", "pw-one"); err != nil {
				t.Fatal(err)
			}
			if err := s.Seed("user1", "pw-one", msgs); err != nil {
				t.Fatal(err)
			}
			if err := s.AddUser("user2", "pw-two"); err != nil {
				t.Fatal(err)
			}
			got, names, err := s.ReadAll("user1", "pw-one")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(msgs) {
				t.Fatalf("read %d messages, seeded %d (folders %v)", len(got), len(msgs), names)
			}
			for _, m := range got {
				f := Canonical(s, m.Folder)
				if f == "Archive/2023" && (strings.Join(m.Flags, " ") != `\Seen custom` || m.Date != "2023-05-06T07:08:09Z" || string(m.Raw) != "Subject: a\r\n\r\nA\r\n") {
					t.Errorf("Archive/2023 message = %+v", m)
				}
			}
			if _, _, err := s.ReadAll("user2", "pw-two"); err != nil {
				t.Fatalf("second user: %v", err)
			}
			if _, _, err := s.ReadAll("user1", "wrong"); err == nil {
				t.Fatal("a wrong password logged in")
			}
		})
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	}
}

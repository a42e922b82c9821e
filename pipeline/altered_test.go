package pipeline

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
)

func TestNormalEOL(t *testing.T) {
	for in, want := range map[string]string{
		"a\r\r\nb\r\n":   "a\r\nb\r\n",
		"a\nb\rc\r\n":    "a\r\nb\r\nc\r\n",
		"a\r\r\r\n":      "a\r\n",
		"a\r\rb":         "a\r\n\r\nb",
		"no line end":    "no line end",
		"x\r":            "x\r\n",
		"cut\r\nshort\r": "cut\r\nshort\r\n",
	} {
		if got := string(normalEOL([]byte(in))); got != want {
			t.Errorf("normalEOL(%q) = %q, want %q", in, got, want)
		}
	}
	// A body cut short is not a normalisation.
	if string(normalEOL([]byte("a\r\r\nbody"))) == string(normalEOL([]byte("a\r\nbod"))) {
		t.Error("a cut body compares equal")
	}
}

// Pairs of one identity whose sizes differ are "stored altered" only when
// their texts are equal with line ends normalised: a body cut short is not.
func TestAlteredNotCut(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	msg := func(id, body string) imaptest.SeedMessage {
		return imaptest.SeedMessage{Folder: "INBOX", Date: now, Flags: []string{},
			Raw: []byte("Message-ID: <" + id + "@example.org>\r\nSubject: s\r\n\r\n" + body)}
	}
	src := []imaptest.SeedMessage{
		msg("mac", "one\r\r\ntwo\r\r\nthree\r\n"),
		msg("cut", "one\r\ntwo\r\nthree\r\n"),
		msg("same", "one\r\n"),
	}
	dst := []imaptest.SeedMessage{
		msg("mac", "one\r\ntwo\r\nthree\r\n"), // as Dovecot stores it
		msg("cut", "one\r\ntwo\r\nth"),        // cut short on its way
		msg("same", "one\r\n"),
	}
	srv, err := imaptest.StartMem([]imaptest.MemUser{{Name: "alice", Password: "pw", Messages: src}, {Name: "bob", Password: "pw", Messages: dst}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var log bytes.Buffer
	rep, err := Sync(ctx, memLogin(srv, "alice"), memLogin(srv, "bob"), Options{Log: &log})
	if err != nil {
		t.Fatalf("sync: %v\n%s", err, log.String())
	}
	if len(rep.Altered) != 1 || rep.Altered[0].SrcSize-rep.Altered[0].DstSize != 2 {
		t.Fatalf("altered = %+v, want the one message with \\r\\r\\n\n%s", rep.Altered, log.String())
	}
	if !strings.Contains(log.String(), "1 messages were stored altered by host2 (line ends normalised, sizes differ by 2 bytes)") {
		t.Fatalf("log:\n%s", log.String())
	}
}

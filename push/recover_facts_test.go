package push

import (
	"bytes"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/stream"
)

// The reconnect check finds an unanswered APPEND by the identity of its
// body, computed here, among the headers the server returns: the two
// must agree for 8-bit, folded and Message-ID-less headers alike, and
// agree with what the other stages compute (identity.FromBody).
func TestRecoverKeyMatchesServerHeader(t *testing.T) {
	raws := []string{
		"Message-ID: <caf\xe9@x>\r\nReceived: from a by b\r\n\r\nbody\r\n",
		"Message-ID:\r\n <folded@x>\r\nSubject: \xc3\xa9\r\n\r\nbody\r\n",
		"From: nobody@x\r\nSubject: none\r\n\r\nMessage-ID: <in-body@x>\r\n",
	}
	var seed []imaptest.SeedMessage
	for _, raw := range raws {
		seed = append(seed, imaptest.SeedMessage{Raw: []byte(raw)})
	}
	srv, err := imaptest.StartMem([]imaptest.MemUser{{Name: "bob", Password: "pw", Messages: seed}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := srv.Login("bob", "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var unknown []*pending
	for _, raw := range raws {
		body, err := record.Spool(bytes.NewReader([]byte(raw)))
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		unknown = append(unknown, &pending{it: &stream.Item{Msg: &record.Message{}, Body: body}, folder: "INBOX", since: 1})
	}
	p := &pusher{}
	arrived, validity, err := p.arrivals(c, unknown)
	if err != nil {
		t.Fatal(err)
	}
	if validity["INBOX"] == 0 {
		t.Error("no UIDVALIDITY for INBOX: the messages found could not be linked")
	}
	for i, pd := range unknown {
		k := keyOf(pd)
		f, err := identity.FromBody(pd.it.Body, wholeHeader)
		if err != nil || k.ident != f.Ident {
			t.Errorf("message %d: key %s, identity.FromBody %s (%v)", i+1, k.ident, f.Ident, err)
		}
		if uids := arrived["INBOX"][k]; len(uids) != 1 || uids[0] != imap.UID(i+1) {
			t.Errorf("message %d (%s): found at UIDs %v among the server's headers, want [%d]", i+1, k.ident, uids, i+1)
		}
	}
}

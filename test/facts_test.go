package test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/fetch"
	"github.com/imapx/imapx/format"
	"github.com/imapx/imapx/ident"
	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/record"
)

// factsMail are the messages whose identity and Message-ID the stages
// used to compute each its own way: 8-bit Message-IDs (Latin-1, UTF-8,
// a run of bytes), a folded one, none (identity from the whole header),
// and bare LF line ends.
var factsMail = map[string]string{
	"<latin1-caf\xe9@x>":   "Message-ID: <latin1-caf\xe9@x>\r\nReceived: from a by b\r\nSubject: 1\r\n\r\nbody\r\n",
	"<utf8-caf\xc3\xa9@x>": "Message-ID: <utf8-caf\xc3\xa9@x>\r\nSubject: 2\r\n\r\nbody\r\n",
	"<run-\xe9\xe9\xe9@x>": "Subject: 3\r\nMessage-Id: <run-\xe9\xe9\xe9@x>\r\n\r\nbody\r\n",
	"<folded@x>":           "Message-ID:\r\n <folded@x>\r\nReceived: from c\r\n\tby d\r\n\r\nbody\r\n",
	"":                     "From: nobody@x\r\nSubject: no Message-ID \xfc\r\n\r\nMessage-ID: <in-body@x>\r\n",
	"<lf@x>":               "Message-ID: <lf@x>\nSubject: bare LF\n\nbody\n",
}

// TestFactsAgree: the same body gives the same ident and message_id
// whichever stage computes them: fetch from a header-only FETCH, fetch
// with --full, ident from the raw body, and format from an mbox. (push's
// recovery is checked against the server's headers in package push.)
func TestFactsAgree(t *testing.T) {
	var seed []imaptest.SeedMessage
	for _, raw := range factsMail {
		seed = append(seed, imaptest.SeedMessage{Raw: []byte(raw), Flags: []string{}})
	}
	srv, err := imaptest.StartMem([]imaptest.MemUser{{Name: "alice", Password: "pw", Messages: seed}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dial := func(ctx context.Context) (*imapclient.Client, error) {
		c, err := imapclient.DialInsecure(srv.Addr(), nil)
		if err != nil {
			return nil, err
		}
		return c, c.Login("alice", "pw").Wait()
	}
	for _, o := range []identity.Options{{}, {Headers: []string{"ALL"}}, {Headers: []string{"Subject"}}} {
		var full, heads bytes.Buffer
		if _, err := fetch.Run(context.Background(), dial, fetch.Options{Full: true, Ident: o}, &full); err != nil {
			t.Fatal(err)
		}
		if _, err := fetch.Run(context.Background(), dial, fetch.Options{Ident: o}, &heads); err != nil {
			t.Fatal(err)
		}
		bodies := factsOf(t, "fetch --full", full.Bytes(), nil)
		check := func(stage string, got map[string]identity.Facts) {
			t.Helper()
			if len(got) != len(factsMail) {
				t.Errorf("%v %s: %d messages, want %d", o.Headers, stage, len(got), len(factsMail))
			}
			for raw, f := range got {
				// What every stage must say: the identity package on the
				// body as the server keeps it (bare LFs become CRLF).
				if want := identity.Of(identity.HeaderBlock([]byte(raw)), o); f != want {
					t.Errorf("%v %s: %.40q: %+v, want %+v", o.Headers, stage, raw, f, want)
				}
			}
		}
		check("fetch --full", bodies)
		// Header-only records have no body: match them by UID.
		check("fetch", factsOf(t, "fetch", heads.Bytes(), uidBodies(t, full.Bytes())))

		// ident recomputes from the raw body of records stripped of both.
		stripped := strip(t, full.Bytes())
		var idented bytes.Buffer
		if _, err := ident.Run(ident.Options{Ident: o}, bytes.NewReader(stripped), "stripped", &idented); err != nil {
			t.Fatal(err)
		}
		check("ident", factsOf(t, "ident", idented.Bytes(), nil))

		// format computes them for messages read from an mbox.
		var mb, back bytes.Buffer
		if err := format.Run(format.Options{To: format.ToMbox}, bytes.NewReader(full.Bytes()), "full", &mb); err != nil {
			t.Fatal(err)
		}
		if err := format.Run(format.Options{To: format.ToJSONL, Ident: o}, &mb, "mbox", &back); err != nil {
			t.Fatal(err)
		}
		check("format from mbox", factsOf(t, "format", back.Bytes(), nil))
	}
}

// factsOf reads message records, keyed by their raw body (or, for
// records without one, by the body byUID gives).
func factsOf(t *testing.T, name string, b []byte, byUID map[uint32]string) map[string]identity.Facts {
	t.Helper()
	out := map[string]identity.Facts{}
	err := record.Each(bytes.NewReader(b), name, func(l *record.Line) error {
		if l.Type != record.TypeMessage {
			return nil
		}
		var m record.Message
		if err := l.DecodeOnly(&m); err != nil {
			return err
		}
		key := byUID[m.UID]
		if l.Raw != nil {
			raw, err := io.ReadAll(l.Raw.Reader())
			if err != nil {
				return err
			}
			key = string(raw)
		}
		out[key] = identity.Facts{Ident: m.Ident, MessageID: m.MessageID}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func uidBodies(t *testing.T, full []byte) map[uint32]string {
	t.Helper()
	out := map[uint32]string{}
	err := record.Each(bytes.NewReader(full), "full", func(l *record.Line) error {
		var m record.Message
		if l.Type != record.TypeMessage {
			return nil
		}
		if err := l.DecodeOnly(&m); err != nil {
			return err
		}
		raw, err := io.ReadAll(l.Raw.Reader())
		out[m.UID] = string(raw)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// strip drops ident and message_id from every message record.
func strip(t *testing.T, full []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := record.NewWriter(&out)
	err := record.Each(bytes.NewReader(full), "full", func(l *record.Line) error {
		if l.Type != record.TypeMessage {
			return w.WriteLine(l.JSON)
		}
		var m record.Message
		if err := l.Decode(&m); err != nil {
			return err
		}
		m.Ident, m.MessageID = "", ""
		return w.WriteMessage(&m, l.Raw)
	})
	if err == nil {
		err = w.End("test")
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

package push

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/stream"
	"github.com/imapx/imapx/test/harness"
)

// raws is a Source of INBOX messages with the given bodies.
type raws struct {
	list [][]byte
	next int
}

func (s *raws) Next() (*stream.Item, error) {
	if s.next == len(s.list) {
		return nil, io.EOF
	}
	s.next++
	body, err := record.Spool(bytes.NewReader(s.list[s.next-1]))
	if err != nil {
		return nil, err
	}
	m := &record.Message{Type: record.TypeMessage, Folder: "INBOX", Flags: []string{`\Seen`}, Size: body.Size(),
		InternalDate: time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)}
	return &stream.Item{Type: record.TypeMessage, Msg: m, Body: body, Pos: fmt.Sprint("message ", s.next)}, nil
}

var nulBodies = [][]byte{
	[]byte("Subject: nul\r\nMessage-ID: <nul@binary.test>\r\n\r\nA NUL \x00 byte.\r\n"),
	[]byte("Subject: plain\r\nMessage-ID: <plain@binary.test>\r\n\r\nNo NUL.\r\n"),
}

// sent records what a client wrote on its connections.
type sent struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

type recording struct {
	net.Conn
	s *sent
}

func (r recording) Write(b []byte) (int, error) {
	r.s.mu.Lock()
	r.s.buf.Write(b)
	r.s.mu.Unlock()
	return r.Conn.Write(b)
}

// A message with NUL bytes goes as a literal8 where the server offers
// BINARY (Dovecot does), and only that message: the others keep plain
// literals. Both are stored exactly.
func TestNULMessageGoesAsLiteral8(t *testing.T) {
	d := dovecotFor(t, harness.Options{})
	var wire sent
	dial := func(ctx context.Context) (*imapclient.Client, error) {
		conn, err := net.Dial("tcp", d.PlainAddr())
		if err != nil {
			return nil, err
		}
		c := imapclient.New(recording{conn, &wire}, nil)
		if err := c.Login(fuser, fpass).Wait(); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
	var log bytes.Buffer
	sum, err := RunFrom(context.Background(), dial, Options{Log: &log}, &raws{list: nulBodies}, io.Discard)
	if err != nil || sum.Appended != 2 || sum.Errors != 0 {
		t.Fatalf("push: %+v, %v; log:\n%s", sum, err, log.String())
	}
	wire.mu.Lock()
	w := wire.buf.String()
	wire.mu.Unlock()
	if n := strings.Count(w, "~{"); n != 1 {
		t.Errorf("%d literal8s sent, want 1 (the NUL message only)", n)
	}
	// Read back with BINARY.PEEK[]: Dovecot's BODY[] shows a NUL as 0x80.
	// (These messages have no transfer encoding for BINARY to undo.)
	c, err := imapclient.DialInsecure(d.PlainAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(fuser, fpass).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	got, err := c.Fetch(imap.SeqSetNum(1, 2), &imap.FetchOptions{
		BinarySection: []*imap.FetchItemBinarySection{{Peek: true}}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, m := range got {
		for _, b := range m.BinarySection {
			stored[string(b.Bytes)] = true
		}
	}
	for _, b := range nulBodies {
		if !stored[string(b)] {
			t.Errorf("not stored exactly: %q (stored: %v)", b, stored)
		}
	}
}

// Without BINARY (imapmemserver offers none), a message with NUL bytes is
// refused before it is sent, with exit 114 and a reason saying so; the
// other messages are copied.
func TestNULMessageRefusedWithoutBinary(t *testing.T) {
	dial, count := startDst(t)
	var log, out bytes.Buffer
	sum, err := RunFrom(context.Background(), dial, Options{Log: &log}, &raws{list: nulBodies}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Appended != 1 || sum.Errors != 1 || exitcode.Of(sum.First) != exitcode.Append {
		t.Fatalf("summary %+v (first error code %d), want 1 appended, 1 error of exit code %d", sum, exitcode.Of(sum.First), exitcode.Append)
	}
	if !strings.Contains(log.String(), "message contains NUL bytes and the server has no BINARY extension") {
		t.Errorf("log does not say why:\n%s", log.String())
	}
	if n := count(); n != 1 {
		t.Errorf("destination holds %d messages, want 1", n)
	}
	if !strings.Contains(out.String(), `"code":114`) {
		t.Errorf("no result with code 114:\n%s", out.String())
	}
}

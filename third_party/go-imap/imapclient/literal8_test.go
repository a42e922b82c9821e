package imapclient_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// nulMessage has NUL bytes, which only a literal8 may carry (RFC 3516).
var nulMessage = []byte("Subject: nul\r\n\r\nA NUL \x00 byte and another\x00.\r\n")

// serveAppendLiteral8 reads one APPEND and checks that its message came as
// the literal8 want ("~{N}" or "~{N+}"), waiting for the client to ask
// before it sends the continuation request of a synchronizing one.
func serveAppendLiteral8(conn net.Conn, caps, want string, data []byte) error {
	br := bufio.NewReader(conn)
	if _, err := io.WriteString(conn, "* OK [CAPABILITY "+caps+"] ready\r\n"); err != nil {
		return err
	}
	line, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	tag, _, _ := strings.Cut(line, " ")
	if !strings.HasSuffix(line, " "+want+"\r\n") {
		return fmt.Errorf("command %q, want it to end with %q", line, want)
	}
	if !strings.HasSuffix(want, "+}") {
		conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := br.Peek(1); err == nil {
			return fmt.Errorf("client sent literal data before the continuation request")
		} else if !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		conn.SetReadDeadline(time.Time{})
		if _, err := io.WriteString(conn, "+ go ahead\r\n"); err != nil {
			return err
		}
	}
	buf := make([]byte, len(data)+2)
	if _, err := io.ReadFull(br, buf); err != nil {
		return err
	}
	if !bytes.Equal(buf, append(append([]byte{}, data...), "\r\n"...)) {
		return fmt.Errorf("literal %q, want %q then CRLF", buf, data)
	}
	_, err = io.WriteString(conn, tag+" OK [APPENDUID 1 1] done\r\n")
	return err
}

func TestAppend_literal8(t *testing.T) {
	n := len(nulMessage)
	for _, tc := range []struct {
		name, caps, want string
	}{
		{"binary+literal+", "IMAP4rev1 BINARY LITERAL+", fmt.Sprintf("~{%d+}", n)},
		{"binary", "IMAP4rev1 BINARY", fmt.Sprintf("~{%d}", n)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clientConn, serverConn := net.Pipe()
			done := make(chan error, 1)
			go func() {
				err := serveAppendLiteral8(serverConn, tc.caps, tc.want, nulMessage)
				if err != nil {
					serverConn.Close() // the client's Wait fails
				}
				done <- err
				io.Copy(io.Discard, serverConn)
			}()
			c := imapclient.New(clientConn, nil)
			defer c.Close()
			if err := c.WaitGreeting(); err != nil {
				t.Fatal(err)
			}
			cmd := c.Append("INBOX", int64(n), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Binary: true})
			if _, err := cmd.Write(nulMessage); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Close(); err != nil {
				t.Fatal(err)
			}
			_, werr := cmd.Wait()
			c.Close()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if werr != nil {
				t.Fatal(werr)
			}
		})
	}
}

// TestFetch_literal8Body reads a BODY[] section sent as a literal8, as
// Cyrus sends a message holding NUL bytes.
func TestFetch_literal8Body(t *testing.T) {
	clientConn, serverConn := net.Pipe()
	go func() {
		defer serverConn.Close()
		br := bufio.NewReader(serverConn)
		io.WriteString(serverConn, "* OK [CAPABILITY IMAP4rev1 BINARY] ready\r\n")
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		tag, _, _ := strings.Cut(line, " ")
		fmt.Fprintf(serverConn, "* 1 FETCH (UID 7 BODY[] ~{%d}\r\n%s RFC822.SIZE %d)\r\n", len(nulMessage), nulMessage, len(nulMessage))
		fmt.Fprintf(serverConn, "%s OK done\r\n", tag)
		io.Copy(io.Discard, br)
	}()
	c := imapclient.New(clientConn, nil)
	defer c.Close()
	cmd := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{UID: true, RFC822Size: true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	msg := cmd.Next()
	if msg == nil {
		t.Fatalf("no message: %v", cmd.Close())
	}
	var body []byte
	var size int64
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch item := item.(type) {
		case imapclient.FetchItemDataBodySection:
			b, err := io.ReadAll(item.Literal)
			if err != nil {
				t.Fatal(err)
			}
			body = b
		case imapclient.FetchItemDataRFC822Size:
			size = item.Size
		}
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, nulMessage) || size != int64(len(nulMessage)) {
		t.Fatalf("body %q (size %d), want %q", body, size, nulMessage)
	}
}

// TestAppend_literal8RoundTrip appends a message with NUL bytes to
// imapmemserver as a literal8 and reads it back with FETCH BINARY[].
func TestAppend_literal8RoundTrip(t *testing.T) {
	memServer := imapmemserver.New()
	user := imapmemserver.NewUser("alice", "secret")
	user.Create("INBOX", nil)
	memServer.AddUser(user)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return memServer.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapLiteralPlus: {}, imap.CapBinary: {}},
		InsecureAuth: true,
	})
	go server.Serve(ln)
	defer server.Close()

	c, err := imapclient.DialInsecure(ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !caps.Has(imap.CapBinary) {
		t.Fatal("imapmemserver does not offer BINARY")
	}
	cmd := c.Append("INBOX", int64(len(nulMessage)), &imap.AppendOptions{Binary: true})
	if _, err := cmd.Write(nulMessage); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{
		BinarySection: []*imap.FetchItemBinarySection{{Peek: true}},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	var got []byte
	for _, b := range msgs[0].BinarySection {
		got = b.Bytes
	}
	if !bytes.Equal(got, nulMessage) {
		t.Fatalf("stored %q, want %q", got, nulMessage)
	}
}

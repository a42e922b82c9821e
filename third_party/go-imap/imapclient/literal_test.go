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
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// serveOneLiteral is a minimal fake IMAP server. It advertises caps in its
// greeting, reads one command ending with a literal of the given size and
// checks whether the client sent it as a synchronizing ("{N}") or
// non-synchronizing ("{N+}") literal. It only sends a continuation request
// for synchronizing literals, after having checked that the client doesn't
// send the literal data before receiving it.
func serveOneLiteral(conn net.Conn, caps string, data []byte, nonSync bool) error {
	br := bufio.NewReader(conn)
	if _, err := io.WriteString(conn, "* OK [CAPABILITY "+caps+"] Fake server ready\r\n"); err != nil {
		return err
	}

	line, err := br.ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading command: %v", err)
	}
	tag, _, _ := strings.Cut(line, " ")

	wantSuffix := fmt.Sprintf("{%d}\r\n", len(data))
	if nonSync {
		wantSuffix = fmt.Sprintf("{%d+}\r\n", len(data))
	}
	if !strings.HasSuffix(line, wantSuffix) {
		return fmt.Errorf("command = %.100q, want suffix %q", line, wantSuffix)
	}

	if !nonSync {
		// The client must wait for the continuation request
		conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := br.Peek(1); err == nil {
			return fmt.Errorf("client sent literal data before the continuation request")
		} else if !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		conn.SetReadDeadline(time.Time{})

		if _, err := io.WriteString(conn, "+ Ready for literal data\r\n"); err != nil {
			return err
		}
	}

	buf := make([]byte, len(data)+len("\r\n"))
	if _, err := io.ReadFull(br, buf); err != nil {
		return fmt.Errorf("reading literal: %v", err)
	}
	if !bytes.Equal(buf[:len(data)], data) {
		return fmt.Errorf("literal data mismatch")
	}
	if s := string(buf[len(data):]); s != "\r\n" {
		return fmt.Errorf("got %q after literal, want CRLF", s)
	}

	if _, err := io.WriteString(conn, tag+" OK Done\r\n"); err != nil {
		return err
	}

	// Ignore any further command until the client closes the connection
	io.Copy(io.Discard, br)
	return nil
}

func TestClient_literal(t *testing.T) {
	appendOp := func(c *imapclient.Client, data []byte) error {
		appendCmd := c.Append("INBOX", int64(len(data)), nil)
		if _, err := appendCmd.Write(data); err != nil {
			return err
		}
		if err := appendCmd.Close(); err != nil {
			return err
		}
		_, err := appendCmd.Wait()
		return err
	}
	loginOp := func(c *imapclient.Client, data []byte) error {
		return c.Login("user", string(data)).Wait()
	}
	searchOp := func(c *imapclient.Client, data []byte) error {
		_, err := c.Search(&imap.SearchCriteria{Body: []string{string(data)}}, nil).Wait()
		return err
	}

	const (
		small = 1024
		large = 64 * 1024
	)
	tests := []struct {
		name    string
		caps    string
		op      func(c *imapclient.Client, data []byte) error
		size    int
		nonSync bool
	}{
		{"append/literal+/large", "IMAP4rev1 LITERAL+", appendOp, large, true},
		{"append/literal+/small", "IMAP4rev1 LITERAL+", appendOp, small, true},
		{"append/literal-/large", "IMAP4rev1 LITERAL-", appendOp, large, false},
		{"append/literal-/4096", "IMAP4rev1 LITERAL-", appendOp, 4096, true},
		{"append/literal-/4097", "IMAP4rev1 LITERAL-", appendOp, 4097, false},
		{"append/literal-/small", "IMAP4rev1 LITERAL-", appendOp, small, true},
		{"append/imap4rev2/large", "IMAP4rev2", appendOp, large, false},
		{"append/imap4rev2/small", "IMAP4rev2", appendOp, small, true},
		{"append/none/large", "IMAP4rev1", appendOp, large, false},
		{"append/none/small", "IMAP4rev1", appendOp, small, false},
		{"login/literal+/large", "IMAP4rev1 LITERAL+", loginOp, large, true},
		{"login/literal-/large", "IMAP4rev1 LITERAL-", loginOp, large, false},
		{"login/none/large", "IMAP4rev1", loginOp, large, false},
		{"search/literal+/large", "IMAP4rev1 LITERAL+", searchOp, large, true},
		{"search/literal-/large", "IMAP4rev1 LITERAL-", searchOp, large, false},
		{"search/none/large", "IMAP4rev1", searchOp, large, false},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			// Printable data, so that the quoted string form is only ruled
			// out by its length
			data := bytes.Repeat([]byte("0123456789abcdef"), tc.size/16+1)[:tc.size]

			clientConn, serverConn := net.Pipe()
			serverDone := make(chan error, 1)
			go func() {
				serverDone <- serveOneLiteral(serverConn, tc.caps, data, tc.nonSync)
				serverConn.Close()
			}()

			client := imapclient.New(clientConn, nil)
			defer client.Close()

			// Make sure the client knows the capabilities before sending the
			// command
			if err := client.WaitGreeting(); err != nil {
				t.Fatalf("WaitGreeting() = %v", err)
			}

			clientDone := make(chan error, 1)
			go func() {
				clientDone <- tc.op(client, data)
			}()

			timer := time.NewTimer(5 * time.Second)
			defer timer.Stop()
			select {
			case err := <-clientDone:
				if err != nil {
					t.Errorf("command failed: %v", err)
				}
			case err := <-serverDone:
				t.Fatalf("server failed: %v", err)
			case <-timer.C:
				t.Fatalf("timeout waiting for command completion")
			}

			client.Close()
			if err := <-serverDone; err != nil {
				t.Errorf("server failed: %v", err)
			}
		})
	}
}

// recordConn records the data written and read on a net.Conn.
type recordConn struct {
	net.Conn

	mutex   sync.Mutex
	written bytes.Buffer
	read    bytes.Buffer
}

func (rc *recordConn) Read(b []byte) (int, error) {
	n, err := rc.Conn.Read(b)
	rc.mutex.Lock()
	rc.read.Write(b[:n])
	rc.mutex.Unlock()
	return n, err
}

func (rc *recordConn) Write(b []byte) (int, error) {
	n, err := rc.Conn.Write(b)
	rc.mutex.Lock()
	rc.written.Write(b[:n])
	rc.mutex.Unlock()
	return n, err
}

func newLiteralPlusMemServer(t testing.TB, literalPlus bool) (net.Listener, io.Closer) {
	memServer := imapmemserver.New()
	user := imapmemserver.NewUser(testUsername, testPassword)
	user.Create("INBOX", nil)
	memServer.AddUser(user)

	caps := imap.CapSet{imap.CapIMAP4rev1: {}}
	if literalPlus {
		caps[imap.CapLiteralPlus] = struct{}{}
	}
	server := imapserver.New(&imapserver.Options{
		NewSession: func(conn *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return memServer.NewSession(), nil, nil
		},
		InsecureAuth: true,
		Caps:         caps,
	})

	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatalf("net.Listen() = %v", err)
	}
	go server.Serve(ln)
	return ln, server
}

func TestAppend_literalPlus(t *testing.T) {
	ln, server := newLiteralPlusMemServer(t, true)
	defer server.Close()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("net.Dial() = %v", err)
	}
	rc := &recordConn{Conn: conn}
	client := imapclient.New(rc, nil)
	defer client.Close()

	if err := client.Login(testUsername, testPassword).Wait(); err != nil {
		t.Fatalf("Login().Wait() = %v", err)
	}
	if !client.Caps().Has(imap.CapLiteralPlus) {
		t.Fatalf("server doesn't advertise LITERAL+")
	}

	header := "Subject: literal+\r\n\r\n"
	body := header + strings.Repeat("0123456789abcdef", (64*1024-len(header))/16)
	body += strings.Repeat("x", 64*1024-len(body))
	appendCmd := client.Append("INBOX", int64(len(body)), nil)
	if _, err := io.WriteString(appendCmd, body); err != nil {
		t.Fatalf("AppendCommand.Write() = %v", err)
	}
	if err := appendCmd.Close(); err != nil {
		t.Fatalf("AppendCommand.Close() = %v", err)
	}
	if _, err := appendCmd.Wait(); err != nil {
		t.Fatalf("AppendCommand.Wait() = %v", err)
	}

	data, err := client.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatalf("Status().Wait() = %v", err)
	}
	if data.NumMessages == nil || *data.NumMessages != 1 {
		t.Errorf("NumMessages = %v, want 1", data.NumMessages)
	}

	rc.mutex.Lock()
	written, read := rc.written.String(), rc.read.String()
	rc.mutex.Unlock()
	if want := fmt.Sprintf("APPEND INBOX {%d+}\r\n", len(body)); !strings.Contains(written, want) {
		t.Errorf("client didn't send %q", want)
	}
	if !strings.Contains(written, body) {
		t.Errorf("client didn't send the message body")
	}
	for _, line := range strings.Split(read, "\r\n") {
		if strings.HasPrefix(line, "+") {
			t.Errorf("server sent a continuation request: %q", line)
		}
	}
}

package imapclient_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// fakeServer greets, then hands each command line to answer.
func fakeServer(t *testing.T, conn net.Conn, answer func(w io.Writer, tag, line string)) {
	t.Helper()
	go func() {
		defer conn.Close()
		br := bufio.NewReader(conn)
		io.WriteString(conn, "* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n")
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			tag, _, _ := strings.Cut(line, " ")
			answer(conn, tag, line)
		}
	}()
}

func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

// A FETCH body nobody reads must not make Close wait forever: the decoder
// goroutine is blocked handing the literal over.
func TestClose_unreadFetchLiteral(t *testing.T) {
	clientConn, serverConn := net.Pipe()
	body := strings.Repeat("x", 100<<10)
	fakeServer(t, serverConn, func(w io.Writer, tag, line string) {
		for uid := 1; uid <= 2; uid++ {
			fmt.Fprintf(w, "* %d FETCH (UID %d BODY[] {%d}\r\n%s)\r\n", uid, uid, len(body), body)
		}
		fmt.Fprintf(w, "%s OK done\r\n", tag)
	})
	c := imapclient.New(clientConn, nil)
	if err := c.WaitGreeting(); err != nil {
		t.Fatal(err)
	}
	cmd := c.Fetch(imap.UIDSetNum(1, 2), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	if msg := cmd.Next(); msg == nil {
		t.Fatal("no message")
	}
	// The consumer gives up here (its context was cancelled), reading
	// neither the literal nor the rest of the command.
	within(t, 2*time.Second, "Close", func() { c.Close() })
	within(t, 2*time.Second, "FetchCommand.Close", func() { cmd.Close() })
}

// A server that stops answering fails the pending command after
// ResponseTimeout, with an error saying so.
func TestResponseTimeout_stalledAnswer(t *testing.T) {
	clientConn, serverConn := net.Pipe()
	fakeServer(t, serverConn, func(io.Writer, string, string) {})
	c := imapclient.New(clientConn, &imapclient.Options{ResponseTimeout: 200 * time.Millisecond})
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		t.Fatal(err)
	}
	// Within twice the timeout: a decoder retrying its read after the
	// first timeout once took four times as long.
	var err error
	within(t, 400*time.Millisecond, "NOOP to a stalled server", func() { err = c.Noop().Wait() })
	if err == nil || !strings.Contains(err.Error(), "response timeout") {
		t.Fatalf("NOOP: %v, want a response timeout", err)
	}
	select {
	case <-c.Closed():
	case <-time.After(time.Second):
		t.Fatal("connection not closed after the timeout")
	}
}

// A connection with nothing pending never times out, and an answer that
// keeps coming, however slowly, is not cut.
func TestResponseTimeout_idleAndSlow(t *testing.T) {
	const timeout = 200 * time.Millisecond
	clientConn, serverConn := net.Pipe()
	body := strings.Repeat("y", 1000)
	fakeServer(t, serverConn, func(w io.Writer, tag, line string) {
		if strings.Contains(line, "FETCH") {
			// 5 pieces, timeout/2 apart: longer than the timeout in all.
			fmt.Fprintf(w, "* 1 FETCH (UID 1 BODY[] {%d}\r\n", len(body))
			for i := 0; i < 5; i++ {
				time.Sleep(timeout / 2)
				io.WriteString(w, body[i*200:(i+1)*200])
			}
			io.WriteString(w, ")\r\n")
		}
		fmt.Fprintf(w, "%s OK done\r\n", tag)
	})
	c := imapclient.New(clientConn, &imapclient.Options{ResponseTimeout: timeout})
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * timeout)
	if err := c.Noop().Wait(); err != nil {
		t.Fatalf("NOOP after an idle pause: %v", err)
	}
	msgs, err := c.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil || len(msgs) != 1 || string(msgs[0].BodySection[0].Bytes) != body {
		t.Fatalf("slow FETCH: %d messages, %v", len(msgs), err)
	}
}

// A server that stops reading fails a write after ResponseTimeout.
func TestResponseTimeout_stalledWrite(t *testing.T) {
	clientConn, serverConn := net.Pipe()
	go func() {
		io.WriteString(serverConn, "* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n")
		// and never reads
	}()
	defer serverConn.Close()
	c := imapclient.New(clientConn, &imapclient.Options{ResponseTimeout: 200 * time.Millisecond})
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		t.Fatal(err)
	}
	within(t, 3*time.Second, "APPEND to a server that reads nothing", func() {
		big := strings.Repeat("z", 1<<20)
		cmd := c.Append("INBOX", int64(len(big)), nil)
		_, werr := io.WriteString(cmd, big)
		cerr := cmd.Close()
		_, err := cmd.Wait()
		if werr == nil && cerr == nil && err == nil {
			t.Error("APPEND succeeded")
		}
	})
}

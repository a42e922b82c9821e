package imapclient_test

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestSelectedMailbox_mode checks that the selected mailbox's state says
// how it was opened (EXAMINE, or a SELECT the server answered
// [READ-ONLY]) and under which UIDVALIDITY, so that a caller can tell
// whether a connection already has a folder open in the mode it needs.
func TestSelectedMailbox_mode(t *testing.T) {
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		br := bufio.NewReader(server)
		io.WriteString(server, "* OK [CAPABILITY IMAP4rev1] ready\r\n")
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			tag, rest, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
			switch strings.ReplaceAll(rest, `"`, "") {
			case "SELECT INBOX":
				io.WriteString(server, "* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n"+tag+" OK [READ-WRITE] done\r\n")
			case "EXAMINE INBOX":
				io.WriteString(server, "* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n"+tag+" OK [READ-ONLY] done\r\n")
			case "SELECT Shared":
				io.WriteString(server, "* 1 EXISTS\r\n* OK [UIDVALIDITY 9] ok\r\n"+tag+" OK [READ-ONLY] no rights to write\r\n")
			default:
				io.WriteString(server, tag+" BAD unknown\r\n")
			}
		}
	}()
	c := imapclient.New(client, nil)
	defer c.Close()
	for _, tc := range []struct {
		name     string
		opts     *imap.SelectOptions
		readOnly bool
		validity uint32
	}{
		{"INBOX", nil, false, 7},
		{"INBOX", &imap.SelectOptions{ReadOnly: true}, true, 7},
		{"Shared", nil, true, 9},
		{"INBOX", nil, false, 7},
	} {
		if _, err := c.Select(tc.name, tc.opts).Wait(); err != nil {
			t.Fatal(err)
		}
		mb := c.Mailbox()
		if mb == nil || mb.Name != tc.name || mb.ReadOnly != tc.readOnly || mb.UIDValidity != tc.validity {
			t.Errorf("after opening %s (%+v): mailbox %+v, want read-only %v, UIDVALIDITY %d", tc.name, tc.opts, mb, tc.readOnly, tc.validity)
		}
	}
}

// TestPending checks that Pending counts the commands whose answer has
// not been read, and none once they are answered.
func TestPending(t *testing.T) {
	client, server := net.Pipe()
	answer := make(chan struct{})
	go func() {
		defer server.Close()
		br := bufio.NewReader(server)
		io.WriteString(server, "* OK [CAPABILITY IMAP4rev1] ready\r\n")
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			tag, _, _ := strings.Cut(line, " ")
			<-answer
			io.WriteString(server, tag+" OK done\r\n")
		}
	}()
	c := imapclient.New(client, nil)
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		t.Fatal(err)
	}
	if n := c.Pending(); n != 0 {
		t.Fatalf("%d pending before any command", n)
	}
	cmd := c.Noop()
	if n := c.Pending(); n != 1 {
		t.Errorf("%d pending with a NOOP unanswered, want 1", n)
	}
	close(answer)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if n := c.Pending(); n != 0 {
		t.Errorf("%d pending after the answer, want 0", n)
	}
}

package imapclient_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestByeError checks that a command cut short by the server's BYE fails
// with the BYE's text (Office 365 ends a session whose token expired so),
// still unwrapping to the read error and never to an *imap.Error.
func TestByeError(t *testing.T) {
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
			tag, rest, _ := strings.Cut(line, " ")
			if strings.HasPrefix(rest, "NOOP") {
				io.WriteString(server, tag+" OK done\r\n")
				continue
			}
			io.WriteString(server, "* BYE Session invalidated - AccessTokenExpired\r\n")
			return
		}
	}()
	c := imapclient.New(client, nil)
	defer c.Close()
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	_, err := c.Select("INBOX", nil).Wait()
	var bye *imapclient.ByeError
	if !errors.As(err, &bye) || bye.Bye.Text != "Session invalidated - AccessTokenExpired" {
		t.Fatalf("SELECT: %v, want a ByeError with the BYE's text", err)
	}
	if !strings.Contains(err.Error(), "BYE Session invalidated - AccessTokenExpired") {
		t.Errorf("error %q lacks the BYE", err)
	}
	var imapErr *imap.Error
	if errors.As(err, &imapErr) {
		t.Errorf("error %v unwraps to an *imap.Error", err)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v does not unwrap to io.ErrUnexpectedEOF", err)
	}
}

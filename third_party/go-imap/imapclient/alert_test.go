package imapclient_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestAlert checks that every [ALERT] reaches Options.Alert: in the
// greeting, in untagged OK and NO responses, in a tagged OK and in a tagged
// NO (which is also the command's error), and that no other code does.
func TestAlert(t *testing.T) {
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		br := bufio.NewReader(server)
		io.WriteString(server, "* OK [ALERT] maintenance at noon\r\n")
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			tag, rest, _ := strings.Cut(line, " ")
			switch {
			case strings.HasPrefix(rest, "CAPABILITY"):
				io.WriteString(server, "* CAPABILITY IMAP4rev1\r\n"+tag+" OK done\r\n")
			case strings.HasPrefix(rest, "NOOP"):
				io.WriteString(server, "* OK [ALERT] Your client does not handle Unicode\r\n"+
					"* OK [UIDNEXT 5] not an alert\r\n"+
					"* no [alert] lower case\r\n"+
					tag+" OK [ALERT] tagged too\r\n")
			case strings.HasPrefix(rest, "LOGIN"):
				io.WriteString(server, tag+" NO [ALERT] password expired\r\n")
			default:
				io.WriteString(server, tag+" BAD unexpected\r\n")
			}
		}
	}()

	var (
		mu  sync.Mutex
		got []imap.StatusResponse
	)
	c := imapclient.New(client, &imapclient.Options{
		Alert: func(resp *imap.StatusResponse) {
			mu.Lock()
			got = append(got, *resp)
			mu.Unlock()
		},
	})
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		t.Fatal(err)
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatalf("NOOP: %v", err)
	}
	err := c.Login("u", "p").Wait()
	var imapErr *imap.Error
	if !errors.As(err, &imapErr) || imapErr.Code != imap.ResponseCodeAlert || imapErr.Text != "password expired" {
		t.Fatalf("LOGIN: %v, want NO [ALERT] password expired", err)
	}

	want := []imap.StatusResponse{
		{Type: imap.StatusResponseTypeOK, Code: imap.ResponseCodeAlert, Text: "maintenance at noon"},
		{Type: imap.StatusResponseTypeOK, Code: imap.ResponseCodeAlert, Text: "Your client does not handle Unicode"},
		{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlert, Text: "lower case"},
		{Type: imap.StatusResponseTypeOK, Code: imap.ResponseCodeAlert, Text: "tagged too"},
		{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlert, Text: "password expired"},
	}
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("alerts:\n got %+v\nwant %+v", got, want)
	}
}

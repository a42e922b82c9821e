package imapclient_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// serveMultiAppend is a fake MULTIAPPEND server: it reads one APPEND with
// any number of messages (non-synchronizing literals), checks them, and
// answers with an APPENDUID uid-set.
func serveMultiAppend(conn net.Conn, want []string) error {
	br := bufio.NewReader(conn)
	if _, err := io.WriteString(conn, "* OK [CAPABILITY IMAP4rev1 LITERAL+ MULTIAPPEND UIDPLUS] ready\r\n"); err != nil {
		return err
	}
	line, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	tag, _, _ := strings.Cut(line, " ")
	var got []string
	for {
		open := strings.LastIndexByte(line, '{')
		if open < 0 || !strings.HasSuffix(line, "+}\r\n") {
			break
		}
		n, err := strconv.Atoi(line[open+1 : len(line)-4])
		if err != nil {
			return err
		}
		if len(got) > 0 && !strings.HasPrefix(line, ` (\Seen) {`) {
			return fmt.Errorf("message %d starts with %q, want flags then literal", len(got)+1, line)
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(br, buf); err != nil {
			return err
		}
		got = append(got, string(buf))
		if line, err = br.ReadString('\n'); err != nil {
			return err
		}
	}
	if line != "\r\n" {
		return fmt.Errorf("command ends with %q, want CRLF", line)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("messages %q, want %q", got, want)
	}
	_, err = fmt.Fprintf(conn, "%s OK [APPENDUID 7 10:12] done\r\n", tag)
	return err
}

func TestAppendNextMultiAppend(t *testing.T) {
	msgs := []string{"Subject: 1\r\n\r\none\r\n", "Subject: 2\r\n\r\ntwo\r\n", "Subject: 3\r\n\r\nthree\r\n"}
	clientConn, serverConn := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- serveMultiAppend(serverConn, msgs) }()
	c := imapclient.New(clientConn, nil)
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		t.Fatal(err)
	}
	opts := &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}}
	cmd := c.Append("INBOX", int64(len(msgs[0])), opts)
	for i, m := range msgs {
		if i > 0 {
			if err := cmd.Next(int64(len(m)), opts); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := io.WriteString(cmd, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := cmd.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	uids, _ := data.UIDs.Nums()
	if data.UIDValidity != 7 || data.UID != 10 || fmt.Sprint(uids) != "[10 11 12]" {
		t.Errorf("data = %+v (UIDs %v), want UIDVALIDITY 7, UIDs 10 11 12", data, uids)
	}
}

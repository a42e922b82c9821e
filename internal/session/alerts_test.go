package session

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func TestAlerts(t *testing.T) {
	var out strings.Builder
	al := NewAlerts(&out)
	a := &Account{Host: "127.0.0.1", Port: 143, Label: "host2", Password: "pw-9f2c", Alerts: al}
	h := a.alertHandler()
	var wg sync.WaitGroup
	for i := 0; i < 3654; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h(&imap.StatusResponse{Type: imap.StatusResponseTypeOK, Code: imap.ResponseCodeAlert, Text: "Unicode\x1b[2J \u202eis not pw-9f2c\r\nok"})
		}()
	}
	wg.Wait()
	h(&imap.StatusResponse{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlert, Text: "once"})
	al.Close()
	al.Close()
	want := "imapx: host2 says: Unicode [2J is not MASKED ok\n" +
		"imapx: host2 says: once\n" +
		"imapx: host2 said this 3,654 times: Unicode [2J is not MASKED ok\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// A server that puts details in each alert gets maxAlertTexts lines, then
// a count.
func TestAlertsDistinctBound(t *testing.T) {
	var out strings.Builder
	al := NewAlerts(&out)
	h := (&Account{Host: "::1", Port: 993, Alerts: al}).alertHandler()
	for i := 0; i < 1000; i++ {
		h(&imap.StatusResponse{Text: fmt.Sprintf("message %d has 8-bit headers", i)})
	}
	al.Close()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != maxAlertTexts+1 || lines[0] != "imapx: [::1]:993 says: message 0 has 8-bit headers" ||
		lines[maxAlertTexts] != "imapx: [::1]:993 sent 990 more alerts with other texts" {
		t.Errorf("got %d lines:\n%s", len(lines), out.String())
	}
}

func TestAlertsNone(t *testing.T) {
	if h := (&Account{}).alertHandler(); h != nil {
		t.Error("an account without Alerts must set no callback")
	}
	(*Alerts)(nil).Close()
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 3654: "3,654", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// A tagged NO [ALERT] to LOGIN is both the error (its text cleaned and
// masked) and an alert.
func TestAlertLoginRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		io.WriteString(conn, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			tag, _, _ := strings.Cut(line, " ")
			io.WriteString(conn, tag+" NO [ALERT] Account pw-77 locked\x1b[31m, call 555\r\n")
		}
	}()
	var out strings.Builder
	a := &Account{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Security: Plain, User: "u", Password: "pw-77",
		Label: "host1", Alerts: NewAlerts(&out), Timeout: 5 * time.Second}
	_, err = a.Dial(context.Background(), nil)
	if err == nil || !strings.HasSuffix(err.Error(), "failed (LOGIN): Account MASKED locked [31m, call 555") {
		t.Errorf("error %v, want the server's text cleaned and masked", err)
	}
	a.Alerts.Close()
	if want := "imapx: host1 says: Account MASKED locked [31m, call 555\n"; out.String() != want {
		t.Errorf("alerts %q, want %q", out.String(), want)
	}
}

package push

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/session"
)

// mute is a server that takes APPENDs and never answers the first, as a
// stalled server does; it answers the next three (out of order, as IMAP
// allows).
func mute(t *testing.T) session.Dialer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				appends := 0
				fmt.Fprintf(conn, "* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n")
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					tag, rest, _ := strings.Cut(line, " ")
					verb, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
					switch strings.ToUpper(verb) {
					case "APPEND":
						if i := strings.LastIndexByte(line, '{'); i >= 0 {
							var n int64
							fmt.Sscanf(line[i:], "{%d+}", &n)
							io.CopyN(io.Discard, br, n+2)
						}
						if appends++; appends >= 2 && appends <= 4 {
							fmt.Fprintf(conn, "%s OK [APPENDUID 1 %d] stored\r\n", tag, appends)
						}
					case "LOGIN":
						fmt.Fprintf(conn, "%s OK [CAPABILITY IMAP4rev1 LITERAL+] in\r\n", tag)
					case "CAPABILITY":
						fmt.Fprintf(conn, "* CAPABILITY IMAP4rev1 LITERAL+\r\n%s OK done\r\n", tag)
					case "LIST":
						fmt.Fprintf(conn, "* LIST () \"/\" INBOX\r\n%s OK done\r\n", tag)
					case "SELECT":
						fmt.Fprintf(conn, "* 0 EXISTS\r\n* OK [UIDVALIDITY 1] v\r\n* OK [UIDNEXT 1] n\r\n%s OK [READ-WRITE] done\r\n", tag)
					default:
						fmt.Fprintf(conn, "%s OK fine\r\n", tag)
					}
				}
			}()
		}
	}()
	return func(ctx context.Context) (*imapclient.Client, error) {
		c, err := imapclient.DialInsecure(ln.Addr().String(), nil)
		if err != nil {
			return nil, err
		}
		return c, c.Login("u", "p").Wait()
	}
}

// A cancelled push whose server stalls gives the APPENDs in flight
// drainGrace to be answered, then closes and returns, reporting those
// that were answered.
func TestCancelledPushDoesNotBlock(t *testing.T) {
	dial := mute(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	done := make(chan error, 1)
	var sum Summary
	go func() {
		var err error
		sum, err = RunFrom(ctx, dial, Options{Window: 8}, &items{n: 50, size: 1000}, io.Discard)
		done <- err
	}()
	select {
	case err := <-done:
		d := time.Since(start)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if d < drainGrace || d > drainGrace+2*time.Second {
			t.Errorf("returned after %v, want the grace of %v after the cancel", d, drainGrace)
		}
		if sum.Appended != 3 {
			t.Errorf("%d reported appended, want the 3 answered", sum.Appended)
		}
	case <-time.After(drainGrace + 10*time.Second):
		t.Fatal("a cancelled push is still blocked")
	}
}

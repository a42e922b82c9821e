package push

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// syncServer offers no LITERAL+ (as Courier): every APPEND literal waits
// for "+". It records whether a command arrived while an APPEND was still
// unanswered: pipelined APPENDs against such a server cost a delayed ACK
// each (Courier: 45 ms against 1.4 ms).
type syncServer struct {
	caps      string
	mu        sync.Mutex
	appended  int
	pipelined int
}

func (s *syncServer) serve(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	fmt.Fprintf(conn, "* OK [CAPABILITY %s] ready\r\n", s.caps)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		tag, rest, _ := strings.Cut(line, " ")
		verb, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
		switch strings.ToUpper(verb) {
		case "LOGIN":
			fmt.Fprintf(conn, "%s OK [CAPABILITY %s] in\r\n", tag, s.caps)
		case "LIST":
			fmt.Fprintf(conn, "* LIST () \"/\" INBOX\r\n%s OK done\r\n", tag)
		case "SELECT":
			s.mu.Lock()
			fmt.Fprintf(conn, "* %d EXISTS\r\n* OK [UIDVALIDITY 9] v\r\n* OK [UIDNEXT %d] n\r\n%s OK [READ-WRITE] done\r\n", s.appended, s.appended+1, tag)
			s.mu.Unlock()
		case "APPEND":
			open := strings.LastIndexByte(line, '{')
			lit := strings.TrimSuffix(line[open+1:], "\r\n")
			nonSync := strings.HasSuffix(lit, "+}")
			n, _ := strconv.Atoi(strings.TrimRight(lit, "+}"))
			if !nonSync {
				fmt.Fprintf(conn, "+ go ahead\r\n")
			}
			if _, err := io.CopyN(io.Discard, br, int64(n)); err != nil {
				return
			}
			if _, err := br.ReadString('\n'); err != nil {
				return
			}
			// Anything the client sent before this answer was pipelined.
			conn.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			_, perr := br.Peek(1)
			conn.SetReadDeadline(time.Time{})
			s.mu.Lock()
			if perr == nil {
				s.pipelined++
			}
			s.appended++
			fmt.Fprintf(conn, "%s OK [APPENDUID 9 %d] stored\r\n", tag, s.appended)
			s.mu.Unlock()
		case "LOGOUT":
			fmt.Fprintf(conn, "* BYE bye\r\n%s OK out\r\n", tag)
			return
		default:
			fmt.Fprintf(conn, "%s OK fine\r\n", tag)
		}
	}
}

func (s *syncServer) dialer(t *testing.T) func(context.Context) (*imapclient.Client, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
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

// Without LITERAL+ an APPEND is answered before the next is sent; with
// it (and with LITERAL- for small messages) APPENDs stay pipelined.
func TestNoPipeliningWithoutLiteralPlus(t *testing.T) {
	for _, tc := range []struct {
		caps      string
		size      int
		pipelines bool
	}{
		{"IMAP4rev1 UIDPLUS", 300, false},
		{"IMAP4rev1 UIDPLUS LITERAL-", 6000, false},
		{"IMAP4rev1 UIDPLUS LITERAL-", 300, true},
		{"IMAP4rev1 UIDPLUS LITERAL+", 6000, true},
	} {
		t.Run(fmt.Sprintf("%s/%d", tc.caps, tc.size), func(t *testing.T) {
			srv := &syncServer{caps: tc.caps}
			sum, err := RunFrom(context.Background(), srv.dialer(t), Options{}, &items{n: 20, size: tc.size}, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if sum.Appended != 20 || srv.appended != 20 {
				t.Fatalf("appended %d, server took %d: want 20", sum.Appended, srv.appended)
			}
			if got := srv.pipelined > 0; got != tc.pipelines {
				t.Errorf("%d of 20 APPENDs had the next command behind them; pipelining = %v, want %v", srv.pipelined, got, tc.pipelines)
			}
		})
	}
}

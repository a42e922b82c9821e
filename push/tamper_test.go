package push

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/session"
)

// tamper is a line proxy in front of a real server that makes it behave
// like others, or fail: it hides UIDNEXT (as Courier does), refuses
// STATUS or a SELECT, and can lose the answer to an APPEND that was
// stored (the connection dies right after the server committed it).
type tamper struct {
	ln     net.Listener
	target string

	mu           sync.Mutex
	hideUIDNext  bool
	refuseStatus bool
	refuseSelect string // mailbox name, as sent (quoted or atom)
	// loseAnswer: the n-th APPEND answer (1-based) is not delivered and
	// the connection is cut; 0 never.
	loseAnswer int
	// cutSecond cuts the second connection (the one recovery makes)
	// after it carried that many bytes from the server: a second cut
	// while the first is being reconciled.
	cutSecond int64
	answers   int
	cuts      int
	conns     int
}

func startTamper(t *testing.T, target string) *tamper {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tamper{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
	return p
}

func (p *tamper) dial(user, pw string) session.Dialer {
	return func(ctx context.Context) (*imapclient.Client, error) {
		c, err := imapclient.DialInsecure(p.ln.Addr().String(), nil)
		if err != nil {
			return nil, err
		}
		if err := c.Login(user, pw).Wait(); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
}

var (
	uidNextLine  = regexp.MustCompile(`^\* OK \[UIDNEXT \d+\]`)
	appendAnswer = regexp.MustCompile(`^\S+ OK \[APPENDUID `)
	commandLine  = regexp.MustCompile(`^(\S+) (\S+) ?(.*)\r\n$`)
	literalTail  = regexp.MustCompile(`\{(\d+)\+?\}\r\n$`)
)

func (p *tamper) handle(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	p.conns++
	limit := int64(-1)
	if p.conns == 2 && p.cutSecond > 0 {
		limit = p.cutSecond
	}
	p.mu.Unlock()
	var carried int64
	var wmu sync.Mutex // one line at a time towards the client
	toClient := func(s string) error {
		wmu.Lock()
		defer wmu.Unlock()
		_, err := io.WriteString(client, s)
		return err
	}
	cut := func() {
		client.Close()
		server.Close()
	}
	go func() { // client → server
		defer cut()
		br := bufio.NewReader(client)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if m := commandLine.FindStringSubmatch(line); m != nil {
				verb := strings.ToUpper(m[2])
				p.mu.Lock()
				refuse := (verb == "STATUS" && p.refuseStatus) ||
					(verb == "SELECT" && p.refuseSelect != "" && strings.Trim(strings.TrimSpace(m[3]), `"`) == p.refuseSelect)
				p.mu.Unlock()
				if refuse {
					toClient(m[1] + " NO [CANNOT] refused by the test proxy\r\n")
					continue
				}
			}
			if _, err := io.WriteString(server, line); err != nil {
				return
			}
			if m := literalTail.FindStringSubmatch(line); m != nil {
				var n int64
				fmt.Sscan(m[1], &n)
				if _, err := io.CopyN(server, br, n); err != nil {
					return
				}
			}
		}
	}()
	defer cut()
	br := bufio.NewReader(server)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if carried += int64(len(line)); limit >= 0 && carried > limit {
			p.mu.Lock()
			p.cuts++
			p.mu.Unlock()
			return
		}
		p.mu.Lock()
		hide := p.hideUIDNext && uidNextLine.MatchString(line)
		lose := false
		if appendAnswer.MatchString(line) {
			p.answers++
			if p.answers == p.loseAnswer {
				lose = true
				p.cuts++
			}
		}
		p.mu.Unlock()
		if lose {
			return
		}
		if !hide {
			if err := toClient(line); err != nil {
				return
			}
		}
		if m := literalTail.FindStringSubmatch(line); m != nil {
			var n int64
			fmt.Sscan(m[1], &n)
			buf := make([]byte, n)
			if _, err := io.ReadFull(br, buf); err != nil {
				return
			}
			if err := toClient(string(buf)); err != nil {
				return
			}
		}
	}
}

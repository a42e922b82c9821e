package session

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"time"
)

// Greeting is what a server says before any login: imapsync's
// --justconnect prints it.
type Greeting struct {
	Banner       string   // the greeting line, "* OK …"
	Capabilities []string // after STARTTLS when the account uses it
}

// Greet connects and secures as Dial does, reads the greeting and the
// capabilities, and leaves without logging in.
func (a *Account) Greet(ctx context.Context) (*Greeting, error) {
	if err := a.resolveSecurity(ctx); err != nil {
		return nil, err
	}
	parent, start := ctx, time.Now()
	ctx, cancel := context.WithTimeout(ctx, a.timeout())
	defer cancel()
	fail := func(err error) error { return a.dialError(parent, ctx, start, err) }
	tlsConfig, err := a.tlsConfig()
	if err != nil {
		return nil, err
	}
	var conn net.Conn
	conn, err = (&net.Dialer{Timeout: a.timeout()}).DialContext(ctx, "tcp", a.Addr())
	if err != nil {
		return nil, fail(err)
	}
	defer func() { conn.Close() }()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	handshake := func() error {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			if ctx.Err() != nil {
				return fail(err)
			}
			return a.tlsError(err)
		}
		conn = tc
		return nil
	}
	if a.Security == ImplicitTLS {
		if err := handshake(); err != nil {
			return nil, err
		}
	}
	r := bufio.NewReader(conn)
	banner, err := r.ReadString('\n')
	if err != nil {
		return nil, fail(err)
	}
	g := &Greeting{Banner: strings.TrimRight(banner, "\r\n")}
	// command sends one command and returns the untagged lines before its
	// tagged OK.
	command := func(tag, cmd string) ([]string, error) {
		if _, err := fmt.Fprintf(conn, "%s %s\r\n", tag, cmd); err != nil {
			return nil, fail(err)
		}
		var lines []string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return nil, fail(err)
			}
			line = strings.TrimRight(line, "\r\n")
			if rest, ok := strings.CutPrefix(line, tag+" "); ok {
				if !strings.HasPrefix(strings.ToUpper(rest), "OK") {
					return nil, a.connError(fmt.Errorf("%s: %s", cmd, rest))
				}
				return lines, nil
			}
			lines = append(lines, line)
		}
	}
	if a.Security == StartTLS {
		if _, err := command("g1", "STARTTLS"); err != nil {
			return nil, err
		}
		if err := handshake(); err != nil {
			return nil, err
		}
		r = bufio.NewReader(conn)
	}
	lines, err := command("g2", "CAPABILITY")
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "* CAPABILITY "); ok {
			g.Capabilities = strings.Fields(rest)
		}
	}
	command("g3", "LOGOUT") // politeness; the answer does not matter
	return g, nil
}

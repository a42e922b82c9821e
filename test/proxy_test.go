package test

import (
	"bufio"
	"io"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cutProxy forwards connections to a target and cuts each one after it
// carried limit bytes from the server, like toxiproxy's limit_data: every
// connection dies mid-stream, often inside a message literal.
type cutProxy struct {
	ln     net.Listener
	target string
	limit  int64
	mu     sync.Mutex
	cuts   int
}

func startCutProxy(target string, limit int64) (*cutProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &cutProxy{ln: ln, target: target, limit: limit}
	go p.serve()
	return p, nil
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

func (p *cutProxy) handle(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	go func() {
		io.Copy(server, client)
		server.Close()
	}()
	n, _ := io.CopyN(client, server, p.limit)
	if n == p.limit {
		p.mu.Lock()
		p.cuts++
		p.mu.Unlock()
	}
	client.Close()
	server.Close()
}

// cutproxy NAME TARGETVAR BYTES: start a proxy to $TARGETVAR that cuts
// every connection after BYTES bytes from the server; $NAME is its address.
func cmdCutProxy(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: cutproxy NAME TARGETVAR BYTES")
	}
	var limit int64
	for _, c := range args[2] {
		limit = limit*10 + int64(c-'0')
	}
	p, err := startCutProxy(ts.Getenv(args[1]), limit)
	if err != nil {
		ts.Fatalf("proxy: %v", err)
	}
	ts.Defer(func() {
		p.ln.Close()
		p.mu.Lock()
		ts.Logf("proxy %s cut %d connections", args[0], p.cuts)
		p.mu.Unlock()
	})
	ts.Setenv(args[0], p.ln.Addr().String())
}

// sleeprandom MIN MAX: sleep a random time between MIN and MAX
// milliseconds (logged), e.g. before killing a background sync.
func cmdSleepRandom(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sleeprandom MINMS MAXMS")
	}
	var lo, hi int
	for _, c := range args[0] {
		lo = lo*10 + int(c-'0')
	}
	for _, c := range args[1] {
		hi = hi*10 + int(c-'0')
	}
	d := time.Duration(lo+rand.Intn(hi-lo+1)) * time.Millisecond
	ts.Logf("sleeping %v", d)
	time.Sleep(d)
}

// stallProxy forwards connections to a target until a connection has
// carried limit bytes (both ways together); then it stops forwarding that
// connection in both directions without closing it, like toxiproxy's
// timeout toxic or a dead middlebox. With always false only the first
// connection to reach the limit stalls: a re-dial gets through. With cut
// set, that connection is closed instead (a reset mid-stream); with die
// set too, the server is gone: every other connection open is closed
// with it (a run keeps idle ones for its next phase), and every later
// one at once.
type stallProxy struct {
	ln     net.Listener
	target string
	limit  int64
	always bool
	cut    bool
	die    bool

	mu     sync.Mutex
	stalls int
	conns  []net.Conn
	closed chan struct{}
}

func (p *stallProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

func (p *stallProxy) handle(client net.Conn) {
	p.mu.Lock()
	dead := p.die && p.stalls > 0
	p.mu.Unlock()
	if dead {
		client.Close()
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, client, server)
	p.mu.Unlock()
	var (
		mu      sync.Mutex
		carried int64
		stalled bool
	)
	// pass reports whether n more bytes may be forwarded, stalling the
	// connection once it reached the limit.
	pass := func(n int) bool {
		mu.Lock()
		defer mu.Unlock()
		if stalled {
			return false
		}
		carried += int64(n)
		if carried < p.limit {
			return true
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.stalls > 0 && !p.always {
			carried = -1 << 62 // this connection forwards on for good
			return true
		}
		p.stalls++
		stalled = true
		return false
	}
	copyConn := func(dst, src net.Conn) {
		buf := make([]byte, 4096)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				if !pass(n) {
					if p.cut {
						dst.Close()
						src.Close()
						if p.die {
							p.mu.Lock()
							for _, c := range p.conns {
								c.Close()
							}
							p.mu.Unlock()
						}
						return
					}
					<-p.closed // hold both sockets open, forward nothing
					return
				}
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				dst.Close()
				return
			}
		}
	}
	go copyConn(server, client)
	copyConn(client, server)
}

// stallproxy NAME TARGETVAR BYTES once|always|cutonce|die: start a
// stallProxy to $TARGETVAR; $NAME is its address.
func cmdStallProxy(ts *testscript.TestScript, neg bool, args []string) {
	modes := map[string]bool{"once": true, "always": true, "cutonce": true, "die": true}
	if len(args) != 4 || !modes[args[3]] {
		ts.Fatalf("usage: stallproxy NAME TARGETVAR BYTES once|always|cutonce|die")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	p := &stallProxy{ln: ln, target: ts.Getenv(args[1]), limit: int64(atoi(ts, args[2])), always: args[3] == "always", cut: args[3] == "cutonce" || args[3] == "die", die: args[3] == "die", closed: make(chan struct{})}
	go p.serve()
	ts.Defer(func() {
		ln.Close()
		close(p.closed)
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		ts.Logf("proxy %s stalled %d connections", args[0], p.stalls)
		p.mu.Unlock()
	})
	ts.Setenv(args[0], ln.Addr().String())
}

// nostarttls NAME TARGETVAR: start a proxy to $TARGETVAR that strips
// STARTTLS from what the server says (an attacker on the path); $NAME is
// its address, $NAME_PORT its port.
func cmdNoStartTLS(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: nostarttls NAME TARGETVAR")
	}
	ln := rewritingProxy(ts, args[0], ts.Getenv(args[1]), func(r *bufio.Reader, client net.Conn) {
		// Capabilities come in lines before any literal: rewriting the
		// server's first lines is enough.
		for i := 0; i < 4; i++ {
			line, err := r.ReadString('\n')
			client.Write([]byte(strings.ReplaceAll(line, " STARTTLS", "")))
			if err != nil {
				return
			}
		}
		io.Copy(client, r)
	})
	ts.Setenv(args[0]+"_PORT", strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
}

// rewritingProxy starts a proxy to target, named $name, that passes what
// the client sends as is and hands what the server sends to rewrite (which
// writes it on to the client, changed); the client's connection is closed
// when rewrite returns.
func rewritingProxy(ts *testscript.TestScript, name, target string, rewrite func(server *bufio.Reader, client net.Conn)) net.Listener {
	return scriptProxy(ts, name, target, rewriteConn(rewrite))
}

// rewriteConn is the forwardProxy serve function of a rewritingProxy.
func rewriteConn(rewrite func(server *bufio.Reader, client net.Conn)) func(client, server net.Conn) {
	return func(client, server net.Conn) {
		go func() {
			io.Copy(server, client)
			server.Close()
		}()
		defer client.Close()
		rewrite(bufio.NewReader(server), client)
	}
}

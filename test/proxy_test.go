package test

import (
	"io"
	"math/rand"
	"net"
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

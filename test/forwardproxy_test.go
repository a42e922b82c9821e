package test

import (
	"net"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// forwardProxy listens on 127.0.0.1 and, for each client it accepts,
// dials target and hands both connections to serve, in a goroutine of
// their own (a client whose server cannot be dialed is closed). What the
// proxy does to the traffic is serve's alone. stop closes the listener
// and every connection the proxy made.
func forwardProxy(target string, serve func(client, server net.Conn)) (ln net.Listener, stop func(), err error) {
	ln, err = netListen()
	if err != nil {
		return nil, nil, err
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, client, server)
			mu.Unlock()
			go serve(client, server)
		}
	}()
	stop = func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
	return ln, stop, nil
}

// scriptProxy starts a forwardProxy for a script: $name is its address,
// and it stops when the script ends.
func scriptProxy(ts *testscript.TestScript, name, target string, serve func(client, server net.Conn)) net.Listener {
	ln, stop, err := forwardProxy(target, serve)
	ts.Check(err)
	ts.Defer(stop)
	ts.Setenv(name, ln.Addr().String())
	return ln
}

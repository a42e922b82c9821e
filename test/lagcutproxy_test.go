package test

import (
	"net"
	"os"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// lagcutproxy NAME TARGETVAR FROM CUT HOLD: start a proxy to $TARGETVAR
// ($NAME is its address) that cuts the first connection whose client
// sent FROM bytes, as a server still busy with what it had read would
// see it: from FROM on, what the client sends is held back; once the
// client sent CUT bytes (or went quiet for a second), its side is closed
// at once, and the bytes held are given to the server only later (after
// HOLD, a duration such as 1s, or, when HOLD is a file, once it is
// removed), then the server's side is closed. The server then stores the
// commands the client wrote whole before the cut (a MULTIAPPEND) after the
// client has re-dialed and looked for them: the race of a real cut, where
// the server's process finishes the commands it read while the client
// reconnects. Later connections are forwarded as they are. lagcutwait
// NAME waits until the server closed the cut connection.
func cmdLagCutProxy(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 5 {
		ts.Fatalf("usage: lagcutproxy NAME TARGETVAR FROM CUT HOLD")
	}
	target := ts.Getenv(args[1])
	from, cut := int64(atoi(ts, args[2])), int64(atoi(ts, args[3]))
	release := func() {}
	if d, err := time.ParseDuration(args[4]); err == nil {
		release = func() { time.Sleep(d) }
	} else {
		file := ts.MkAbs(args[4])
		release = func() {
			for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if _, err := os.Stat(file); err != nil {
					return
				}
			}
		}
	}
	var (
		mu    sync.Mutex
		taken bool
	)
	done := make(chan struct{})
	lagCutDone.Store(lagCutKey{ts, args[0]}, done)
	// first reports whether this connection is the one to cut.
	first := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if taken {
			return false
		}
		taken = true
		return true
	}
	scriptProxy(ts, args[0], target, func(client, server net.Conn) {
		lagCutConn(client, server, from, cut, first, release, done)
	})
}

func lagCutConn(client, server net.Conn, from, cut int64, first func() bool, release func(), done chan struct{}) {
	var cutHere bool
	closed := make(chan struct{})
	defer func() {
		<-closed
		if cutHere {
			close(done)
		}
	}()
	go func() {
		defer close(closed)
		// The server's answers, while the client is there to read them;
		// then read and dropped, so the server never blocks writing.
		buf := make([]byte, 32<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 {
				client.Write(buf[:n])
			}
			if err != nil {
				client.Close()
				return
			}
		}
	}()
	var (
		sent    int64
		holding bool
		held    []byte
	)
	buf := make([]byte, 32<<10)
	for {
		if holding {
			// Quiet for a second: the client waits for answers held back.
			client.SetReadDeadline(time.Now().Add(time.Second))
		}
		n, err := client.Read(buf)
		if holding && (err != nil || sent+int64(n) >= cut) {
			// The cut: the last bytes read (a command cut short) are
			// lost, the whole ones reach the server late.
			cutHere = true
			client.Close()
			release()
			server.Write(held)
			server.(*net.TCPConn).CloseWrite()
			return
		}
		if n > 0 {
			sent += int64(n)
			if !holding && sent >= from && first() {
				holding = true
			}
			if holding {
				held = append(held, buf[:n]...)
			} else if _, werr := server.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	server.(*net.TCPConn).CloseWrite()
}

// lagCutDone holds each lagcutproxy's channel closed once the server
// closed the connection cut.
var lagCutDone sync.Map

type lagCutKey struct {
	ts   *testscript.TestScript
	name string
}

// lagcutwait NAME MAXMS: wait until the server closed the connection
// lagcutproxy NAME cut (it stored what it was given late), failing after
// MAXMS milliseconds.
func cmdLagCutWait(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: lagcutwait NAME MAXMS")
	}
	v, ok := lagCutDone.Load(lagCutKey{ts, args[0]})
	if !ok {
		ts.Fatalf("no lagcutproxy %s", args[0])
	}
	select {
	case <-v.(chan struct{}):
	case <-time.After(time.Duration(atoi(ts, args[1])) * time.Millisecond):
		ts.Fatalf("lagcutproxy %s: the server did not close the cut connection within %s ms", args[0], args[1])
	}
}

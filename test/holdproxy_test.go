package test

import (
	"bytes"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// holdproxy NAME TARGETVAR FILE: start a proxy to $TARGETVAR ($NAME is
// its address) that, while FILE exists, withholds from the client every
// answer of a connection once the client sent an APPEND on it: the server
// stores the messages, the client never hears so. A run killed then
// leaves exactly the APPENDs "in flight, stored" that a kill can leave
// (deterministically, not by chance as with a random kill). The server's
// answers are read and dropped, so it never blocks writing them.
func cmdHoldProxy(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: holdproxy NAME TARGETVAR FILE")
	}
	target, file := ts.Getenv(args[1]), ts.MkAbs(args[2])
	scriptProxy(ts, args[0], target, func(client, server net.Conn) {
		holdConn(client, server, file)
	})
}

func holdConn(client, server net.Conn, file string) {
	var (
		mu       sync.Mutex
		appended bool
	)
	held := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if !appended {
			return false
		}
		_, err := os.Stat(file)
		return err == nil
	}
	go func() {
		buf := make([]byte, 32<<10)
		var tail []byte
		for {
			n, err := client.Read(buf)
			if n > 0 {
				seen := append(tail, buf[:n]...)
				if bytes.Contains(bytes.ToUpper(seen), []byte(" APPEND ")) {
					mu.Lock()
					appended = true
					mu.Unlock()
				}
				tail = append([]byte(nil), seen[max(0, len(seen)-8):]...)
				if _, werr := server.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		server.(*net.TCPConn).CloseWrite()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 && !held() {
			if _, werr := client.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	client.Close()
	server.Close()
}

// waitcount USER N MAXMS: wait until USER's mailbox holds N messages
// (read independently of imapx), failing after MAXMS milliseconds.
func cmdWaitCount(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: waitcount USER N MAXMS")
	}
	want, _ := strconv.Atoi(args[1])
	maxMS, _ := strconv.Atoi(args[2])
	deadline := time.Now().Add(time.Duration(maxMS) * time.Millisecond)
	for {
		msgs, _, err := dovecot(ts).ReadAll(args[0], users[args[0]])
		if err == nil && len(msgs) == want {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s holds %d messages after %d ms, want %d (%v)", args[0], len(msgs), maxMS, want, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

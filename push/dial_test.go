package push

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/imaptest"
)

// A destination down for a moment at start (a restart) is waited for
// with the reconnects' back-off, not given up on at the first refusal.
func TestFirstDialWaitsOutAShortOutage(t *testing.T) {
	srv, err := imaptest.StartMem([]imaptest.MemUser{{Name: "bob", Password: "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hold, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := hold.Addr().String()
	hold.Close() // refused until the server "comes back"
	time.AfterFunc(1500*time.Millisecond, func() {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Error(err)
			return
		}
		t.Cleanup(func() { ln.Close() })
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				c.Close()
				continue
			}
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	})
	dial := func(ctx context.Context) (*imapclient.Client, error) {
		c, err := imapclient.DialInsecure(addr, nil)
		if err != nil {
			return nil, exitcode.New(exitcode.Connection, err)
		}
		return c, c.Login("bob", "pw").Wait()
	}
	var log bytes.Buffer
	start := time.Now()
	sum, err := RunFrom(context.Background(), dial, Options{Log: &log}, &items{n: 5, size: 500}, io.Discard)
	if err != nil || sum.Appended != 5 {
		t.Fatalf("push: %+v, %v; want 5 appended once the server is up", sum, err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("done in %v: the outage was not exercised", d)
	}
	if !strings.Contains(log.String(), "destination unreachable") {
		t.Errorf("no warning while waiting: %q", log.String())
	}
}

package session_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/session"
)

// commandLog counts the commands a client sends (its debug output holds
// both directions; a command line starts with the client's tag).
type commandLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *commandLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

var commandLine = regexp.MustCompile(`(?m)^T\d+ ([A-Z]+)`)

func (l *commandLog) count(name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range commandLine.FindAllStringSubmatch(l.buf.String(), -1) {
		if m[1] == name {
			n++
		}
	}
	return n
}

// memPool starts a server with two messages in INBOX and a pool over it;
// dials counts the logins.
func memPool(t *testing.T) (srv *imaptest.MemServer, pool *session.Pool, dials *atomic.Int32, log *commandLog) {
	t.Helper()
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	srv, err := imaptest.StartMem([]imaptest.MemUser{{Name: "u", Password: "pw", Messages: []imaptest.SeedMessage{
		{Raw: []byte("Message-ID: <1@x>\r\n\r\none\r\n"), Date: now},
		{Raw: []byte("Message-ID: <2@x>\r\n\r\ntwo\r\n"), Date: now},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dials, log = &atomic.Int32{}, &commandLog{}
	pool = session.NewPool(func(ctx context.Context) (*imapclient.Client, error) {
		dials.Add(1)
		c, err := imapclient.DialInsecure(srv.Addr(), &imapclient.Options{DebugWriter: log})
		if err != nil {
			return nil, err
		}
		if err := c.Login("u", "pw").Wait(); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	})
	t.Cleanup(pool.Close)
	return srv, pool, dials, log
}

func closed(c *imapclient.Client) bool {
	select {
	case <-c.Closed():
		return true
	case <-time.After(2 * time.Second):
		return false
	}
}

// A connection released is the next one handed out: no new login.
func TestPoolReuses(t *testing.T) {
	_, pool, dials, _ := memPool(t)
	ctx := context.Background()
	c1, err := pool.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	session.Release(c1)
	c2, err := pool.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c2 != c1 || dials.Load() != 1 {
		t.Fatalf("second Dial: same connection %v, %d logins; want the released one, 1 login", c2 == c1, dials.Load())
	}
	// Released twice by mistake: still handed to one user at a time.
	session.Release(c2)
	session.Release(c2)
	a, _ := pool.Dial(ctx)
	b, err := pool.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("a connection released twice was handed out twice")
	}
	session.Release(a)
	session.Release(b)
	pool.Close()
	if !closed(a) || !closed(b) {
		t.Fatal("Close left idle connections open")
	}
}

// Parallel users never share a connection, and the pool dials no more
// than the most connections out at once.
func TestPoolNeverSharesAConnection(t *testing.T) {
	_, pool, dials, _ := memPool(t)
	ctx := context.Background()
	var mu sync.Mutex
	held := map[*imapclient.Client]bool{}
	var wg sync.WaitGroup
	const users = 4
	for range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				c, err := pool.Dial(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if held[c] {
					t.Error("a connection handed to two users at once")
				}
				held[c] = true
				mu.Unlock()
				if err := c.Noop().Wait(); err != nil {
					t.Error(err)
				}
				mu.Lock()
				delete(held, c)
				mu.Unlock()
				session.Release(c)
			}
		}()
	}
	wg.Wait()
	if n := dials.Load(); n > users {
		t.Errorf("%d logins for %d users at once", n, users)
	}
}

// A connection lost while idle, or given back with a command unfinished,
// is never handed out; a lost one dials anew, once.
func TestPoolDropsDeadAndBusyConnections(t *testing.T) {
	_, pool, dials, _ := memPool(t)
	ctx := context.Background()
	dead, err := pool.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	session.Release(dead)
	dead.Close() // the server or the network dropped it while idle
	<-dead.Closed()
	c, err := pool.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c == dead || dials.Load() != 2 {
		t.Fatalf("after an idle connection died: got it back %v, %d logins; want a new one", c == dead, dials.Load())
	}
	// A FETCH left undrained: its replies would reach the next user.
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	c.Fetch(imap.SeqSetNum(1, 2), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	session.Release(c)
	if !closed(c) {
		t.Fatal("a connection released mid-command was kept")
	}
	d, err := pool.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d == c || d == dead || dials.Load() != 3 {
		t.Fatalf("got a closed connection back, or %d logins (want 3)", dials.Load())
	}
	// Closed by its user (a failure): gone for good.
	d.Close()
	<-d.Closed()
	for range 3 {
		e, err := pool.Dial(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if e == d {
			t.Fatal("a closed connection was handed out")
		}
		session.Release(e)
	}
}

// A connection no pool handed out is closed by Release.
func TestReleaseClosesForeignConnection(t *testing.T) {
	srv, _, _, _ := memPool(t)
	c, err := srv.Login("u", "pw")
	if err != nil {
		t.Fatal(err)
	}
	session.Release(c)
	if !closed(c) {
		t.Fatal("Release kept a connection no pool handed out")
	}
}

// Select opens a folder once per connection and mode: again in a mode
// that serves, it refreshes (NOOP, STATUS) and answers what a SELECT
// would now; a read-only selection never serves a write.
func TestSelectOnce(t *testing.T) {
	srv, pool, _, log := memPool(t)
	ctx := context.Background()
	c, err := pool.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	selects := func() int { return log.count("SELECT") + log.count("EXAMINE") }
	first, err := session.Select(c, "INBOX", true)
	if err != nil {
		t.Fatal(err)
	}
	if first.NumMessages != 2 || first.UIDNext != 3 || first.UIDValidity == 0 {
		t.Fatalf("EXAMINE: %+v", first)
	}
	// Another client adds a message meanwhile.
	other, err := srv.Login("u", "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	raw := "Message-ID: <3@x>\r\n\r\nthree\r\n"
	app := other.Append("INBOX", int64(len(raw)), nil)
	app.Write([]byte(raw))
	app.Close()
	if _, err := app.Wait(); err != nil {
		t.Fatal(err)
	}
	again, err := session.Select(c, "INBOX", true)
	if err != nil {
		t.Fatal(err)
	}
	if n := selects(); n != 1 {
		t.Fatalf("%d SELECT/EXAMINE for the same folder and mode, want 1", n)
	}
	if again.NumMessages != 3 || again.UIDNext != 4 || again.UIDValidity != first.UIDValidity {
		t.Fatalf("refreshed: %+v; want 3 messages, UIDNEXT 4, UIDVALIDITY %d", again, first.UIDValidity)
	}
	// A write needs SELECT; read-write then serves reading too.
	if _, err := session.Select(c, "INBOX", false); err != nil {
		t.Fatal(err)
	}
	if _, err := session.Select(c, "INBOX", true); err != nil {
		t.Fatal(err)
	}
	if n, rw := selects(), log.count("SELECT"); n != 2 || rw != 1 {
		t.Fatalf("%d SELECT/EXAMINE (%d SELECT), want 2 (1)", n, rw)
	}
	// Examined behind Select's back: the mode is the connection's, so a
	// write selects again.
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := session.Select(c, "INBOX", false); err != nil {
		t.Fatal(err)
	}
	if rw := log.count("SELECT"); rw != 2 {
		t.Fatalf("%d SELECT after an EXAMINE, want 2", rw)
	}
	// Another folder is selected anew.
	if _, err := session.Select(c, "Nowhere", true); err == nil {
		t.Fatal("EXAMINE of a missing folder succeeded")
	}
	if strings.Contains(log.buf.String(), "LOGOUT") {
		t.Fatal("LOGOUT before the end")
	}
}

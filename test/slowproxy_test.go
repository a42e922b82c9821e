package test

import (
	"bytes"
	"context"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/test/harness"
)

// slowProxy forwards connections to a target at a bounded rate in each
// direction, like toxiproxy's bandwidth toxic. Like a real slow link it
// keeps delivering, after the client is gone, what the client had sent:
// an APPEND written by a run killed meanwhile can reach the server late.
type slowProxy struct {
	ln     net.Listener
	target string
	rate   atomic.Int64 // bytes a second each way; 0: no limit
	// up and down are the link's two directions, shared by every
	// connection through it.
	up, down link
}

// link is one direction of the slow link: when it is next free.
type link struct {
	mu   sync.Mutex
	free time.Time
}

// take reserves the link for n bytes at rate and returns when they have
// passed.
func (l *link) take(n int, rate int64) {
	if rate <= 0 {
		return
	}
	l.mu.Lock()
	now := time.Now()
	if l.free.Before(now) {
		l.free = now
	}
	l.free = l.free.Add(time.Duration(int64(n) * int64(time.Second) / rate))
	until := l.free
	l.mu.Unlock()
	time.Sleep(time.Until(until))
}

func startSlowProxy(target string, rate int64) (*slowProxy, error) {
	ln, err := netListen()
	if err != nil {
		return nil, err
	}
	p := &slowProxy{ln: ln, target: target}
	p.rate.Store(rate)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
	return p, nil
}

func (p *slowProxy) Addr() string { return p.ln.Addr().String() }
func (p *slowProxy) Close()       { p.ln.Close() }

func (p *slowProxy) handle(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	go func() {
		p.copy(server, client, &p.up)
		server.(*net.TCPConn).CloseWrite()
	}()
	p.copy(client, server, &p.down)
	client.Close()
	server.Close()
}

// copy forwards src to dst in small chunks at the link's pace.
func (p *slowProxy) copy(dst, src net.Conn, l *link) {
	buf := make([]byte, 2048)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			l.take(n, p.rate.Load())
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// slowproxy NAME TARGETVAR BYTESPERSECOND: start a proxy to $TARGETVAR
// limited to that rate each way; $NAME is its address.
func cmdSlowProxy(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: slowproxy NAME TARGETVAR BYTESPERSECOND")
	}
	rate, err := strconv.ParseInt(args[2], 10, 64)
	if err != nil {
		ts.Fatalf("slowproxy: %v", err)
	}
	p, err := startSlowProxy(ts.Getenv(args[1]), rate)
	if err != nil {
		ts.Fatalf("slowproxy: %v", err)
	}
	ts.Defer(p.Close)
	ts.Setenv(args[0], p.Addr())
}

// TestKillLoop is issue 9's closing test: 30 SIGKILLs at random points of
// a sync through a bandwidth-limited link to the destination, then one
// clean run through the same link: the destination must equal the source
// (independent read) with no message more often than in the source.
func TestKillLoop(t *testing.T) {
	if _, err := harness.Binary(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: CI must run the end-to-end tests", err)
		}
		t.Skip(err)
	}
	// Not t.TempDir: Dovecot's processes must reach the mail below it.
	dir, err := os.MkdirTemp("", "imapx-killloop-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	d, err := harness.Start(filepath.Join(dir, "dovecot"), harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	for _, u := range []string{"user1", "user2"} {
		if err := d.AddUser(u, users[u]); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	if err := d.Seed("user1", users["user1"], imaptest.Mixed(400, now)); err != nil {
		t.Fatal(err)
	}
	p, err := startSlowProxy(d.PlainAddr(), 300<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	stateDir := filepath.Join(dir, "state")
	run := func(ctx context.Context) *exec.Cmd {
		cmd := exec.CommandContext(ctx, "imapx", "sync", "--statedir", stateDir,
			"imap://user1@"+d.PlainAddr()+"?tls=none", "imap://user2@"+p.Addr()+"?tls=none")
		cmd.Env = append(os.Environ(), "IMAPX_PASSWORD1="+users["user1"], "IMAPX_PASSWORD2="+users["user2"], "HOME="+dir)
		cmd.Dir = dir // sync's log file goes to LOG_imapx/ there
		return cmd
	}
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	start := time.Now()
	for i := 0; i < 30; i++ {
		cmd := run(context.Background())
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+rng.Intn(1200)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if cmd.ProcessState.Exited() {
			t.Logf("run %d ended before its kill: %s", i+1, cmd.ProcessState)
		}
		if at := bytes.Index(stderr.Bytes(), []byte("imapx: removed")); at >= 0 {
			t.Logf("run %d: %s", i+1, bytes.SplitN(stderr.Bytes()[at:], []byte("\n"), 2)[0])
		}
	}
	t.Logf("30 killed runs in %v", time.Since(start).Round(time.Millisecond))

	p.rate.Store(0) // the link recovers
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := run(ctx)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	t.Logf("clean run:\n%s", stderr.String())
	if err != nil {
		t.Fatalf("clean run: %v", err)
	}
	if !bytes.Contains(stderr.Bytes(), []byte("The sync looks good")) {
		t.Fatal("clean run: no 'looks good'")
	}
	src, _, err := d.ReadAll("user1", users["user1"])
	if err != nil {
		t.Fatal(err)
	}
	dst, _, err := d.ReadAll("user2", users["user2"])
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, m := range src {
		count[m.Key()]++
	}
	for _, m := range dst {
		count[m.Key()]--
	}
	extra, missing := 0, 0
	for k, n := range count {
		if n != 0 {
			if n < 0 {
				extra -= n
			} else {
				missing += n
			}
			if len(k) > 120 {
				k = k[:120]
			}
			t.Logf("%+d copies on the destination: %q", -n, k)
		}
	}
	if extra+missing > 0 {
		t.Fatalf("the destination (%d messages) holds %d copies too many and lacks %d of the source's %d", len(dst), extra, missing, len(src))
	}
	t.Logf("%d messages on each side, identical", len(src))
}

package test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"regexp"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/pipeline"
	"github.com/imapx/imapx/test/harness"
)

// commandCounter counts the commands the client sends on every
// connection of one side, as the server sees them.
type commandCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

var commandName = regexp.MustCompile(`^T\d+ (LOGIN|SELECT|EXAMINE) `)

func (cc *commandCounter) add(line []byte) {
	if m := commandName.FindSubmatch(line); m != nil {
		cc.mu.Lock()
		cc.counts[string(m[1])]++
		cc.mu.Unlock()
	}
}

func (cc *commandCounter) reset() {
	cc.mu.Lock()
	cc.counts = map[string]int{}
	cc.mu.Unlock()
}

func (cc *commandCounter) String() string {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return fmt.Sprintf("LOGIN %d, SELECT %d, EXAMINE %d", cc.counts["LOGIN"], cc.counts["SELECT"], cc.counts["EXAMINE"])
}

// countingConn passes the client's bytes on, reading its command lines.
type countingConn struct {
	net.Conn
	cc   *commandCounter
	line []byte
}

func (c *countingConn) Write(b []byte) (int, error) {
	for _, x := range b {
		c.line = append(c.line, x)
		if x == '\n' {
			c.cc.add(c.line)
			c.line = c.line[:0]
		}
	}
	return c.Conn.Write(b)
}

// countedLogin dials Dovecot for user, counting that side's commands.
func countedLogin(d *harness.Dovecot, user, pass string, cc *commandCounter) session.Dialer {
	return func(ctx context.Context) (*imapclient.Client, error) {
		raw, err := net.Dial("tcp", d.PlainAddr())
		if err != nil {
			return nil, err
		}
		c := imapclient.New(&countingConn{Conn: raw, cc: cc}, nil)
		if err := c.Login(user, pass).Wait(); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
}

// TestIncrementalSyncConnections: a re-sync after a few new messages and
// a flag change logs in once per side and selects the changed folder once
// per side, EXAMINE on host1 (never written), SELECT on host2 (the copy,
// the flags and the verify reuse it); the destination ends exact.
// Without the pool every phase dialed and selected anew: host1 2 logins
// and 2 EXAMINEs, host2 5 logins and 5 selections.
func TestIncrementalSyncConnections(t *testing.T) {
	d := harness.Require(t, harness.Options{})
	src, dst := "poolsrc", "pooldst"
	for _, u := range []string{src, dst} {
		if err := d.AddUser(u, "pw-"+u); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	msg := func(folder string, i int) imaptest.SeedMessage {
		return imaptest.SeedMessage{Folder: folder, Date: now.Add(time.Duration(i) * time.Minute),
			Raw: []byte(fmt.Sprintf("Subject: m%d\r\nMessage-ID: <pool%d@example.org>\r\n\r\nBody %d.\r\n", i, i, i))}
	}
	var seed []imaptest.SeedMessage
	for i := range 6 {
		seed = append(seed, msg("INBOX", i))
	}
	for i := 6; i < 9; i++ {
		seed = append(seed, msg("Archive", i))
	}
	if err := d.Seed(src, "pw-"+src, seed); err != nil {
		t.Fatal(err)
	}
	host1, host2 := &commandCounter{}, &commandCounter{}
	host1.reset()
	host2.reset()
	var log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := pipeline.Options{Connections: 4, Log: &log, StateDir: t.TempDir(), StateKey: src + ">" + dst}
	sync := func(what string) *pipeline.Report {
		t.Helper()
		log.Reset()
		host1.reset()
		host2.reset()
		rep, err := pipeline.Sync(ctx, countedLogin(d, src, "pw-"+src, host1), countedLogin(d, dst, "pw-"+dst, host2), o)
		if err != nil || rep.ExitCode != 0 || !rep.Looksgood {
			t.Fatalf("%s: err %v, exit %d, looks good %v\n%s", what, err, rep.ExitCode, rep.Looksgood, log.String())
		}
		return rep
	}
	sync("first sync")

	// Two new messages and a flag change in INBOX; Archive unchanged.
	if err := d.Seed(src, "pw-"+src, []imaptest.SeedMessage{msg("INBOX", 10), msg("INBOX", 11)}); err != nil {
		t.Fatal(err)
	}
	c, err := imapclient.DialInsecure(d.PlainAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(src, "pw-"+src).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.UIDSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagFlagged}, Silent: true}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	c.Logout().Wait()
	c.Close()

	rep := sync("re-sync")
	if rep.Copied != 2 || rep.FlagsChanged != 1 {
		t.Fatalf("re-sync copied %d, changed flags of %d; want 2 and 1\n%s", rep.Copied, rep.FlagsChanged, log.String())
	}
	if got, want := host1.String(), "LOGIN 1, SELECT 0, EXAMINE 1"; got != want {
		t.Errorf("host1: %s; want %s\n%s", got, want, log.String())
	}
	if got, want := host2.String(), "LOGIN 1, SELECT 1, EXAMINE 0"; got != want {
		t.Errorf("host2: %s; want %s\n%s", got, want, log.String())
	}

	// Checked apart from imapx: the destination holds what the source does.
	keys := func(user string) []string {
		msgs, _, err := d.ReadAll(user, "pw-"+user)
		if err != nil {
			t.Fatal(err)
		}
		var k []string
		for _, m := range msgs {
			k = append(k, m.Key())
		}
		sort.Strings(k)
		return k
	}
	if a, b := keys(src), keys(dst); fmt.Sprint(a) != fmt.Sprint(b) || len(a) != 11 {
		t.Errorf("destination differs from the source (%d and %d messages)", len(a), len(b))
	}
}

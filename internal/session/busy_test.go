package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/test/harness"
)

// A login refused because the user has too many connections (a killed
// run's are still counted) is waited out, and never reported as a wrong
// password: that was exit 162 after a SIGKILL loop.
func TestDialWaitsOutConnectionLimit(t *testing.T) {
	d := harness.Require(t, harness.Options{MaxConnsPerUserIP: 2})
	if err := d.AddUser("busy", "pw-busy"); err != nil {
		t.Fatal(err)
	}
	acct := func() *session.Account {
		a, err := session.ParseURL("imap://busy@" + d.PlainAddr() + "?tls=none")
		if err != nil {
			t.Fatal(err)
		}
		a.Password = "pw-busy"
		return a
	}
	ctx := context.Background()
	var held []*session.Conn
	for i := 0; i < 2; i++ {
		c, err := acct().Dial(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}

	// Full for good (here: longer than the caller waits): a connection
	// error, not an authentication one.
	short, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	_, err := acct().Dial(short, nil)
	cancel()
	if err == nil {
		t.Fatal("a third connection logged in past the limit of 2")
	}
	if code := exitcode.Of(err); code == exitcode.Auth {
		t.Fatalf("a full server reported as an authentication failure: %v", err)
	}

	// Freed a moment later: the dial waits and gets in.
	go func() {
		time.Sleep(time.Second)
		held[0].Logout().Wait()
		held[0].Close()
	}()
	start := time.Now()
	c, err := acct().Dial(ctx, nil)
	if err != nil {
		t.Fatalf("dial did not wait for a free connection: %v", err)
	}
	c.Close()
	held[1].Close()
	t.Logf("logged in after %s", time.Since(start).Round(time.Millisecond))
}

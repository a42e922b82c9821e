package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/progress"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/push"
)

// memPair starts a source with n messages and an empty destination.
func memPair(t *testing.T, n int) (src, dst session.Dialer) {
	t.Helper()
	srv, err := imaptest.StartMem([]imaptest.MemUser{
		{Name: "alice", Password: "pw", Messages: imaptest.Many(n, time.Now())},
		{Name: "bob", Password: "pw"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return memLogin(srv, "alice"), memLogin(srv, "bob")
}

// memLogin dials srv and logs user in (password "pw").
func memLogin(srv *imaptest.MemServer, user string) session.Dialer {
	return func(ctx context.Context) (*imapclient.Client, error) { return srv.Login(user, "pw") }
}

func TestSyncExitWhenOver(t *testing.T) {
	src, dst := memPair(t, 10)
	ctx := context.Background()
	var log bytes.Buffer
	rep, err := Sync(ctx, src, dst, Options{Log: &log, Throttle: push.NewThrottle(push.Limits{ExitWhenOver: 200})})
	if !errors.Is(err, push.ErrTransferLimit) || rep.ExitCode != exitcode.TransferExceeded {
		t.Fatalf("err = %v, exit %d; want the transfer limit, exit 118\n%s", err, rep.ExitCode, log.String())
	}
	if rep.Copied == 0 || rep.Copied >= 10 || rep.Errors != 0 || rep.Verified {
		t.Errorf("report = %+v: want some copied, no error, no verify\n%s", rep, log.String())
	}
	if strings.Contains(log.String(), "error") {
		t.Errorf("the stop logged errors:\n%s", log.String())
	}

	// A run without the limit copies the rest.
	first := rep.Copied
	rep, err = Sync(ctx, src, dst, Options{})
	if err != nil || rep.ExitCode != 0 || rep.Copied != 10-first || !rep.Looksgood {
		t.Fatalf("second run: %v, report %+v; want the other %d copied", err, rep, 10-first)
	}
}

func TestSyncProgressJSON(t *testing.T) {
	src, dst := memPair(t, 10)
	var out bytes.Buffer // written by Sync's goroutines only through the reporter's lock
	prog := progress.NewJSON(&out, 10*time.Millisecond)
	rep, err := Sync(context.Background(), src, dst, Options{
		Progress: prog, Throttle: push.NewThrottle(push.Limits{MessagesPerSecond: 200}),
	})
	if err != nil || rep.ExitCode != 0 {
		t.Fatalf("sync: %v, exit %d", err, rep.ExitCode)
	}
	ends := map[string]progress.Snapshot{}
	var order []string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var s progress.Snapshot
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil || s.Type != "progress" {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if s.Done {
			ends[s.Phase] = s
			order = append(order, s.Phase)
		}
	}
	if strings.Join(order, " ") != "inventory copy verify" {
		t.Fatalf("phases = %v, want inventory copy verify", order)
	}
	// Both inventories: 10 source messages, none on the destination yet.
	if s := ends["inventory"]; s.Messages != 10 {
		t.Errorf("inventory end = %+v, want 10 messages", s)
	}
	c := ends["copy"]
	if c.Messages != 10 || c.MessagesTotal != 10 || c.Bytes != c.BytesTotal || c.Bytes == 0 || c.Rate == 0 {
		t.Errorf("copy end = %+v, want 10 of 10 messages and all bytes", c)
	}
	// The verify re-reads the destination only (the source as copied is
	// what it is checked against).
	if s := ends["verify"]; s.Messages != 10 {
		t.Errorf("verify end = %+v, want the 10 destination messages re-read", s)
	}
}

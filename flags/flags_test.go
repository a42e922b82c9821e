package flags

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/session"
)

// start serves bob's INBOX with two messages (UIDs 1 and 2).
func start(t *testing.T) *imaptest.MemServer {
	t.Helper()
	now := time.Now()
	srv, err := imaptest.StartMem([]imaptest.MemUser{{Name: "bob", Password: "pw", Messages: []imaptest.SeedMessage{
		{Raw: []byte("Message-ID: <1@x>\r\n\r\none\r\n"), Date: now},
		{Raw: []byte("Message-ID: <2@x>\r\n\r\ntwo\r\n"), Date: now},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// inbox reads back how many INBOX messages there are and which are
// \Flagged, on a connection of its own.
func inbox(t *testing.T, srv *imaptest.MemServer) (uint32, []imap.UID) {
	t.Helper()
	n, flagged, err := srv.Look("bob", "pw", "INBOX", imap.FlagFlagged)
	if err != nil {
		t.Fatal(err)
	}
	return n, flagged
}

const plan = `{"type":"op","op":"flags","dst":{"folder":"INBOX","uid":1},"flags_add":["\\Flagged"]}
{"type":"op","op":"flags","dst":{"folder":"Gone","uid":1},"flags_add":["\\Flagged"]}
{"type":"op","op":"delete","dst":{"folder":"INBOX","uid":2}}
`

// A server's NO (a SELECT of a folder that is not there) fails that
// folder's ops; it is no lost connection: nothing is dialled again, and
// the other folder's ops are carried out.
func TestServerNoIsNotALostConnection(t *testing.T) {
	srv := start(t)
	var dials atomic.Int32
	dial := func(ctx context.Context) (*imapclient.Client, error) {
		dials.Add(1)
		return srv.Login("bob", "pw")
	}
	var log, out bytes.Buffer
	sum, err := Run(context.Background(), dial, Options{Log: &log, NoEnd: &log}, strings.NewReader(plan), "plan", &out)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, log.String())
	}
	if n := dials.Load(); n != 1 || strings.Contains(log.String(), "connection lost") {
		t.Fatalf("%d dials, log:\n%s\nwant 1 dial and no reconnect", n, log.String())
	}
	if sum.FlagsChanged != 1 || sum.Deleted != 1 || sum.Errors != 1 || sum.Code() != exitcode.Select {
		t.Errorf("summary %+v (code %d): want 1 flagged, 1 deleted, 1 error with the SELECT code", sum, sum.Code())
	}
	if n, flagged := inbox(t, srv); n != 1 || len(flagged) != 1 || flagged[0] != 1 {
		t.Errorf("INBOX: %d messages, flagged %v; want 1 message, UID 1 flagged", n, flagged)
	}
}

// The dry run goes through the gate: results say dry_run, the server is
// unchanged.
func TestDryRunChangesNothing(t *testing.T) {
	srv := start(t)
	dial := func(ctx context.Context) (*imapclient.Client, error) { return srv.Login("bob", "pw") }
	var log, out bytes.Buffer
	only := strings.ReplaceAll(plan, `{"type":"op","op":"flags","dst":{"folder":"Gone","uid":1},"flags_add":["\\Flagged"]}`+"\n", "")
	sum, err := Run(context.Background(), dial, Options{DryRun: true, Log: &log, NoEnd: &log}, strings.NewReader(only), "plan", &out)
	if err != nil || sum.Errors != 0 {
		t.Fatalf("Run: %v, %d errors\n%s", err, sum.Errors, log.String())
	}
	if got := strings.Count(out.String(), `"dry_run":true`); got != 2 {
		t.Errorf("%d dry-run results, want 2:\n%s", got, out.String())
	}
	if n, flagged := inbox(t, srv); n != 2 || len(flagged) != 0 {
		t.Errorf("INBOX after a dry run: %d messages, flagged %v; want 2 and none", n, flagged)
	}
}

// A connection lost under a folder is dialled again, and a re-dial that
// fails is retried too (the server restarting): the folder is applied
// once a connection holds.
func TestRedialsAfterALostConnection(t *testing.T) {
	srv := start(t)
	var dials atomic.Int32
	dial := func(ctx context.Context) (*imapclient.Client, error) {
		switch dials.Add(1) {
		case 1:
			// Lost before its first command.
			c, err := srv.Login("bob", "pw")
			if err == nil {
				c.Close()
			}
			return c, err
		case 2:
			return nil, exitcode.Newf(exitcode.Connection, "cannot connect: connection refused")
		}
		return srv.Login("bob", "pw")
	}
	var log, out bytes.Buffer
	only := strings.Split(plan, "\n")[0] + "\n"
	sum, err := Run(context.Background(), session.Dialer(dial), Options{Log: &log, NoEnd: &log}, strings.NewReader(only), "plan", &out)
	if err != nil || sum.Errors != 0 || sum.FlagsChanged != 1 {
		t.Fatalf("Run: %v, summary %+v\n%s", err, sum, log.String())
	}
	if n := dials.Load(); n != 3 || !strings.Contains(log.String(), "connection lost") {
		t.Errorf("%d dials, log:\n%s\nwant 3 dials and a reconnect warning", n, log.String())
	}
	if _, flagged := inbox(t, srv); len(flagged) != 1 || flagged[0] != 1 {
		t.Errorf("flagged %v, want UID 1", flagged)
	}
}

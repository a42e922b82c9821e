package mutate

import (
	"errors"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/imaptest"
)

// TestDryRunChangesNothing sends every write through a dry-run Gate to a
// server and reads back that nothing changed; the same writes through a
// live Gate do change it (the test can see a change).
func TestDryRunChangesNothing(t *testing.T) {
	srv, err := imaptest.StartMem([]imaptest.MemUser{{Name: "u", Password: "pw", Messages: imaptest.Many(3, time.Now())}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := srv.Login("u", "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	state := func() (folders int, messages uint32, flagged int) {
		list, err := c.List("", "*", nil).Collect()
		if err != nil {
			t.Fatal(err)
		}
		n, found, err := srv.Look("u", "pw", "INBOX", imap.FlagFlagged)
		if err != nil {
			t.Fatal(err)
		}
		return len(list), n, len(found)
	}
	writes := func(g Gate) []error {
		var errs []error
		errs = append(errs, g.Create(c, "New", nil))
		if cmd, err := g.Append(c, "INBOX", 4, nil); err != nil {
			errs = append(errs, err)
		} else {
			cmd.Write([]byte("a\r\n\r"))
			if err := cmd.Close(); err != nil {
				t.Fatal(err)
			}
			_, err := cmd.Wait()
			errs = append(errs, err)
		}
		if _, err := g.Select(c, "INBOX").Wait(); err != nil {
			t.Fatal(err)
		}
		if cmd, err := g.Store(c, imap.UIDSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagFlagged}}); err != nil {
			errs = append(errs, err)
		} else {
			errs = append(errs, cmd.Close())
		}
		return errs
	}
	f0, m0, fl0 := state()
	for _, err := range writes(Gate{Dry: true}) {
		if !errors.Is(err, ErrDryRun) {
			t.Errorf("dry run: got %v, want ErrDryRun", err)
		}
	}
	if f, m, fl := state(); f != f0 || m != m0 || fl != fl0 {
		t.Fatalf("dry run changed the server: folders %d→%d, messages %d→%d, flagged %d→%d", f0, f, m0, m, fl0, fl)
	}
	for _, err := range writes(Gate{}) {
		if err != nil {
			t.Fatalf("live gate: %v", err)
		}
	}
	if f, m, fl := state(); f != f0+1 || m != m0+1 || fl != fl0+1 {
		t.Fatalf("live gate: folders %d→%d, messages %d→%d, flagged %d→%d; want one more each", f0, f, m0, m, fl0, fl)
	}
}

package push

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/imapx/imapx/internal/links"
	"github.com/imapx/imapx/internal/stream"
	"github.com/imapx/imapx/test/harness"
)

// rewritten marks every message of a source as rewritten, with an
// identity of its own ("src:N"), as `imapx rewrite` hands them to push.
type rewritten struct {
	src Source
	n   int
}

func (r *rewritten) Next() (*stream.Item, error) {
	it, err := r.src.Next()
	if err == nil && it.Msg != nil {
		r.n++
		it.Msg.Ident, it.Msg.Rewritten = fmt.Sprintf("src:%d", r.n), []string{"pipemess"}
	}
	return it, err
}

// The messages of a MULTIAPPEND whose answer was lost, found on the
// server after the reconnect, are linked to their source like those
// answered (they once got no link: found with no UIDVALIDITY, and the
// next diff saw rewritten copies nobody knew, and copied them again).
func TestLinksForMessagesFoundAfterCut(t *testing.T) {
	d := dovecotFor(t, harness.Options{})
	px := startTamper(t, d.PlainAddr())
	px.loseAnswer = 2
	l, err := links.Open(filepath.Join(t.TempDir(), "pair.links"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var log bytes.Buffer
	sum, err := RunFrom(context.Background(), px.dial(fuser, fpass), Options{Log: &log, Links: l},
		&rewritten{src: &msgs{list: []msgSpec{{folder: "INBOX", n: 300, size: 3000}}}}, io.Discard)
	t.Logf("log:\n%s", log.String())
	if err != nil || sum.Appended != 300 || sum.Errors != 0 || px.cuts != 1 {
		t.Fatalf("push: %+v, %v, %d cuts; want 300 appended, no error, one cut", sum, err, px.cuts)
	}
	c, err := d.Client(fuser, fpass)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := d.ReadAll(fuser, fpass)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range all {
		id, ok := l.Ident("INBOX", sel.UIDValidity, uint32(m.UID))
		if !ok || seen[id] {
			t.Errorf("INBOX UID %d: link %q, %v (or linked twice)", m.UID, id, ok)
		}
		seen[id] = true
	}
	if len(all) != 300 || len(seen) != 300 {
		t.Errorf("destination holds %d messages, %d linked; want 300 each", len(all), len(seen))
	}
}

package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/mutate"
	"github.com/imapx/imapx/internal/selection"
)

// expungeSource is imapsync's --expunge1: the messages already flagged
// \Deleted in the selected source folders are expunged before the folders
// are read, so they are neither copied nor counted. (--delete1 on its own
// expunges exactly the messages it deleted, see delete1.)
func (s *syncer) expungeSource(ctx context.Context) error {
	c, sel, err := s.sourceConn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	fs, err := folders.List(ctx, c, folders.Options{Selector: sel})
	if err != nil {
		return exitcode.ForHost(err, 1)
	}
	gate := mutate.Gate{Dry: s.o.DryRun}
	n := 0
	for _, f := range fs {
		if hasAttr(f.Attrs, `\Noselect`) || hasAttr(f.Attrs, `\NonExistent`) || (f.Messages != nil && *f.Messages == 0) {
			continue
		}
		if _, err := gate.Select(c, f.Name).Wait(); err != nil {
			s.countError(exitcode.New(exitcode.Select, fmt.Errorf("--expunge1: SELECT %q: %w", f.Name, err)))
			continue
		}
		cmd, err := gate.Expunge(c)
		var gone []uint32
		if err == nil {
			gone, err = cmd.Collect()
		}
		if err != nil {
			s.countError(exitcode.ForHost(fmt.Errorf("--expunge1: EXPUNGE %q: %w", f.Name, err), 1))
			continue
		}
		n += len(gone)
	}
	fmt.Fprintf(s.log, "imapx: expunge1: expunged %d messages flagged \\Deleted on host1\n", n)
	return nil
}

// sourceConn is a connection to host1 and the folder selection, for the
// work sync does on the source's folders around the copy (--expunge1,
// --delete1emptyfolders).
func (s *syncer) sourceConn(ctx context.Context) (*imapclient.Client, *selection.Selector, error) {
	sel, err := selection.New(s.o.Selection)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.src(ctx)
	if err != nil {
		return nil, nil, exitcode.ForHost(err, 1)
	}
	return c, sel, nil
}

func hasAttr(attrs []string, a string) bool {
	for _, x := range attrs {
		if strings.EqualFold(x, a) {
			return true
		}
	}
	return false
}

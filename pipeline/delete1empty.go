package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/mutate"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/session"
)

// deleteEmptySource is imapsync's --delete1emptyfolders: the selected
// source folders holding no message are deleted, INBOX and folders with
// subfolders excepted, deepest first (so a parent emptied of its children
// goes too, \Noselect placeholders included). A sync runs it before
// reading (an empty folder is then not created on host2) and, with
// --delete1, once the copied messages are deleted.
func (s *syncer) deleteEmptySource(ctx context.Context) error {
	c, sel, err := s.sourceConn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	all, err := folders.List(ctx, c, folders.Options{})
	if err != nil {
		return exitcode.ForHost(err, 1)
	}
	names := map[string]bool{}
	for _, f := range all {
		names[f.Name] = true
	}
	var chosen []record.Folder
	for _, f := range all {
		if sel.Match(f.Name, f.Delim, f.Subscribed) {
			chosen = append(chosen, f)
		}
	}
	sort.Slice(chosen, func(i, j int) bool { return chosen[i].Name > chosen[j].Name })
	gate := mutate.Gate{Dry: s.o.DryRun}
	n := 0
	for _, f := range chosen {
		// A \Noselect parent left without children is empty too.
		empty := !folders.Selectable(&f) || f.Messages != nil && *f.Messages == 0
		if strings.EqualFold(f.Name, "INBOX") || !empty || hasChild(names, f.Name, f.Delim) {
			continue
		}
		if err := session.Leave(c, f.Name); session.IsConnError(err) {
			return exitcode.ForHost(err, 1)
		}
		if err := gate.Delete(c, f.Name); err != nil && !errors.Is(err, mutate.ErrDryRun) {
			s.countError(exitcode.ForHost(fmt.Errorf("--delete1emptyfolders: DELETE %q: %w", f.Name, err), 1))
			continue
		}
		delete(names, f.Name)
		n++
	}
	fmt.Fprintf(s.log, "imapx: delete1emptyfolders: deleted %d empty folders on host1\n", n)
	return nil
}

func hasChild(names map[string]bool, name, delim string) bool {
	if delim == "" {
		return false
	}
	for n := range names {
		if strings.HasPrefix(n, name+delim) {
			return true
		}
	}
	return false
}

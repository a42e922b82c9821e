// Package folders reads an account's folder list with each folder's status,
// in as few round trips as the server allows: LIST-STATUS when it has it,
// otherwise one pipelined STATUS per folder, never one round trip each.
package folders

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/selection"
)

// specialUse are the RFC 6154 attributes, reported in special_use too.
var specialUse = map[imap.MailboxAttr]bool{
	imap.MailboxAttrAll: true, imap.MailboxAttrArchive: true, imap.MailboxAttrDrafts: true,
	imap.MailboxAttrFlagged: true, imap.MailboxAttrJunk: true, imap.MailboxAttrSent: true,
	imap.MailboxAttrTrash: true, imap.MailboxAttrImportant: true,
}

// Options say which folders and what to learn about them.
type Options struct {
	Selector *selection.Selector // nil selects every folder
	// Sizes adds each folder's total bytes (sum of RFC822.SIZE).
	Sizes bool
}

// List returns the selected folders, INBOX first, then by name.
func List(ctx context.Context, c *imapclient.Client, o Options) ([]record.Folder, error) {
	caps := c.Caps()
	statusOpts := &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, NumUnseen: true}
	if caps.Has(imap.CapCondStore) {
		statusOpts.HighestModSeq = true
	}
	if o.Sizes && (caps.Has(imap.CapStatusSize) || caps.Has(imap.CapIMAP4rev2)) {
		statusOpts.Size = true
	}
	listOpts := &imap.ListOptions{}
	extended := caps.Has(imap.CapListExtended) || caps.Has(imap.CapIMAP4rev2)
	if extended {
		listOpts.ReturnSubscribed = true
	}
	if caps.Has(imap.CapSpecialUse) && extended {
		listOpts.ReturnSpecialUse = true
	}
	listStatus := caps.Has(imap.CapListStatus) || caps.Has(imap.CapIMAP4rev2)
	if listStatus {
		listOpts.ReturnStatus = statusOpts
	}
	if !extended {
		listOpts = nil
	}
	var nsCmd *imapclient.NamespaceCommand
	if caps.Has(imap.CapNamespace) || caps.Has(imap.CapIMAP4rev2) {
		nsCmd = c.Namespace() // pipelined with the LIST
	}
	data, err := c.List("", "*", listOpts).Collect()
	if err != nil {
		return nil, exitcode.New(exitcode.Select, fmt.Errorf("LIST: %w", err))
	}
	prefix := ""
	if nsCmd != nil {
		if ns, err := nsCmd.Wait(); err == nil && len(ns.Personal) > 0 {
			prefix = ns.Personal[0].Prefix
		}
	}

	var out []record.Folder
	var listed []string
	for _, d := range data {
		listed = append(listed, d.Mailbox)
		f := fromList(d)
		f.Prefix = prefix
		if o.Selector != nil && !o.Selector.Match(f.Name, f.Delim, f.Subscribed) {
			continue
		}
		out = append(out, f)
	}
	if o.Selector != nil {
		if missing := o.Selector.Missing(listed); len(missing) > 0 {
			return nil, exitcode.Newf(exitcode.Select, "no such folder: %s", strings.Join(missing, ", "))
		}
		if !extended && o.Selector.SubscribedOnly() {
			return nil, exitcode.Newf(exitcode.Usage, "--subscribed needs a server with LIST-EXTENDED")
		}
	}
	sortFolders(out)

	if !listStatus {
		if err := pipelineStatus(c, out, statusOpts); err != nil {
			return nil, err
		}
	} else {
		applyListStatus(out, data)
	}
	if o.Sizes && !statusOpts.Size {
		if err := fetchSizes(ctx, c, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func fromList(d *imap.ListData) record.Folder {
	f := record.Folder{Type: record.TypeFolder, Name: d.Mailbox, Attrs: []string{}}
	if d.Delim != 0 {
		f.Delim = string(d.Delim)
	}
	for _, a := range d.Attrs {
		f.Attrs = append(f.Attrs, string(a))
		if specialUse[a] && f.SpecialUse == "" {
			f.SpecialUse = string(a)
		}
		if a == imap.MailboxAttrSubscribed {
			f.Subscribed = true
		}
	}
	if d.ChildInfo != nil && d.ChildInfo.Subscribed {
		f.Subscribed = true
	}
	return f
}

// Selectable reports whether a folder can hold messages.
func Selectable(f *record.Folder) bool {
	for _, a := range f.Attrs {
		if strings.EqualFold(a, string(imap.MailboxAttrNoSelect)) || strings.EqualFold(a, string(imap.MailboxAttrNonExistent)) {
			return false
		}
	}
	return true
}

func sortFolders(fs []record.Folder) {
	sort.SliceStable(fs, func(i, j int) bool {
		ii, ji := strings.EqualFold(fs[i].Name, "INBOX"), strings.EqualFold(fs[j].Name, "INBOX")
		if ii != ji {
			return ii
		}
		return fs[i].Name < fs[j].Name
	})
}

func applyStatus(f *record.Folder, s *imap.StatusData) {
	f.Messages = s.NumMessages
	f.Unseen = s.NumUnseen
	f.Size = s.Size
	f.UIDValidity = s.UIDValidity
	f.UIDNext = uint32(s.UIDNext)
	f.HighestModSeq = s.HighestModSeq
}

func applyListStatus(out []record.Folder, data []*imap.ListData) {
	byName := make(map[string]*imap.StatusData, len(data))
	for _, d := range data {
		if d.Status != nil {
			byName[d.Mailbox] = d.Status
		}
	}
	for i := range out {
		if s := byName[out[i].Name]; s != nil {
			applyStatus(&out[i], s)
		}
	}
}

// pipelineStatus sends every STATUS before waiting for the first answer.
func pipelineStatus(c *imapclient.Client, out []record.Folder, o *imap.StatusOptions) error {
	cmds := make([]*imapclient.StatusCommand, len(out))
	for i := range out {
		if Selectable(&out[i]) {
			cmds[i] = c.Status(out[i].Name, o)
		}
	}
	var firstErr error
	for i, cmd := range cmds {
		if cmd == nil {
			continue
		}
		s, err := cmd.Wait()
		if err != nil {
			if firstErr == nil {
				firstErr = exitcode.New(exitcode.Select, fmt.Errorf("STATUS %q: %w", out[i].Name, err))
			}
			continue
		}
		applyStatus(&out[i], s)
	}
	return firstErr
}

// fetchSizes sums RFC822.SIZE per folder for servers without STATUS=SIZE.
// EXAMINE and UID FETCH are pipelined folder after folder; each FETCH is
// drained in order, so no response waits behind an unread one.
func fetchSizes(ctx context.Context, c *imapclient.Client, out []record.Folder) error {
	type job struct {
		i     int
		sel   *imapclient.SelectCommand
		fetch *imapclient.FetchCommand
	}
	var jobs []job
	for i := range out {
		f := &out[i]
		if !Selectable(f) {
			continue
		}
		if f.Messages != nil && *f.Messages == 0 {
			zero := int64(0)
			f.Size = &zero
			continue
		}
		sel := c.Select(f.Name, &imap.SelectOptions{ReadOnly: true})
		all := imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}
		fetch := c.Fetch(all, &imap.FetchOptions{RFC822Size: true})
		jobs = append(jobs, job{i, sel, fetch})
	}
	var firstErr error
	for _, j := range jobs {
		if _, err := j.sel.Wait(); err != nil && firstErr == nil {
			firstErr = exitcode.New(exitcode.Select, fmt.Errorf("EXAMINE %q: %w", out[j.i].Name, err))
		}
		var total int64
		for {
			msg := j.fetch.Next()
			if msg == nil {
				break
			}
			for item := msg.Next(); item != nil; item = msg.Next() {
				if sz, ok := item.(imapclient.FetchItemDataRFC822Size); ok {
					total += sz.Size
				}
			}
		}
		if err := j.fetch.Close(); err != nil {
			if firstErr == nil {
				firstErr = exitcode.New(exitcode.Fetch, fmt.Errorf("FETCH sizes in %q: %w", out[j.i].Name, err))
			}
			continue
		}
		out[j.i].Size = &total
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return firstErr
}

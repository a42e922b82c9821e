package push

import (
	"context"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/session"
)

// folderOf is the destination folder of a message: --folder, else the
// plan's dst_folder (already in the destination's naming), else its
// record's folder mapped from the source's naming to the destination's.
func (p *pusher) folderOf(ctx context.Context, m *record.Message) (string, error) {
	if p.o.Folder != "" {
		return p.optionFolder(ctx)
	}
	if m.DstFolder != "" {
		return m.DstFolder, nil
	}
	if m.Folder == "" {
		return "INBOX", nil
	}
	return p.dstName(ctx, m.Folder)
}

// optionFolder maps --folder, written in the destination's delimiter,
// under the destination's prefix: "Restored" is "INBOX.Restored" on a
// Courier-style account.
func (p *pusher) optionFolder(ctx context.Context) (string, error) {
	if _, err := p.client(ctx); err != nil && p.dst == nil {
		return "", err
	}
	name := p.o.Folder
	if p.dst == nil || p.dst.Prefix == "" || strings.EqualFold(name, "INBOX") || strings.HasPrefix(name, p.dst.Prefix) {
		return name, nil
	}
	return folders.MapName(name, folders.Naming{Delim: p.dst.Delim}, *p.dst, nil), nil
}

// dstName maps a folder name of the records' source to the
// destination's naming, as sync maps it. Records without folder records
// (an mbox) do not say their naming: a name under "INBOX." is taken as
// Courier/Cyrus-style, any other as "/"-separated.
func (p *pusher) dstName(ctx context.Context, name string) (string, error) {
	if p.dst == nil {
		if _, err := p.client(ctx); err != nil {
			return "", err
		}
	}
	src := p.src
	if !p.srcKnown {
		src = folders.Naming{Delim: "/"}
		if len(name) > 6 && strings.EqualFold(name[:6], "INBOX.") {
			src = folders.Naming{Delim: ".", Prefix: name[:6]}
		}
	}
	if d, ok := p.o.F1F2[name]; ok {
		return d, nil
	}
	return p.o.Mapping.Mapper(src, *p.dst, nil, nil).Map(name), nil
}

// folderSpec is what the source says of a folder to create.
type folderSpec struct {
	subscribe  bool
	specialUse string // `\Sent`…: set where the server has CREATE-SPECIAL-USE
	src        *record.Ref
}

// ensureFolder creates a destination folder unless it exists, subscribing
// it when the source folder was subscribed. A folder the server refuses
// to create fails its messages, not the push.
func (p *pusher) ensureFolder(ctx context.Context, name string, spec folderSpec) error {
	if p.folderErr[name] != nil {
		return nil
	}
	if p.folders == nil {
		if err := p.listFolders(ctx); err != nil {
			return err
		}
	}
	if p.folders[name] {
		return nil
	}
	res := &record.Result{Type: record.TypeResult, Op: record.OpCreateFolder, OK: true, Src: spec.src, Dst: &record.Ref{Folder: name}}
	if bad := badName(name); bad != "" {
		p.createFailed(res, exitcode.Newf(exitcode.Create, "create folder %q: %s", name, bad))
		return nil
	}
	if p.gate.DryRun() {
		p.folders[name] = true
		res.DryRun = true
		p.write(res)
		return nil
	}
	use := p.useAttrs(spec.specialUse)
	refusal, err := p.create(ctx, name, use)
	if err != nil {
		return err
	}
	if refusal != nil {
		// "Already exists" (a parallel connection, or the server creating
		// parents itself, as Cyrus does) is success once LIST shows it.
		exists, lerr := p.listed(ctx, name)
		if lerr != nil {
			return lerr
		}
		if !exists && use != nil {
			// Refused for the special use (RFC 6154's [USEATTR]: one the
			// server does not support, or already on another folder): the
			// folder must still exist, without it.
			fmt.Fprintf(p.o.Log, "imapx: warning: create folder %q with special use %s: %v; creating it without\n", name, spec.specialUse, refusal)
			if refusal, err = p.create(ctx, name, nil); err != nil {
				return err
			}
			exists = refusal == nil
		}
		if !exists {
			p.createFailed(res, exitcode.New(exitcode.Create, fmt.Errorf("create folder %q: %w", name, refusal)))
			return nil
		}
	}
	if refusal == nil {
		p.sum.FoldersCreated++
		p.write(res)
	}
	p.folders[name] = true
	if spec.subscribe {
		err := p.gate.Subscribe(p.c, name)
		// A throttling server's NO or BAD leaves the connection as it was:
		// ask again after its wait.
		for try := 0; err != nil && try < 5 && session.Throttled(err) && ctx.Err() == nil; try++ {
			if serr := session.Sleep(ctx, session.ThrottleWait(try, err)); serr != nil {
				return serr
			}
			err = p.gate.Subscribe(p.c, name)
		}
		if err != nil {
			fmt.Fprintf(p.o.Log, "imapx: warning: SUBSCRIBE %q: %v\n", name, err)
		}
	}
	return nil
}

// useAttrs is the CREATE option setting a special use, where the
// destination offers CREATE-SPECIAL-USE (RFC 6154), so that mail
// clients find Sent, Drafts, Trash… there; nil otherwise.
func (p *pusher) useAttrs(specialUse string) *imap.CreateOptions {
	if specialUse == "" || p.c == nil || !p.c.Caps().Has(imap.CapCreateSpecialUse) {
		return nil
	}
	return &imap.CreateOptions{SpecialUse: []imap.MailboxAttr{imap.MailboxAttr(specialUse)}}
}

// create sends CREATE, again after a lost connection; it returns the
// server's refusal (an *imap.Error) or nil, and an error only when the
// connection cannot be recovered.
func (p *pusher) create(ctx context.Context, name string, opts *imap.CreateOptions) (refusal, err error) {
	for {
		c, err := p.client(ctx)
		if err != nil {
			return nil, err
		}
		// Earlier APPENDs may target other folders; CREATE is simply queued
		// behind them on the same connection, once an open MULTIAPPEND ends.
		err = p.closeBatch()
		if err == nil {
			err = p.gate.Create(c, name, opts)
			if err == nil || !session.IsConnError(err) {
				return err, nil
			}
		}
		if err := p.recover(ctx, err); err != nil {
			return nil, err
		}
	}
}

func (p *pusher) createFailed(res *record.Result, err error) {
	p.failFolder(res.Dst.Folder, err)
	res.OK, res.Error, res.Code = false, err.Error(), exitcode.Create
	p.write(res)
}

// listFolders learns which destination folders exist.
func (p *pusher) listFolders(ctx context.Context) error {
	for {
		c, err := p.client(ctx)
		if err != nil {
			return err
		}
		var list []*imap.ListData
		err = p.closeBatch()
		if err == nil {
			list, err = c.List("", "*", nil).Collect()
		}
		if session.IsConnError(err) {
			if err := p.recover(ctx, err); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return exitcode.New(exitcode.Select, fmt.Errorf("LIST: %w", err))
		}
		p.folders = map[string]bool{"INBOX": true}
		for _, d := range list {
			if !hasAttr(d.Attrs, imap.MailboxAttrNonExistent) && !hasAttr(d.Attrs, imap.MailboxAttrNoSelect) {
				p.folders[d.Mailbox] = true
			}
		}
		return nil
	}
}

// listed reports whether LIST shows name as a folder that can hold mail.
func (p *pusher) listed(ctx context.Context, name string) (bool, error) {
	c, err := p.client(ctx)
	if err != nil {
		return false, err
	}
	list, err := c.List("", name, nil).Collect()
	if err != nil {
		if session.IsConnError(err) {
			return false, err
		}
		return false, nil
	}
	for _, d := range list {
		if d.Mailbox == name && !hasAttr(d.Attrs, imap.MailboxAttrNonExistent) && !hasAttr(d.Attrs, imap.MailboxAttrNoSelect) {
			return true, nil
		}
	}
	return false, nil
}

// badName says why a name cannot be sent at all: control characters
// (NUL, CR, LF…) cannot travel in an IMAP string, and a server meeting
// them may drop the connection rather than answer NO.
func badName(name string) string {
	if name == "" {
		return "empty folder name"
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Sprintf("folder name contains the control character %U", r)
		}
	}
	return ""
}

// selectable reports whether a folder record's attributes let it hold
// mail (not \Noselect, not \NonExistent).
func selectable(attrs []string) bool {
	for _, a := range attrs {
		if strings.EqualFold(a, string(imap.MailboxAttrNoSelect)) || strings.EqualFold(a, string(imap.MailboxAttrNonExistent)) {
			return false
		}
	}
	return true
}

func hasAttr(attrs []imap.MailboxAttr, a imap.MailboxAttr) bool {
	for _, x := range attrs {
		if x == a {
			return true
		}
	}
	return false
}

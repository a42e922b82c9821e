package push

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/record"
)

// ensureFolder creates a destination folder unless it exists, subscribing
// it when the source folder was subscribed.
func (p *pusher) ensureFolder(ctx context.Context, name string, subscribe bool, src *record.Ref) error {
	c, err := p.client(ctx)
	if err != nil {
		return err
	}
	if p.folders == nil {
		if err := p.closeBatch(); err != nil {
			return err
		}
		p.folders = map[string]bool{}
		list, err := c.List("", "*", nil).Collect()
		if err != nil {
			return exitcode.New(exitcode.Select, fmt.Errorf("LIST: %w", err))
		}
		for _, d := range list {
			if !hasAttr(d.Attrs, imap.MailboxAttrNonExistent) && !hasAttr(d.Attrs, imap.MailboxAttrNoSelect) {
				p.folders[d.Mailbox] = true
			}
		}
		p.folders["INBOX"] = true
	}
	if p.folders[name] {
		return nil
	}
	res := &record.Result{Type: record.TypeResult, Op: record.OpCreateFolder, OK: true, Src: src, Dst: &record.Ref{Folder: name}}
	if p.o.DryRun {
		p.folders[name] = true
		res.DryRun = true
		p.write(res)
		return nil
	}
	// Earlier APPENDs may target other folders; CREATE is simply queued
	// behind them on the same connection, once an open MULTIAPPEND ends.
	if err := p.closeBatch(); err != nil {
		return err
	}
	if err := c.Create(name, nil).Wait(); err != nil {
		var imapErr *imap.Error
		if !errors.As(err, &imapErr) {
			return err
		}
		if imapErr.Code != imap.ResponseCodeAlreadyExists {
			// A folder that cannot be created fails its messages, not the run.
			cerr := exitcode.New(exitcode.Create, fmt.Errorf("CREATE %q: %w", name, err))
			p.sum.Errors++
			if p.sum.FirstError == nil {
				p.sum.FirstError = cerr
			}
			fmt.Fprintf(p.o.Log, "imapx: error: %v\n", cerr)
			res.OK, res.Error, res.Code = false, cerr.Error(), exitcode.Create
			p.write(res)
			return nil
		}
	} else {
		p.sum.FoldersCreated++
		p.write(res)
	}
	p.folders[name] = true
	if subscribe {
		if err := c.Subscribe(name).Wait(); err != nil {
			fmt.Fprintf(p.o.Log, "imapx: warning: SUBSCRIBE %q: %v\n", name, err)
		}
	}
	return nil
}

func hasAttr(attrs []imap.MailboxAttr, a imap.MailboxAttr) bool {
	for _, x := range attrs {
		if x == a {
			return true
		}
	}
	return false
}

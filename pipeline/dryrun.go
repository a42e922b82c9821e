package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/textproto"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/record"
)

// listDry writes what a --dry run would do, change by change, as
// imapsync's --dry does: each folder created, each message copied (source
// folder, UID, size, flags, Subject), each flag change and deletion. The
// Subjects are fetched from the source, one UID FETCH of that header
// field per folder: the inventory does not hold them.
func (s *syncer) listDry(ctx context.Context, plan io.Reader, w io.Writer) error {
	var ops []record.Op
	uids := map[string][]imap.UID{}
	err := readScratch(plan, "plan").Each(func(l *record.Line) error {
		var op record.Op
		if err := l.DecodeOnly(&op); err != nil {
			return err
		}
		ops = append(ops, op)
		if op.Op == record.OpCopy && op.Src != nil {
			uids[op.Src.Folder] = append(uids[op.Src.Folder], imap.UID(op.Src.UID))
		}
		return nil
	})
	if err != nil {
		return err
	}
	subjects, err := s.subjects(ctx, uids)
	if err != nil {
		return err
	}
	for _, op := range ops {
		if op.Dst == nil || op.Op == record.OpCopy && op.Src == nil {
			continue
		}
		switch op.Op {
		case record.OpCreateFolder:
			fmt.Fprintf(w, "dry: create folder %q\n", op.Dst.Folder)
		case record.OpCopy:
			subject := subjects[op.Src.Folder][imap.UID(op.Src.UID)]
			fmt.Fprintf(w, "dry: copy %q UID %d (%d bytes) [%s] to %q: Subject: %s\n",
				op.Src.Folder, op.Src.UID, op.Size, strings.Join(op.Flags, " "), op.Dst.Folder, subject)
		case record.OpFlags:
			fmt.Fprintf(w, "dry: flags %q UID %d on host2:%s%s\n", op.Dst.Folder, op.Dst.UID,
				prefixed(" +", op.FlagsAdd), prefixed(" -", op.FlagsRemove))
		case record.OpDelete:
			fmt.Fprintf(w, "dry: delete %q UID %d on host2\n", op.Dst.Folder, op.Dst.UID)
		case record.OpDeleteFolder:
			fmt.Fprintf(w, "dry: delete folder %q on host2\n", op.Dst.Folder)
		}
	}
	return nil
}

func prefixed(p string, flags []string) string {
	var b strings.Builder
	for _, f := range flags {
		b.WriteString(p + f)
	}
	return b.String()
}

// subjects reads the decoded Subject of the given source messages, per
// folder and UID.
func (s *syncer) subjects(ctx context.Context, uids map[string][]imap.UID) (map[string]map[imap.UID]string, error) {
	out := map[string]map[imap.UID]string{}
	if len(uids) == 0 {
		return out, nil
	}
	c, err := s.src(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	section := &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Subject"}}
	dec := &mime.WordDecoder{}
	for folder, list := range uids {
		if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			return nil, fmt.Errorf("dry run: SELECT %q: %w", folder, err)
		}
		msgs, err := c.Fetch(imap.UIDSetNum(list...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return nil, fmt.Errorf("dry run: UID FETCH Subject in %q: %w", folder, err)
		}
		out[folder] = map[imap.UID]string{}
		for _, m := range msgs {
			h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(m.FindBodySection(section)))).ReadMIMEHeader()
			subj := h.Get("Subject")
			if d, err := dec.DecodeHeader(subj); err == nil {
				subj = d
			}
			out[folder][m.UID] = subj
		}
	}
	c.Logout().Wait()
	return out, nil
}

// dryList lists the plan when asked to (Options.DryList).
func (s *syncer) dryList(ctx context.Context, plan *tempFile) error {
	if s.o.DryList == nil {
		return nil
	}
	r, err := plan.rewind()
	if err != nil {
		return err
	}
	return s.listDry(ctx, r, s.o.DryList)
}

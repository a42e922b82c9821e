package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/mutate"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/session"
)

// gmailExt is Gmail's capability for X-GM-LABELS and the other items.
const gmailExt = "X-GM-EXT-1"

// checkLabels2 asks host2 whether it takes labels; without X-GM-EXT-1
// each label stays a copy in its folder, as without --gmail2.
func (s *syncer) checkLabels2(ctx context.Context) error {
	c, err := s.dst(ctx)
	if err != nil {
		return exitcode.ForHost(err, 2)
	}
	s.labels2 = c.Caps().Has(gmailExt)
	session.Release(c)
	if !s.labels2 && !s.o.SyncLabels && !s.o.SkipCrossDuplicates {
		fmt.Fprintf(s.log, "imapx: note: host2 offers no %s: a message in several folders is copied into each\n", gmailExt)
	}
	return nil
}

// gmailLabel is the label STORE X-GM-LABELS takes for a host2 folder:
// Gmail's system labels for INBOX and the special folders, else the name.
func gmailLabel(folder string, f *record.Folder) string {
	if strings.EqualFold(folder, "INBOX") {
		return `\Inbox`
	}
	if f != nil {
		switch f.SpecialUse {
		case `\Sent`:
			return `\Sent`
		case `\Drafts`:
			return `\Draft`
		case `\Flagged`:
			return `\Starred`
		case `\Important`:
			return `\Important`
		case `\All`:
			return "" // every message is in All Mail: no label to set
		}
	}
	return folder
}

// where a message is on host2.
type dstPlace struct {
	folder string
	uid    uint32
}

// applyLabels carries out the plan's label ops: each message host2
// holds (from its inventory, or copied by this run) gets the labels of
// the folders it was planned for, by one STORE +X-GM-LABELS per message,
// grouped by the folder it is selected in. STORE +X-GM-LABELS is
// idempotent: a lost connection re-dials and does the folder again.
func (s *syncer) applyLabels(ctx context.Context, inv *inventory, plan, results *tempFile) error {
	if s.crossMode() != crossLabel {
		return nil
	}
	want := map[string][]string{} // ident -> labels
	pr, err := plan.rewind()
	if err != nil {
		return err
	}
	n := 0
	err = readScratch(pr, "plan").Each(func(l *record.Line) error {
		var op record.Op
		if err := l.DecodeOnly(&op); err != nil {
			return err
		}
		if op.Op == opLabel {
			if l := gmailLabel(op.Dst.Folder, inv.dstFolders[op.Dst.Folder]); l != "" {
				want[op.Ident] = append(want[op.Ident], l)
				n++
			}
		}
		return nil
	})
	if err != nil || n == 0 {
		return err
	}
	place := map[string]dstPlace{}
	rr, err := results.rewind()
	if err != nil {
		return err
	}
	err = readScratch(rr, "results").Each(func(l *record.Line) error {
		var r record.Result
		if err := l.DecodeOnly(&r); err != nil {
			return err
		}
		if r.OK && (r.Op == "append" || r.Op == record.OpCopy) && r.Dst != nil && r.Dst.UID != 0 && want[r.Ident] != nil {
			if _, ok := place[r.Ident]; !ok {
				place[r.Ident] = dstPlace{r.Dst.Folder, r.Dst.UID}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	dr, err := inv.dst.rewind()
	if err != nil {
		return err
	}
	err = readScratch(dr, "destination inventory").Each(func(l *record.Line) error {
		if l.Type != record.TypeMessage {
			return nil
		}
		var m record.Message
		if err := l.DecodeOnly(&m); err != nil {
			return err
		}
		if _, ok := place[m.Ident]; !ok && want[m.Ident] != nil {
			place[m.Ident] = dstPlace{m.Folder, m.UID}
		}
		return nil
	})
	if err != nil {
		return err
	}
	byFolder := map[string][]string{}
	for ident := range want {
		p, ok := place[ident]
		if !ok {
			// Its copy failed: that error is counted; the label waits for
			// the next run.
			continue
		}
		byFolder[p.folder] = append(byFolder[p.folder], ident)
	}
	names := make([]string, 0, len(byFolder))
	for f := range byFolder {
		names = append(names, f)
	}
	sort.Strings(names)
	gate := mutate.Gate{Dry: s.o.DryRun}
	var c *imapclient.Client
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for _, folder := range names {
		r := session.Retry{Retries: 5, Log: s.hostLog(2), Hangup: func() {
			if c != nil {
				c.Close()
				c = nil
			}
		}}
		err := r.Do(ctx, fmt.Sprintf("labels in folder %q", folder), func() (bool, error) {
			if c == nil {
				var err error
				if c, err = s.dst(ctx); err != nil {
					return false, err
				}
			}
			if _, err := gate.Select(c, folder).Wait(); err != nil {
				return false, err
			}
			for _, ident := range byFolder[folder] {
				p := place[ident]
				flags := make([]imap.Flag, len(want[ident]))
				for i, l := range want[ident] {
					flags[i] = imap.Flag(l)
				}
				store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, GmailLabels: true, Flags: flags}
				cmd, err := gate.Store(c, imap.UIDSetNum(imap.UID(p.uid)), store)
				if err != nil {
					return false, err
				}
				if err := cmd.Close(); err != nil {
					return false, err
				}
			}
			return true, nil
		})
		if err != nil {
			if !session.IsConnError(err) && ctx.Err() == nil {
				s.countError(exitcode.New(exitcode.WithErrors, fmt.Errorf("labels in folder %q on host2: %w", folder, err)))
				continue
			}
			return exitcode.ForHost(err, 2)
		}
		for _, ident := range byFolder[folder] {
			s.rep.Labelled++
			if w := s.o.MessageLog; w != nil {
				p := place[ident]
				fmt.Fprintf(w, "Host2: msg %s/%d labelled %s\n", folder, p.uid, strings.Join(want[ident], " "))
			}
		}
	}
	fmt.Fprintf(s.log, "imapx: labelled %d messages on host2 (STORE X-GM-LABELS)\n", s.rep.Labelled)
	return nil
}

// systemLabel reports whether a Gmail label is a system one (\Inbox…).
func systemLabel(l string) bool { return strings.HasPrefix(l, `\`) }

// keyword turns a label into an IMAP keyword (an atom): blanks,
// specials and non-ASCII characters become '_' ("Work/2024 Q1" →
// "Work/2024_Q1").
func keyword(label string) string {
	var b strings.Builder
	for _, r := range label {
		switch {
		case r <= ' ' || r >= 0x7f || strings.ContainsRune(`(){%*"\]`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// labelKeywords gives every source message its user labels as keywords
// (--synclabels, labels as keywords): the labels X-GM-LABELS gave
// (`labels`), else the folders it shows in on host1 — Gmail's labels are
// its folders — less INBOX and the special folders. The inventory is
// rewritten, so the plan copies the keywords and the verify expects them.
func (s *syncer) labelKeywords(inv *inventory) error {
	system := map[string]bool{}
	for name, f := range inv.srcFolders {
		if f.SpecialUse != "" || strings.EqualFold(name, "INBOX") || hasAttr(f.Attrs, `\Noselect`) {
			system[name] = true
		}
	}
	labels := map[string]map[string]bool{}
	add := func(ident, label string) {
		if labels[ident] == nil {
			labels[ident] = map[string]bool{}
		}
		labels[ident][label] = true
	}
	sr, err := inv.src.rewind()
	if err != nil {
		return err
	}
	err = readScratch(sr, "source inventory").Each(func(l *record.Line) error {
		if l.Type != record.TypeMessage {
			return nil
		}
		var m record.Message
		if err := l.Decode(&m); err != nil {
			return err
		}
		if m.Ident == "" {
			return nil
		}
		if gl, ok := gmailLabels(&m); ok {
			for _, lab := range gl {
				if !systemLabel(lab) {
					add(m.Ident, lab)
				}
			}
			return nil
		}
		if !system[m.Folder] {
			add(m.Ident, m.Folder)
		}
		return nil
	})
	if err != nil {
		return err
	}
	out, err := newTemp("imapx-src-labels-*.jsonl")
	if err != nil {
		return err
	}
	if sr, err = inv.src.rewind(); err != nil {
		out.Close()
		return err
	}
	w := record.NewWriter(out)
	err = readScratch(sr, "source inventory").Each(func(l *record.Line) error {
		if l.Type != record.TypeMessage {
			return w.WriteLine(l.JSON)
		}
		var m record.Message
		if err := l.Decode(&m); err != nil {
			return err
		}
		have := map[string]bool{}
		for _, f := range m.Flags {
			have[strings.ToLower(f)] = true
		}
		var kws []string
		for lab := range labels[m.Ident] {
			if kw := keyword(lab); !have[strings.ToLower(kw)] {
				kws = append(kws, kw)
				have[strings.ToLower(kw)] = true
			}
		}
		sort.Strings(kws)
		m.Flags = append(m.Flags, kws...)
		return w.Write(&m)
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		out.Close()
		return err
	}
	inv.src.Close()
	inv.src = out
	return nil
}

// gmailLabels are the X-GM-LABELS fetch recorded (field "labels").
func gmailLabels(m *record.Message) ([]string, bool) {
	raw, ok := m.Extra["labels"]
	if !ok {
		return nil, false
	}
	var ls []string
	if err := json.Unmarshal(raw, &ls); err != nil {
		return nil, false
	}
	return ls, true
}

// labelFlags are the keywords --synclabels gave the plan's copies (the
// copy ops' flags beyond host1's), by source message, for the bridge
// to add; nil in the other modes.
func (s *syncer) labelFlags(part *tempFile) (map[msgKey][]string, error) {
	if !s.o.SyncLabels || s.o.LabelsAsFolders || s.labels2 {
		return nil, nil
	}
	pr, err := part.rewind()
	if err != nil {
		return nil, err
	}
	out := map[msgKey][]string{}
	err = readScratch(pr, "plan").Each(func(l *record.Line) error {
		var op record.Op
		if err := l.DecodeOnly(&op); err != nil {
			return err
		}
		if op.Op == record.OpCopy && op.Src != nil {
			var kws []string
			for _, f := range op.Flags {
				if !strings.HasPrefix(f, `\`) {
					kws = append(kws, f)
				}
			}
			if kws != nil {
				out[msgKey{op.Src.Folder, op.Src.UIDValidity, op.Src.UID}] = kws
			}
		}
		return nil
	})
	return out, err
}

// addFlags is flags with those of more it lacks (case-insensitively).
func addFlags(flags, more []string) []string {
	have := map[string]bool{}
	for _, f := range flags {
		have[strings.ToLower(f)] = true
	}
	for _, f := range more {
		if !have[strings.ToLower(f)] {
			flags = append(flags, f)
			have[strings.ToLower(f)] = true
		}
	}
	return flags
}

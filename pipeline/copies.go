package pipeline

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/imapx/imapx/flags"
	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/journal"
	"github.com/imapx/imapx/internal/record"
)

// The destination must never hold more copies of a message than the
// source: the verdict compares the multisets both ways, and copies that an
// interrupted run provably made twice (its journal of APPENDs in flight
// says so), or this run (an APPEND written whole, cut off unanswered, not
// found by push's check and sent again: journal.Doubt), are removed.

// openJournal opens the account pair's journal of APPENDs in flight; the
// run goes on without one (as before it existed) when it cannot.
func (s *syncer) openJournal() {
	if s.o.JournalPath == "" || s.o.DryRun || s.o.JustFolders {
		return
	}
	j, err := journal.Open(s.o.JournalPath)
	if err != nil {
		fmt.Fprintf(s.log, "imapx: warning: journal of APPENDs: %v\n", err)
		return
	}
	s.journal = j
	if n := len(j.Left()); n > 0 {
		fmt.Fprintf(s.log, "imapx: an interrupted run left %d APPENDs unanswered; their folders are checked for copies made twice\n", n)
	}
}

func (s *syncer) closeJournal() {
	if s.journal == nil {
		return
	}
	if err := s.journal.Close(); err != nil {
		fmt.Fprintf(s.log, "imapx: warning: journal of APPENDs: %v\n", err)
	}
}

// sentIdent is the header identity of the bytes about to be sent for m,
// when it is not m's own (a rewrite changed the identity's headers; with
// --useuid m's identity is its place): the journal records it, so that
// the next run knows the copy an unanswered APPEND left for its source's
// (dstIdent). "" when it is the same.
func (s *syncer) sentIdent(m *record.Message, body *record.Body) string {
	if len(m.Rewritten) == 0 && !s.o.UseUID {
		return ""
	}
	f, err := identity.FromBody(body, s.o.Ident)
	if err != nil || f.Ident == m.Ident {
		return ""
	}
	return f.Ident
}

// dstIdent gives a message read on host2 the identity of its source: a
// rewritten copy its link's, and a copy an interrupted run's unanswered
// APPEND left with no link, the identity its journal entry names (the
// link is written then, so later runs know it without the journal). Such
// a copy is then the source's copy like any other: nothing is copied
// again for it, and were it one too many (the source copied again before
// it arrived), removeJournaled removes one, as for copies not rewritten.
func (s *syncer) dstIdent(m *record.Message) {
	if s.links.Apply(m) {
		return
	}
	id, ok := s.journal.Claim(claimKey{m.Folder, m.UIDValidity, m.UID}, m.Folder, m.Ident, m.Size)
	if !ok {
		return
	}
	if id != m.Ident {
		if err := s.links.Add(m.Folder, m.UIDValidity, m.UID, id); err != nil {
			fmt.Fprintf(s.log, "imapx: warning: links: %v\n", err)
		}
	}
	m.Ident = id
}

// claimKey names a destination message for the journal's claims.
type claimKey struct {
	folder        string
	validity, uid uint32
}

// leftFolders are the destination folders an interrupted run had APPENDs
// in flight for.
func (s *syncer) leftFolders() map[string]bool {
	if s.journal == nil {
		return nil
	}
	out := map[string]bool{}
	for _, e := range s.journal.Left() {
		out[e.Folder] = true
	}
	return out
}

// withLeft adds to a set of source folders those mapping to a
// destination folder of the journal left by an interrupted run.
func (s *syncer) withLeft(dirty map[string]bool, inv *inventory) map[string]bool {
	left := s.leftFolders()
	if len(left) == 0 {
		return dirty
	}
	out := map[string]bool{}
	for name := range dirty {
		out[name] = true
	}
	for src, dst := range inv.mapping {
		if left[dst] && inv.read[src] {
			out[src] = true
		}
	}
	return out
}

// checkedDst are the destination folders whose every source folder inv
// read: the only ones where the two sides' counts can be compared.
func checkedDst(inv *inventory, read map[string]bool) map[string]bool {
	out := map[string]bool{}
	for name := range read {
		out[inv.mapping[name]] = true
	}
	return out
}

// copyKey is a message as the verdict counts it: its identity in one
// destination folder.
type copyKey struct{ folder, ident string }

// beyond returns, for each message of the checked destination folders
// whose source has it at least once, the copies beyond the source's count
// (the highest UIDs: the copies made last).
func beyond(inv *inventory, read map[string]bool) (map[copyKey][]messageRef, error) {
	extra, _, err := copyFindings(inv, read)
	return extra, err
}

// countBeyond counts the extra copies of beyond.
func countBeyond(extra map[copyKey][]messageRef) int {
	n := 0
	for _, ms := range extra {
		n += len(ms)
	}
	return n
}

// journalHold is how long an entry that matched no extra copy is kept: a
// killed run's APPEND still travelling (a slow link's buffers, a server
// process finishing it) can be stored minutes later.
const journalHold = 10 * time.Minute

// removeJournaled removes, in the folders an interrupted run had APPENDs
// in flight for, the copies beyond the source's count that its journal
// accounts for (same folder, identity and size; never more than it
// lists), then drops those entries. The removed messages leave inv's
// destination inventory too.
func (s *syncer) removeJournaled(ctx context.Context, inv *inventory, read map[string]bool) error {
	if s.journal == nil || len(s.journal.Left()) == 0 {
		return nil
	}
	checked := checkedDst(inv, read)
	extra, err := beyond(inv, read)
	if err != nil {
		return err
	}
	type sized struct {
		copyKey
		size int64
	}
	pool := map[sized][]messageRef{} // extra copies, last made first
	for k, ms := range extra {
		for i := len(ms) - 1; i >= 0; i-- {
			sk := sized{k, ms[i].Size}
			pool[sk] = append(pool[sk], ms[i])
		}
	}
	var doomed []messageRef
	var keep []journal.Entry
	found := 0
	for _, e := range s.journal.Left() {
		if s.journal.Claimed(e.ID) {
			found++
		}
	}
	if found > 0 {
		fmt.Fprintf(s.log, "imapx: found %d copies that an interrupted run's unanswered APPENDs made under another identity than their source's (rewritten, --useuid); linked to their host1 messages\n", found)
	}
	for _, e := range s.journal.Left() {
		sk := sized{copyKey{e.Folder, e.Ident}, e.Size}
		// An entry whose bytes had another identity accounts for no copy
		// of the source's until its own was found (claimed, dstIdent).
		claimed := s.journal.Claimed(e.ID)
		mine := e.Sent == "" || claimed
		switch {
		case checked[e.Folder] && mine && len(pool[sk]) > 0:
			doomed = append(doomed, pool[sk][0])
			pool[sk] = pool[sk][1:]
		case claimed:
			// Found, linked, and not one too many: its fate is known.
		case !checked[e.Folder] || time.Since(time.Unix(e.Time, 0)) < journalHold:
			// Not read this run, or not found yet: an APPEND still on
			// its way through a slow link can land after this check.
			keep = append(keep, e)
		}
	}
	if len(doomed) > 0 {
		if err := s.removeCopies(ctx, doomed); err != nil {
			return err
		}
		if err := inv.dropDst(doomed); err != nil {
			return err
		}
	}
	s.journal.KeepLeft(keep)
	return nil
}

// removeCopies deletes and expunges exactly the given destination
// messages (UID STORE \Deleted, UID EXPUNGE of those UIDs).
func (s *syncer) removeCopies(ctx context.Context, ms []messageRef) error {
	ops, err := newTemp("imapx-dups-*.jsonl")
	if err != nil {
		return err
	}
	defer ops.Close()
	w := record.NewWriter(ops)
	for _, m := range ms {
		if err := w.Write(&record.Op{Type: record.TypeOp, Op: record.OpDelete, Ident: m.Ident,
			Dst: &record.Ref{Folder: m.Folder, UID: m.UID, UIDValidity: m.UIDValidity}, Size: m.Size}); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	r, err := ops.rewind()
	if err != nil {
		return err
	}
	sum, err := flags.Run(ctx, s.dst, flags.Options{Log: s.log, NoEnd: io.Discard}, r, "duplicates", io.Discard)
	s.rep.DuplicatesRemoved += sum.Deleted
	fmt.Fprintf(s.log, "imapx: removed %d copies made twice by APPENDs cut off unanswered (journal of APPENDs in flight)\n", sum.Deleted)
	if err != nil {
		return exitcode.ForHost(err, 2)
	}
	if sum.Errors > 0 {
		return exitcode.New(exitcode.WithErrors, fmt.Errorf("removing copies made twice: %w", sum.First))
	}
	return nil
}

// dropDst removes messages from the destination inventory.
func (inv *inventory) dropDst(gone []messageRef) error {
	drop := map[msgKey]bool{}
	for _, m := range gone {
		drop[m.key()] = true
	}
	out, err := newTemp("imapx-dst-*.jsonl")
	if err != nil {
		return err
	}
	r, err := inv.dst.rewind()
	if err != nil {
		out.Close()
		return err
	}
	w := record.NewWriter(out)
	err = readScratch(r, "destination inventory").Each(func(l *record.Line) error {
		if l.Type == record.TypeMessage {
			var m messageRef
			if err := l.DecodeOnly(&m); err != nil {
				return err
			}
			if drop[m.key()] {
				return nil
			}
		}
		return w.WriteLine(l.JSON)
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		out.Close()
		return err
	}
	inv.dst.Close()
	inv.dst = out
	return nil
}

// extraFolders adds to the source folders of dirty those whose
// destination folder holds extra copies: such a pair is not in sync.
func extraFolders(inv *inventory, extra map[copyKey][]messageRef, dirty map[string]bool) map[string]bool {
	out := map[string]bool{}
	for name := range dirty {
		out[name] = true
	}
	for k := range extra {
		for src, dst := range inv.mapping {
			if dst == k.folder {
				out[src] = true
			}
		}
	}
	return out
}

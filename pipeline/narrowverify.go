package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/state"
)

// The verify's side of narrowing (narrow.go): it reads the destination
// again, narrowed the same way, as a delta where it can.

// narrowVerifyPass starts the verify's pass: it reads the destination
// again, a read of its own. The first read's destination records of the
// identities compared are kept by UID: when nothing was expunged since,
// they and what changed are all the verify needs to read.
func (s *syncer) narrowVerifyPass(first *inventory) error {
	n := s.narrow
	if n == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pass = 2
	n.committed = nil
	byDst := map[string]*narrowPair{}
	for _, p := range n.pairs {
		p.sides[1] = nil
		if p.active {
			p.known = map[uint32][]byte{}
			byDst[p.dst] = p
		}
	}
	if len(byDst) == 0 {
		return nil
	}
	return eachRawLine(first.dst.readAt(), func(line []byte) error {
		folder, ok := recordFolder(line)
		if p := byDst[folder]; ok && p != nil {
			if uid, ok := recordUID(line); ok {
				p.known[uid] = bytes.Clone(line)
			}
		}
		return nil
	})
}

// recordUID reads a message record's UID.
func recordUID(line []byte) (uint32, bool) {
	var m struct {
		UID uint32 `json:"uid"`
	}
	if json.Unmarshal(line, &m) != nil || m.UID == 0 {
		return 0, false
	}
	return m.UID, true
}

// narrowVerify finishes the verify's narrowing of the destination: the
// identities that changed there since the first read (the run's own
// writes, and anyone else's) join those compared, on both sides.
func (s *syncer) narrowVerify(inv, first *inventory) error {
	n := s.narrow
	if n == nil {
		return nil
	}
	lines, err := touchedLines(inv, [2]map[string]bool{{}, folderSet(n, 2)})
	if err != nil {
		return err
	}
	for name, p := range n.pairs {
		dst := p.sides[1]
		if !p.active || !inv.read[name] {
			continue
		}
		if dst == nil || !dst.done {
			// Read in full after all: the source's records come back too.
			if err := s.unnarrow(inv, p, 1); err != nil {
				return err
			}
			if err := s.widenSource(first, p, nil); err != nil {
				return err
			}
			p.active = false
			delete(n.pairs, name)
			continue
		}
		more := map[string]bool{}
		add := func(id string) {
			if !p.keys[id] {
				p.keys[id], more[id] = true, true
			}
		}
		for _, id := range dst.gone {
			add(id)
		}
		for _, l := range lines[1][dst.folder] {
			add(l.ident)
		}
		if len(more) > 0 {
			if err := s.widenSource(first, p, more); err != nil {
				return err
			}
		}
		if dst.delta {
			if err := s.narrowDelta(inv, p, lines[1][dst.folder], more); err != nil {
				return err
			}
		}
	}
	return s.narrowSides(inv, n, lines, [2]bool{false, true})
}

// narrowDelta completes the destination side of a pair the verify read
// as a delta: the first read's records of the identities compared (less
// those that changed since, in changed), and the stored ones of the
// identities that joined them (more). The stored inventory stays the
// first read's: the next run reads what changed since then, the run's
// own writes included, a superset of what changed since the verify.
func (s *syncer) narrowDelta(inv *inventory, p *narrowPair, changed []touchedLine, more map[string]bool) error {
	side := p.sides[1]
	side.w.Abort()
	side.w = nil
	seen := map[uint32]bool{}
	var scratch record.MessageFields
	for _, l := range changed {
		if uid, ok := recordUID(l.line); ok {
			seen[uid] = true
		}
	}
	if _, err := inv.dst.Seek(0, io.SeekEnd); err != nil {
		return err
	}
	w := record.NewWriter(inv.dst)
	uids := make([]uint32, 0, len(p.known))
	for uid := range p.known {
		uids = append(uids, uid)
	}
	slices.Sort(uids)
	for _, uid := range uids {
		if !seen[uid] {
			if err := w.WriteLine(p.known[uid]); err != nil {
				return err
			}
		}
	}
	if len(more) > 0 {
		stored, ok := s.invs.Open(sideName(2), p.dst)
		if !ok {
			return fmt.Errorf("stored inventory of %q: unreadable after this run wrote it", p.dst)
		}
		err := stored.Each(func(line []byte) error {
			id, size, ok := identSize(line, &scratch)
			if !ok || !more[id] {
				return nil
			}
			if uid, ok := recordUID(line); !ok || seen[uid] {
				return nil
			}
			p.untouched[1]--
			p.untouchedBytes[1] -= size
			return w.WriteLine(line)
		})
		if err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if st, ok := s.invs.Header(sideName(2), p.dst); ok {
		p.dstInv = &st
	}
	s.narrow.mu.Lock()
	if s.narrow.committed == nil {
		s.narrow.committed = map[[2]string]bool{}
	}
	s.narrow.committed[[2]string{sideName(2), p.dst}] = true
	s.narrow.mu.Unlock()
	return nil
}

// narrowSettled notes, for the pairs st records in sync whose destination
// inventory the verify left as the first read wrote it, that inventory's
// STATUS: the pair can be narrowed from it next time.
func (s *syncer) narrowSettled(st *state.State) {
	if st == nil || s.narrow == nil {
		return
	}
	for name, p := range s.narrow.pairs {
		if pr, ok := st.Pairs[name]; ok && p.active && p.dstInv != nil && pr.Dst == p.dst {
			pr.DstInv = p.dstInv
			st.Pairs[name] = pr
		}
	}
}

// widenSource adds to the first read's source inventory the records of
// the identities in more (all not compared yet when nil), from the
// source's stored inventory, written by this run's first read.
func (s *syncer) widenSource(first *inventory, p *narrowPair, more map[string]bool) error {
	stored, ok := s.invs.Open(sideName(1), p.src)
	if !ok {
		return fmt.Errorf("stored inventory of %q: unreadable after this run wrote it", p.src)
	}
	if _, err := first.src.Seek(0, io.SeekEnd); err != nil {
		return err
	}
	first.src.folderBytes = nil
	w := record.NewWriter(first.src)
	var scratch record.MessageFields
	err := stored.Each(func(line []byte) error {
		folder, _ := recordFolder(line)
		if folder != p.src {
			return nil
		}
		id, size, ok := identSize(line, &scratch)
		if !ok {
			return fmt.Errorf("stored inventory of %q: a message record without an identity", p.src)
		}
		if more == nil && p.keys[id] || more != nil && !more[id] {
			return nil
		}
		p.untouched[0]--
		p.untouchedBytes[0] -= size
		return w.WriteLine(line)
	})
	if err != nil {
		return err
	}
	if more == nil {
		p.untouched[0], p.untouchedBytes[0] = 0, 0
	}
	return w.Flush()
}

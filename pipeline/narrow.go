package pipeline

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"io"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/fetch"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/state"
)

// Narrowing: comparing only what changed. A folder pair the state records
// as in sync, whose two stored inventories are the very reads that proved
// it (their STATUS is the pair's), and whose two sides are both read
// incrementally now, can differ only in the identities of the messages
// that changed since on either side: added, re-flagged or expunged. The
// diff of every other identity is what it was: no op (the pair was in
// sync). So the pair's inventories keep only the records of those
// identities, on both sides, and the others are counted without being
// compared again; a re-sync of a 50,000-message folder after 20 changes
// diffs 20 identities, not 50,000. The records not compared still go to
// the folder's stored inventory, which stays whole. Whenever a side is
// not read incrementally to the end, its pair is compared in full.

// narrowPair is one folder pair being narrowed.
type narrowPair struct {
	src, dst string
	// sides are the source's [0] and destination's [1] read of this pass
	// (nil: not read narrowed in this pass).
	sides [2]*narrowSide
	// keys are the identities compared; active: the pair is narrowed.
	keys   map[string]bool
	active bool
	// known are the first read's destination records of the identities
	// compared, by UID, for the verify's read (fetch.Earlier.Known).
	known map[uint32][]byte
	// dstInv is the STATUS of the destination's stored inventory when the
	// verify left it as the first read wrote it (nil: rewritten).
	dstInv *state.Status
	// untouched and untouchedBytes count each side's records not
	// compared, and their bytes.
	untouched      [2]int
	untouchedBytes [2]int64
}

// narrowSide is one side's incremental read of a narrowed pair.
type narrowSide struct {
	folder string
	// w is the folder's new stored inventory: the records still true as
	// the read found them, then (once the pass is read) the changed ones.
	w    *state.InvWriter
	rest int
	// restBytes are the sizes of the records still true; refs locate
	// each by the hash of its identity, so that narrowing reads back only
	// the records of identities compared (nil past maxRefs: the records
	// are read back whole instead).
	restBytes int64
	refs      []restRef
	// gone are the identities of the records expunged since.
	gone []string
	done bool
	// delta: the verify's read wrote only what changed since the first
	// read (fetch.Earlier.Known): no stored inventory is written.
	delta bool
}

// restRef is a record still true in a side's new stored inventory.
type restRef struct {
	hash uint64
	off  int64
	n    int32
}

// maxRefs bounds the refs kept for one folder (20 bytes each).
const maxRefs = 1 << 20

// identSeed hashes identities for restRef.
var identSeed = maphash.MakeSeed()

// narrowing is the run's narrowed pairs, by source folder.
type narrowing struct {
	mu    sync.Mutex
	pairs map[string]*narrowPair
	// pass is 1 during the first read, 2 during the verify's.
	pass int
	// committed are the stored inventories (side and folder) this pass
	// wrote by narrowing: storeInventories leaves them alone.
	committed map[[2]string]bool
}

// narrowable chooses, before the first read, the pairs that may be
// narrowed: see above. Pairs sharing a destination folder, pairs with
// messages stored altered, and runs that compare across folders are not.
func (s *syncer) narrowable(inv *inventory, st *state.State) {
	if st == nil || s.invs == nil || s.o.DryRun || s.o.Diff.NoMixFolders {
		return
	}
	targets := map[string]int{}
	for _, d := range inv.mapping {
		targets[d]++
	}
	altered := map[string]bool{}
	for _, a := range st.Altered {
		altered[a.SrcFolder] = true
	}
	n := &narrowing{pairs: map[string]*narrowPair{}, pass: 1}
	for name := range inv.read {
		d := inv.mapping[name]
		p, ok := st.Pairs[name]
		if !ok || p.Dst != d || targets[d] != 1 || altered[name] || inv.dstFolders[d] == nil {
			continue
		}
		ss, ok1 := s.invs.Header(sideName(1), name)
		ds, ok2 := s.invs.Header(sideName(2), d)
		want := p.DstStatus
		if p.DstInv != nil {
			want = *p.DstInv
		}
		if !ok1 || !ok2 || ss != p.SrcStatus || ds != want {
			continue
		}
		n.pairs[name] = &narrowPair{src: name, dst: d}
	}
	if len(n.pairs) > 0 {
		s.narrow = n
	}
}

// narrowHooks sets e's hooks when host's folder f belongs to a pair
// narrowed in this pass: the records still true go to a new stored
// inventory instead of the output.
func (s *syncer) narrowHooks(host int, f *record.Folder, e *fetch.Earlier) {
	n := s.narrow
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.pair(host, f.Name)
	if p == nil || n.pass == 2 && (host == 1 || !p.active) {
		return
	}
	st, ok := state.StatusOf(f)
	if !ok || st.HighestModSeq == 0 {
		return
	}
	w, err := s.invs.Create(sideName(host), f.Name, st)
	if err != nil {
		fmt.Fprintf(s.log, "imapx: warning: keeping inventories: %v\n", err)
		return
	}
	side := &narrowSide{folder: f.Name, w: w}
	p.sides[host-1] = side
	var scratch record.MessageFields
	side.refs = make([]restRef, 0, min(e.Count, maxRefs))
	e.Rest = func(line []byte) error {
		off := w.Message(line)
		side.rest++
		if side.refs == nil {
			return nil
		}
		id, size, ok := identBytes(line, &scratch)
		if !ok {
			return fmt.Errorf("folder %q: a record without an identity", f.Name)
		}
		side.restBytes += size
		if len(side.refs) >= maxRefs || len(line) > 1<<30 {
			side.refs = nil
			return nil
		}
		side.refs = append(side.refs, restRef{maphash.Bytes(identSeed, id), off, int32(len(line))})
		return nil
	}
	e.Gone = func(line []byte) {
		if id, _, ok := identSize(line, &scratch); ok {
			side.gone = append(side.gone, id)
		}
	}
	if n.pass == 2 && p.known != nil {
		e.Known = func(uid uint32) ([]byte, bool) {
			l, ok := p.known[uid]
			return l, ok
		}
		e.Delta = func() { side.delta = true }
	}
	e.Finished = func() {
		side.done = true
	}
}

// pair is the pair host's folder belongs to, or nil.
func (n *narrowing) pair(host int, folder string) *narrowPair {
	if host == 1 {
		return n.pairs[folder]
	}
	for _, p := range n.pairs {
		if p.dst == folder {
			return p
		}
	}
	return nil
}

// narrowRead finishes the first read's narrowing: each pair read
// incrementally on both sides keeps, in inv, only the records of the
// identities that changed; any other pair gets its records back.
func (s *syncer) narrowRead(inv *inventory) error {
	n := s.narrow
	if n == nil {
		return nil
	}
	touched := [2]map[string]bool{folderSet(n, 1), folderSet(n, 2)}
	lines, err := touchedLines(inv, touched)
	if err != nil {
		return err
	}
	for name, p := range n.pairs {
		src, dst := p.sides[0], p.sides[1]
		if src == nil || dst == nil || !src.done || !dst.done {
			if err := s.unnarrow(inv, p, 0); err != nil {
				return err
			}
			delete(n.pairs, name)
			continue
		}
		p.keys = map[string]bool{}
		for i, side := range p.sides {
			for _, id := range side.gone {
				p.keys[id] = true
			}
			for _, l := range lines[i][side.folder] {
				p.keys[l.ident] = true
			}
		}
		p.active = true
	}
	return s.narrowSides(inv, n, lines, [2]bool{true, true})
}

// folderSet is the folders of host's narrowed reads in this pass.
func folderSet(n *narrowing, host int) map[string]bool {
	m := map[string]bool{}
	for _, p := range n.pairs {
		if side := p.sides[host-1]; side != nil {
			m[side.folder] = true
		}
	}
	return m
}

// touchedLine is a changed record of a narrowed folder.
type touchedLine struct {
	ident string
	line  []byte
}

// touchedLines collects, per side and folder, the records of folders in
// touched found in inv's inventories: in a narrowed read, exactly the
// records that changed (added, or flags changed).
func touchedLines(inv *inventory, touched [2]map[string]bool) ([2]map[string][]touchedLine, error) {
	var out [2]map[string][]touchedLine
	for i, t := range []*tempFile{inv.src, inv.dst} {
		out[i] = map[string][]touchedLine{}
		if len(touched[i]) == 0 {
			continue
		}
		var scratch record.MessageFields
		err := eachRawLine(t.readAt(), func(line []byte) error {
			folder, ok := recordFolder(line)
			if !ok || !touched[i][folder] {
				return nil
			}
			id, _, ok := identSize(line, &scratch)
			if !ok {
				return fmt.Errorf("inventory: a message record of %q without an identity", folder)
			}
			out[i][folder] = append(out[i][folder], touchedLine{id, bytes.Clone(line)})
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// narrowSides writes, for each active pair and each side in which, the
// records still true whose identity is compared into the side's
// inventory, counts the others, and commits the side's new stored
// inventory (those records, then the changed ones). Both sides at once.
func (s *syncer) narrowSides(inv *inventory, n *narrowing, lines [2]map[string][]touchedLine, which [2]bool) error {
	var g errgroup.Group
	for i, t := range []*tempFile{inv.src, inv.dst} {
		if !which[i] {
			continue
		}
		g.Go(func() error {
			if _, err := t.Seek(0, io.SeekEnd); err != nil {
				return err
			}
			w := record.NewWriter(t)
			for _, p := range n.pairs {
				side := p.sides[i]
				if !p.active || side == nil || side.w == nil {
					continue
				}
				if err := narrowSide1(p, side, i, w, lines[i][side.folder]); err != nil {
					return err
				}
				n.mu.Lock()
				if n.committed == nil {
					n.committed = map[[2]string]bool{}
				}
				n.committed[[2]string{sideName(i + 1), side.folder}] = true
				n.mu.Unlock()
			}
			return w.Flush()
		})
	}
	return g.Wait()
}

// narrowSide1 narrows one side of one pair (see narrowSides).
func narrowSide1(p *narrowPair, side *narrowSide, i int, w *record.Writer, changed []touchedLine) error {
	var scratch record.MessageFields
	if side.refs != nil {
		err := narrowByRefs(p, side, i, w)
		side.refs = nil
		return commitSide(side, changed, err)
	}
	p.untouched[i], p.untouchedBytes[i] = 0, 0
	err := side.w.EachWritten(side.rest, func(line []byte) error {
		raw, size, ok := identBytes(line, &scratch)
		if !ok {
			return fmt.Errorf("stored inventory of %q: a message record without an identity", side.folder)
		}
		if p.keys[string(raw)] {
			return w.WriteLine(line)
		}
		p.untouched[i]++
		p.untouchedBytes[i] += size
		return nil
	})
	return commitSide(side, changed, err)
}

// commitSide ends a side's new stored inventory: the changed records
// after those still true, then in place; or dropped after err.
func commitSide(side *narrowSide, changed []touchedLine, err error) error {
	defer func() { side.w = nil }()
	if err != nil {
		side.w.Abort()
		return err
	}
	for _, l := range changed {
		side.w.Message(l.line)
	}
	return side.w.Commit()
}

// narrowByRefs is narrowSide1 from the refs: only the records whose
// identity hashes like one compared are read back.
func narrowByRefs(p *narrowPair, side *narrowSide, i int, w *record.Writer) error {
	hashes := make(map[uint64]bool, len(p.keys))
	for id := range p.keys {
		hashes[maphash.String(identSeed, id)] = true
	}
	p.untouched[i], p.untouchedBytes[i] = side.rest, side.restBytes
	var scratch record.MessageFields
	for _, r := range side.refs {
		if !hashes[r.hash] {
			continue
		}
		line, err := side.w.ReadAt(r.off, int(r.n))
		if err != nil {
			return err
		}
		id, size, ok := identSize(line, &scratch)
		if !ok {
			return fmt.Errorf("stored inventory of %q: a message record without an identity", side.folder)
		}
		if !p.keys[id] {
			continue // another identity of the same hash
		}
		if err := w.WriteLine(line); err != nil {
			return err
		}
		p.untouched[i]--
		p.untouchedBytes[i] -= size
	}
	return nil
}

// unnarrow gives side i's records still true back to its inventory (the
// pair is compared in full) and drops its new stored inventory: the
// inventories are stored from the full read as usual.
func (s *syncer) unnarrow(inv *inventory, p *narrowPair, from int) error {
	for i := from; i < 2; i++ {
		side := p.sides[i]
		if side == nil || side.w == nil {
			continue
		}
		t := inv.src
		if i == 1 {
			t = inv.dst
		}
		if _, err := t.Seek(0, io.SeekEnd); err != nil {
			return err
		}
		w := record.NewWriter(t)
		err := side.w.EachWritten(side.rest, w.WriteLine)
		side.w.Abort()
		side.w, p.sides[i] = nil, nil
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			return err
		}
	}
	p.untouched, p.untouchedBytes = [2]int{}, [2]int64{}
	return nil
}

// storedByNarrowing says whether host's folder's inventory was stored by
// narrowing in this pass (storeInventories leaves it alone).
func (s *syncer) storedByNarrowing(host int, folder string) bool {
	n := s.narrow
	if n == nil {
		return false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.committed[[2]string{sideName(host), folder}]
}

// withUntouched adds the records of narrowed pairs not compared to a
// summary: those of the source were matched last time (the pair was in
// sync), those of the destination beyond them are only there.
func (s *syncer) withUntouched(sum diff.Summary) diff.Summary {
	n := s.narrow
	if n == nil {
		return sum
	}
	for _, p := range n.pairs {
		if !p.active {
			continue
		}
		u1, u2 := p.untouched[0], p.untouched[1]
		sum.SrcMessages += u1
		sum.DstMessages += u2
		sum.Same += u1
		sum.OnlyDst += max(0, u2-u1)
		sum.SrcBytes += p.untouchedBytes[0]
		sum.DstBytes += p.untouchedBytes[1]
		sum.SameBytes += p.untouchedBytes[0]
		sum.NotCompared += u1
	}
	return sum
}

// untouchedBytes are the bytes of host's folder's records not compared.
func (n *narrowing) untouchedBytes(host int, folder string) int64 {
	if n == nil {
		return 0
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.pair(host, folder); p != nil && p.active {
		return p.untouchedBytes[host-1]
	}
	return 0
}

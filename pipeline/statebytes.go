package pipeline

import (
	"io"
	"math"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/state"
)

// The statistics count the bytes of both accounts; folder pairs the state
// vouches unchanged are not read, so the state keeps each pair's bytes
// as of when it was last in sync (a state written before it did counts
// those folders' messages only: the byte figures are then partial).

// skipBytes adds to inv the bytes the state knows of folder f, a source
// folder (dst false) or a destination one, not read this pass.
func (s *syncer) skipBytes(inv *inventory, st *state.State, f *record.Folder, dst bool) {
	if st == nil || f.Messages == nil || *f.Messages == 0 {
		return
	}
	for name, p := range st.Pairs {
		switch {
		case !dst && name == f.Name && p.SrcBytes > 0:
			inv.skippedBytes += p.SrcBytes
			return
		case dst && p.Dst == f.Name && p.DstBytes > 0:
			inv.skippedDstBytes += p.DstBytes
			return
		}
	}
	s.bytesPartial = true
}

// recordBytes keeps in st the bytes of the pairs settle recorded.
func recordBytes(st *state.State, inv *inventory) {
	src, dst := folderBytes(inv.src), folderBytes(inv.dst)
	for name := range inv.read {
		if p, ok := st.Pairs[name]; ok {
			p.SrcBytes = src[name] + inv.narrow.untouchedBytes(1, name)
			p.DstBytes = dst[p.Dst] + inv.narrow.untouchedBytes(2, p.Dst)
			st.Pairs[name] = p
		}
	}
}

// folderBytes sums an inventory's message sizes per folder, once: an
// inventory is complete when first summed (the verify shares the first
// read's source inventory).
func folderBytes(t *tempFile) map[string]int64 {
	if t.folderBytes != nil {
		return t.folderBytes
	}
	m := map[string]int64{}
	defer func() { t.folderBytes = m }()
	var scratch record.MessageFields
	readScratch(t.readAt(), "inventory").Each(func(l *record.Line) error {
		if l.Type != record.TypeMessage {
			return nil
		}
		var ref messageRef
		if fastRef(l.JSON, &ref, &scratch) {
			m[ref.Folder] += ref.Size
			return nil
		}
		var msg struct {
			Folder string `json:"folder"`
			Size   int64  `json:"size"`
		}
		if l.DecodeOnly(&msg) == nil {
			m[msg.Folder] += msg.Size
		}
		return nil
	})
	return m
}

// readAt reads the whole file with ReadAt, leaving the offset the stages
// read and write at alone (scratch files have no name to open again).
func (t *tempFile) readAt() io.Reader { return io.NewSectionReader(t.File, 0, math.MaxInt64) }

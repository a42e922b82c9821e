package pipeline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/imapx/imapx/fetch"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/state"
)

// Incremental reads inside a folder: each side's inventory of every folder
// read is kept beside the state (state.Inventories), with the STATUS
// listed before the read. A later read of a folder that changed reads,
// on a server with CONDSTORE, only the UIDs now there, the flags changed
// since and the messages from the old UIDNEXT on, and writes the
// inventory a full read would (fetch/earlier.go). Both the first read and
// the verify's re-read are kept. (A folder the verify re-reads in full
// takes the identities it knows without fetching headers, so its records
// lack message_id, which no diff reads; a folder read incrementally has
// its few new messages' headers fetched as a full read would.)

// minStored is the smallest folder whose inventory is kept: a smaller one
// costs about the same round trips read in full.
const minStored = 32

func sideName(host int) string {
	if host == 2 {
		return "dst"
	}
	return "src"
}

// earlierFor gives fetch the stored inventories of one side, checked
// against the folders as listed now: same UIDVALIDITY, and neither
// UIDNEXT nor HIGHESTMODSEQ gone back (a server that lost its
// mod-sequences would hide flag changes).
func (s *syncer) earlierFor(host int, listed []record.Folder) func(string) *fetch.Earlier {
	if s.invs == nil {
		return nil
	}
	now := byName(listed)
	return func(folder string) *fetch.Earlier {
		e := s.stored(host, now[folder])
		if e != nil {
			s.narrowHooks(host, now[folder], e)
		}
		return e
	}
}

// stored is host's stored inventory of folder f as listed now, or nil.
func (s *syncer) stored(host int, f *record.Folder) *fetch.Earlier {
	if s.invs == nil || f == nil {
		return nil
	}
	cur, ok := state.StatusOf(f)
	if !ok || cur.HighestModSeq == 0 {
		return nil
	}
	inv, ok := s.invs.Open(sideName(host), f.Name)
	if !ok {
		return nil
	}
	was := inv.Status
	if was.UIDValidity != cur.UIDValidity || was.HighestModSeq == 0 || was.HighestModSeq > cur.HighestModSeq || was.UIDNext > cur.UIDNext {
		return nil
	}
	return &fetch.Earlier{UIDValidity: was.UIDValidity, UIDNext: was.UIDNext, ModSeq: was.HighestModSeq, Each: inv.Each, Count: inv.Messages}
}

// storedDst are the destination folders of names that have a stored
// inventory matching their first listing: the verify reads them
// incrementally, so it needs no identities from the first read.
func (s *syncer) storedDst(first *inventory, names map[string]bool) map[string]bool {
	m := map[string]bool{}
	for name := range names {
		if s.stored(2, first.dstFolders[name]) != nil {
			m[name] = true
		}
	}
	return m
}

// storeInventories keeps host's inventory t of the folders names, as
// listed in folders, for the next read.
func (s *syncer) storeInventories(host int, t *tempFile, folders map[string]*record.Folder, names map[string]bool) {
	if s.invs == nil || s.o.DryRun {
		return
	}
	side := sideName(host)
	ws := map[string]*state.InvWriter{}
	abort := func() {
		for _, w := range ws {
			w.Abort()
		}
	}
	for name := range names {
		f := folders[name]
		if f == nil || s.storedByNarrowing(host, name) {
			continue
		}
		st, ok := state.StatusOf(f)
		if !ok || st.HighestModSeq == 0 || st.Messages < minStored {
			continue
		}
		w, err := s.invs.Create(side, name, st)
		if err != nil {
			abort()
			fmt.Fprintf(s.log, "imapx: warning: keeping inventories: %v\n", err)
			return
		}
		ws[name] = w
	}
	if len(ws) == 0 {
		return
	}
	// The inventory is this run's own scratch file, complete: its lines
	// are split by folder as they are, not decoded.
	err := eachRawLine(t.readAt(), func(line []byte) error {
		if !bytes.HasPrefix(line, []byte(`{"type":"message"`)) {
			return nil
		}
		folder, ok := leadingFolder(line)
		if !ok {
			var m struct {
				Folder string `json:"folder"`
			}
			if err := json.Unmarshal(line, &m); err != nil {
				return err
			}
			folder = m.Folder
		}
		if w := ws[folder]; w != nil {
			w.Message(line)
		}
		return nil
	})
	if err != nil {
		abort()
		fmt.Fprintf(s.log, "imapx: warning: keeping inventories: %v\n", err)
		return
	}
	for _, w := range ws {
		if err := w.Commit(); err != nil {
			fmt.Fprintf(s.log, "imapx: warning: keeping inventories: %v\n", err)
		}
	}
}

// mappedDst is the destination folders the source folders src map to.
func mappedDst(inv *inventory, src map[string]bool) map[string]bool {
	m := map[string]bool{}
	for name := range src {
		m[inv.mapping[name]] = true
	}
	return m
}

// leadingFolder reads the folder of a message record as fetch writes it
// ({"type":"message","folder":"…", a name without escapes) without
// decoding the line; ok is false for any other shape.
func leadingFolder(js []byte) (string, bool) {
	const prefix = `{"type":"message","folder":"`
	if !bytes.HasPrefix(js, []byte(prefix)) {
		return "", false
	}
	rest := js[len(prefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return "", false
	}
	return string(rest[:end]), true
}

// eachRawLine calls fn with each line of r, without its newline.
func eachRawLine(r io.Reader, fn func([]byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	for {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long, b...)
			continue
		}
		if long != nil {
			b = append(long, b...)
			long = nil
		}
		if len(b) > 0 && b[len(b)-1] == '\n' {
			b = b[:len(b)-1]
		}
		if len(b) > 0 {
			if ferr := fn(b); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

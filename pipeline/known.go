package pipeline

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/imapx/imapx/internal/extsort"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/state"
)

// msgKey names a message on one server for as long as its folder's
// UIDVALIDITY holds: the message under a UID never changes.
type msgKey struct {
	folder        string
	validity, uid uint32
}

// knownIdents collects the identities of destination messages in folders
// the verify re-reads: those of the first read, and those push appended
// (APPENDUID). The verify then fetches their flags, dates and sizes from
// the server's index instead of having it open every message for its
// header; a message of unknown identity is still read in full.
//
// It also returns the size of every message appended this run, which the
// verify checks against what the server says it stored. Both are tables
// (table.go): identities, and sizes as varints. Folders in incremental
// are read from a stored inventory (only what changed comes from the
// server): the first read's identities are not needed there.
func knownIdents(first *inventory, results *tempFile, folders, incremental map[string]bool) (known, appended *table, err error) {
	ks, as := extsort.New(), extsort.New()
	defer ks.Release()
	defer as.Release()
	var key []byte
	var addErr error
	note := func(k msgKey, ident string) {
		if ident != "" && k.uid != 0 && k.validity != 0 && folders[k.folder] && addErr == nil {
			key = appendMsgKey(key[:0], k)
			addErr = ks.Add(key, []byte(ident))
		}
	}
	needFirst := false
	for f := range folders {
		needFirst = needFirst || !incremental[f]
	}
	if needFirst {
		r, err := first.dst.rewind()
		if err != nil {
			return nil, nil, err
		}
		err = eachMessage(r, "destination inventory", func(m *messageRef) {
			if !incremental[m.Folder] {
				note(m.key(), m.Ident)
			}
		})
		if err != nil {
			return nil, nil, err
		}
	}
	r, err := results.rewind()
	if err != nil {
		return nil, nil, err
	}
	var val []byte
	err = readScratch(r, "results").Each(func(l *record.Line) error {
		if l.Type != record.TypeResult {
			return nil
		}
		var res record.Result
		if err := l.DecodeOnly(&res); err != nil || !res.OK || res.Dst == nil || res.Dst.UID == 0 {
			return err
		}
		k := msgKey{res.Dst.Folder, res.Dst.UIDValidity, res.Dst.UID}
		key = appendMsgKey(key[:0], k)
		val = binary.AppendVarint(val[:0], res.Size)
		if err := as.Add(key, val); err != nil {
			return err
		}
		note(k, res.Ident)
		return addErr
	})
	if err == nil {
		err = addErr
	}
	if err != nil {
		return nil, nil, err
	}
	if known, err = newTable(ks); err != nil {
		return nil, nil, err
	}
	if appended, err = newTable(as); err != nil {
		known.Close()
		return nil, nil, err
	}
	return known, appended, nil
}

// messageRef is what the verify needs of a destination message record.
type messageRef struct {
	Folder      string `json:"folder"`
	UIDValidity uint32 `json:"uidvalidity"`
	UID         uint32 `json:"uid"`
	Size        int64  `json:"size"`
	Ident       string `json:"ident"`
	// InternalDate is checked against the date sent (--idatefromheader).
	InternalDate time.Time `json:"internaldate"`
}

func (m *messageRef) key() msgKey { return msgKey{m.Folder, m.UIDValidity, m.UID} }

// eachMessage calls f with every message record of an inventory.
func eachMessage(r io.Reader, name string, f func(*messageRef)) error {
	var scratch record.MessageFields
	return readScratch(r, name).Each(func(l *record.Line) error {
		if l.Type != record.TypeMessage {
			return nil
		}
		var m messageRef
		if !fastRef(l.JSON, &m, &scratch) {
			if err := l.DecodeOnly(&m); err != nil {
				return err
			}
		}
		f(&m)
		return nil
	})
}

// badCopy is a destination message whose size is not what was appended.
type badCopy struct {
	key         msgKey
	folder, why string
}

// dstTable is a destination inventory's messages as a table of their
// sizes (varint) and identities.
func dstTable(r io.Reader) (*table, error) {
	s := extsort.New()
	var key, val []byte
	var addErr error
	err := eachMessage(r, "destination inventory", func(m *messageRef) {
		if addErr == nil {
			key = appendMsgKey(key[:0], m.key())
			val = append(binary.AppendVarint(val[:0], m.Size), m.Ident...)
			addErr = s.Add(key, val)
		}
	})
	if err == nil {
		err = addErr
	}
	if err != nil {
		s.Release()
		return nil, err
	}
	return newTable(s)
}

// sizeIdent splits a dstTable value.
func sizeIdent(val []byte) (int64, string) {
	size, n := binary.Varint(val)
	if n <= 0 {
		return 0, ""
	}
	return size, string(val[n:])
}

// checkSizes compares what the server says it stored (dst, a dstTable)
// with what was appended: a body cut short or doubled on its way is a
// message that did not arrive, whatever its header says.
func checkSizes(dst, appended *table) ([]badCopy, error) {
	var bad []badCopy
	d, a := dst.iter(), appended.iter()
	for {
		ok, err := d.next()
		if err != nil || !ok {
			return bad, err
		}
		found, err := a.seek(d.key)
		if err != nil {
			return nil, err
		}
		if !found {
			continue
		}
		want, _ := binary.Varint(a.val)
		if size, _ := sizeIdent(d.val); size != want {
			k := d.k
			bad = append(bad, badCopy{k, k.folder, fmt.Sprintf("folder %q UID %d holds %d bytes, %d were appended", k.folder, k.uid, size, want)})
		}
	}
}

// notAltered drops from bad the copies the destination stored altered.
func notAltered(bad []badCopy, altered []state.Altered) []badCopy {
	alt := map[msgKey]bool{}
	for _, a := range altered {
		alt[msgKey{a.DstFolder, a.DstUIDValidity, a.DstUID}] = true
	}
	var out []badCopy
	for _, b := range bad {
		if !alt[b.key] {
			out = append(out, b)
		}
	}
	return out
}

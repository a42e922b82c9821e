package pipeline

import (
	"fmt"
	"io"
	"time"

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
// verify checks against what the server says it stored. Folders in
// incremental are read from a stored inventory (only what changed comes
// from the server): the first read's identities are not needed there.
func knownIdents(first *inventory, results *tempFile, folders, incremental map[string]bool) (map[msgKey]string, map[msgKey]int64, error) {
	known := map[msgKey]string{}
	appended := map[msgKey]int64{}
	note := func(k msgKey, ident string) {
		if ident != "" && k.uid != 0 && k.validity != 0 && folders[k.folder] {
			known[k] = ident
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
	err = readScratch(r, "results").Each(func(l *record.Line) error {
		if l.Type != record.TypeResult {
			return nil
		}
		var res record.Result
		if err := l.DecodeOnly(&res); err != nil || !res.OK || res.Dst == nil || res.Dst.UID == 0 {
			return err
		}
		k := msgKey{res.Dst.Folder, res.Dst.UIDValidity, res.Dst.UID}
		appended[k] = res.Size
		note(k, res.Ident)
		return nil
	})
	return known, appended, err
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
	return readScratch(r, name).Each(func(l *record.Line) error {
		if l.Type != record.TypeMessage {
			return nil
		}
		var m messageRef
		if !fastRef(l.JSON, &m) {
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

// checkSizes compares what the server says it stored with what was
// appended: a body cut short or doubled on its way is a message that did
// not arrive, whatever its header says.
func checkSizes(dst io.Reader, appended map[msgKey]int64) ([]badCopy, error) {
	var bad []badCopy
	err := eachMessage(dst, "destination inventory", func(m *messageRef) {
		if want, ok := appended[m.key()]; ok && want != m.Size {
			bad = append(bad, badCopy{m.key(), m.Folder, fmt.Sprintf("folder %q UID %d holds %d bytes, %d were appended", m.Folder, m.UID, m.Size, want)})
		}
	})
	return bad, err
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

package pipeline

import (
	"fmt"
	"io"

	"github.com/imapx/imapx/internal/record"
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
// verify checks against what the server says it stored.
func knownIdents(first *inventory, results *tempFile, folders map[string]bool) (map[msgKey]string, map[msgKey]int64, error) {
	known := map[msgKey]string{}
	appended := map[msgKey]int64{}
	add := func(r io.Reader, name string, key func(l *record.Line) (msgKey, string, error)) error {
		rd := record.NewReader(r, name)
		for {
			l, err := rd.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			k, id, err := key(l)
			if err != nil {
				return err
			}
			if id != "" && k.uid != 0 && k.validity != 0 && folders[k.folder] {
				known[k] = id
			}
		}
	}
	r, err := first.dst.rewind()
	if err != nil {
		return nil, nil, err
	}
	err = add(r, "destination inventory", func(l *record.Line) (msgKey, string, error) {
		if l.Type != record.TypeMessage {
			return msgKey{}, "", nil
		}
		var m struct {
			Folder      string `json:"folder"`
			UIDValidity uint32 `json:"uidvalidity"`
			UID         uint32 `json:"uid"`
			Ident       string `json:"ident"`
		}
		err := l.DecodeOnly(&m)
		return msgKey{m.Folder, m.UIDValidity, m.UID}, m.Ident, err
	})
	if err != nil {
		return nil, nil, err
	}
	if r, err = results.rewind(); err != nil {
		return nil, nil, err
	}
	err = add(r, "results", func(l *record.Line) (msgKey, string, error) {
		if l.Type != record.TypeResult {
			return msgKey{}, "", nil
		}
		var res record.Result
		if err := l.DecodeOnly(&res); err != nil || !res.OK || res.Dst == nil {
			return msgKey{}, "", err
		}
		k := msgKey{res.Dst.Folder, res.Dst.UIDValidity, res.Dst.UID}
		if k.uid != 0 {
			appended[k] = res.Size
		}
		return k, res.Ident, nil
	})
	return known, appended, err
}

// badCopy is a destination message whose size is not what was appended.
type badCopy struct{ folder, why string }

// checkSizes compares what the server says it stored with what was
// appended: a body cut short or doubled on its way is a message that did
// not arrive, whatever its header says.
func checkSizes(dst io.Reader, appended map[msgKey]int64) ([]badCopy, error) {
	var bad []badCopy
	rd := record.NewReader(dst, "destination inventory")
	for {
		l, err := rd.Next()
		if err == io.EOF {
			return bad, nil
		}
		if err != nil {
			return nil, err
		}
		if l.Type != record.TypeMessage {
			continue
		}
		var m struct {
			Folder      string `json:"folder"`
			UIDValidity uint32 `json:"uidvalidity"`
			UID         uint32 `json:"uid"`
			Size        int64  `json:"size"`
		}
		if err := l.DecodeOnly(&m); err != nil {
			return nil, err
		}
		want, ok := appended[msgKey{m.Folder, m.UIDValidity, m.UID}]
		if ok && want != m.Size {
			bad = append(bad, badCopy{m.Folder, fmt.Sprintf("folder %q UID %d holds %d bytes, %d were appended", m.Folder, m.UID, m.Size, want)})
		}
	}
}

package fetch

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/record"
)

// Dovecot (2.3) answers BODY[] with every NUL byte of a message shown as
// 0x80: a copy made from it silently loses the NUL bytes. Its BINARY[]
// (RFC 3516) has them, but also undoes transfer encodings, so it is not
// the message as stored either. So a body that may hide NUL bytes is
// fetched again with BINARY.PEEK[], and that is kept only when it is the
// same body with NUL bytes where BODY[] had 0x80: the stored message.
// Cyrus sends such a message as it is, in a literal8.

// hiddenNUL is a message whose BODY[] may show NUL bytes as 0x80, kept
// back until its BINARY[] says.
type hiddenNUL struct {
	m    *record.Message
	body *record.Body
}

// mayHideNUL reports whether a body read with BODY[] could have had NUL
// bytes turned into 0x80: it has a 0x80 byte and is not valid UTF-8 (in
// UTF-8 text 0x80 is a common continuation byte, never worth a second
// read).
func mayHideNUL(b *record.Body) bool {
	if mem := b.Bytes(); mem != nil {
		return bytes.IndexByte(mem, 0x80) >= 0 && !utf8.Valid(mem)
	}
	r := b.Reader()
	buf := make([]byte, 64<<10)
	carry := 0
	has80, valid := false, true
	for {
		n, err := r.Read(buf[carry:])
		n += carry
		chunk := buf[:n]
		has80 = has80 || bytes.IndexByte(chunk, 0x80) >= 0
		keep := 0
		if err == nil {
			keep = incompleteRune(chunk) // completed by the next read
		}
		valid = valid && utf8.Valid(chunk[:n-keep])
		if has80 && !valid {
			return true
		}
		if err != nil {
			return false
		}
		carry = copy(buf, chunk[n-keep:])
	}
}

// incompleteRune is the length of a UTF-8 sequence begun but not ended
// at the end of p.
func incompleteRune(p []byte) int {
	for i := 1; i <= 3 && i <= len(p); i++ {
		c := p[len(p)-i]
		if c < 0x80 {
			return 0
		}
		if c >= 0xC0 {
			need := 2
			if c >= 0xF0 {
				need = 4
			} else if c >= 0xE0 {
				need = 3
			}
			if need > i {
				return i
			}
			return 0
		}
	}
	return 0
}

// restoreNUL fetches the held-back messages again with BINARY.PEEK[],
// takes that body where it only differs by NUL bytes for 0x80, and writes
// the messages.
func (f *fetcher) restoreNUL(c *imapclient.Client, j job, st *folderState) error {
	if len(st.hidden) == 0 {
		return nil
	}
	byUID := map[imap.UID]*hiddenNUL{}
	var uids []imap.UID
	for i := range st.hidden {
		h := &st.hidden[i]
		byUID[imap.UID(h.m.UID)] = h
		uids = append(uids, imap.UID(h.m.UID))
	}
	cmd := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true,
		BinarySection: []*imap.FetchItemBinarySection{{Peek: true}}})
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var uid imap.UID
		var bin *record.Body
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch item := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = item.UID
			case imapclient.FetchItemDataBinarySection:
				if item.Literal != nil && bin == nil {
					b, err := record.SpoolSized(item.Literal, item.Literal.Size())
					if err != nil {
						b.Close()
						cmd.Close()
						return fmt.Errorf("folder %q UID %d: reading BINARY[]: %w", j.folder, uid, err)
					}
					bin = b
				}
			}
		}
		h := byUID[uid]
		if h == nil || bin == nil || !nulFor80(h.body, bin) {
			bin.Close()
			continue
		}
		h.body.Close()
		h.body = bin
	}
	if err := cmd.Close(); err != nil {
		return exitcode.New(exitcode.Fetch, fmt.Errorf("UID FETCH BINARY[] in %q: %w", j.folder, err))
	}
	hidden := st.hidden
	st.hidden = nil
	for i, h := range hidden {
		header, err := identity.ReadHeader(h.body)
		if err == nil {
			err = f.emit(h.m, h.body, header)
		}
		if err != nil {
			for _, rest := range hidden[i+1:] {
				rest.body.Close()
			}
			return fatalError{err}
		}
		st.done.add(imap.UID(h.m.UID))
	}
	return nil
}

// nulFor80 reports whether bin is body with some of its 0x80 bytes NUL
// bytes, and at least one.
func nulFor80(body, bin *record.Body) bool {
	if body.Size() != bin.Size() {
		return false
	}
	a, b := body.Reader(), bin.Reader()
	bufA, bufB := make([]byte, 32<<10), make([]byte, 32<<10)
	nul := false
	for {
		n, err := io.ReadFull(a, bufA)
		if _, err := io.ReadFull(b, bufB[:n]); err != nil && n > 0 {
			return false
		}
		for i := 0; i < n; i++ {
			x, y := bufA[i], bufB[i]
			if x == y {
				continue
			}
			if x != 0x80 || y != 0 {
				return false
			}
			nul = true
		}
		if err != nil {
			return nul && (err == io.EOF || err == io.ErrUnexpectedEOF)
		}
	}
}

// dropHidden forgets the messages held back, unwritten: a new attempt at
// the folder fetches them again.
func (st *folderState) dropHidden() {
	for _, h := range st.hidden {
		h.body.Close()
	}
	st.hidden = nil
}

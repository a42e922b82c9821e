package pipeline

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"golang.org/x/sync/errgroup"

	"github.com/imapx/imapx/internal/extsort"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/state"
)

// VerifyMode says how the verify compares what was written with what the
// destination stored.
type VerifyMode int

const (
	// VerifyHeader (the default) compares sizes and a digest of the
	// header section of every message the run wrote.
	VerifyHeader VerifyMode = iota
	// VerifyFull also compares a digest of the whole text.
	VerifyFull
	// VerifySizes compares sizes only (as before digests).
	VerifySizes
)

// srcKey names a source message within one run.
type srcKey struct {
	folder string
	uid    uint32
}

// key is a source message's key in a table: its folder, UIDVALIDITY 0.
func (k srcKey) key() msgKey { return msgKey{k.folder, 0, k.uid} }

// sentDigests collects the digests of the bodies the bridges pass on, in
// a sorter (on disk beyond its memory), by source message.
type sentDigests struct {
	full bool
	mu   sync.Mutex
	s    *extsort.Sorter
	key  []byte
	err  error
}

func newSentDigests(full bool) *sentDigests {
	return &sentDigests{full: full, s: extsort.New()}
}

// add digests a body on its way to push. A body that cannot be read here
// will not be sent either: push reports that.
func (s *sentDigests) add(m *record.Message, body *record.Body) {
	if s == nil || m == nil || body == nil || m.UID == 0 {
		return
	}
	d, err := digestMessage(body.Reader(), s.full)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key = appendMsgKey(s.key[:0], srcKey{m.Folder, m.UID}.key())
	if err := s.s.Add(s.key, d.append(nil)); err != nil && s.err == nil {
		s.err = err
	}
}

// close drops what was collected.
func (s *sentDigests) close() {
	if s != nil {
		s.s.Release()
	}
}

// append encodes a digest (41 bytes).
func (d digest) append(b []byte) []byte {
	for _, v := range []uint64{d.hdr, d.hdrEOL, d.hdr8, d.text, d.textEOL} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	if d.full {
		return append(b, 1)
	}
	return append(b, 0)
}

func parseDigest(b []byte) (digest, bool) {
	if len(b) < 41 {
		return digest{}, false
	}
	u := func(i int) uint64 { return binary.BigEndian.Uint64(b[8*i:]) }
	return digest{hdr: u(0), hdrEOL: u(1), hdr8: u(2), text: u(3), textEOL: u(4), full: b[40] == 1}, true
}

// writtenMessages pairs the results' appended copies with the digests of
// what was sent: a table by destination message of its source folder and
// UID, size and sent digest (see written). Nil when no digests were taken.
func writtenMessages(results *tempFile, sent *sentDigests) (*table, error) {
	if sent == nil {
		return nil, nil
	}
	sent.mu.Lock()
	defer sent.mu.Unlock()
	if sent.err != nil {
		return nil, sent.err
	}
	sentT, err := newTable(sent.s)
	if err != nil {
		return nil, err
	}
	defer sentT.Close()
	r, err := results.rewind()
	if err != nil {
		return nil, err
	}
	bySrc := extsort.New()
	defer bySrc.Release()
	var key, val []byte
	err = readScratch(r, "results").Each(func(l *record.Line) error {
		if l.Type != record.TypeResult {
			return nil
		}
		var res record.Result
		if err := l.DecodeOnly(&res); err != nil || !res.OK || res.Op != "append" || res.Src == nil || res.Dst == nil || res.Dst.UID == 0 || res.Dst.UIDValidity == 0 {
			return err
		}
		key = appendMsgKey(key[:0], srcKey{res.Src.Folder, res.Src.UID}.key())
		val = binary.AppendVarint(val[:0], res.Size)
		val = appendMsgKey(val, msgKey{res.Dst.Folder, res.Dst.UIDValidity, res.Dst.UID})
		return bySrc.Add(key, val)
	})
	if err != nil {
		return nil, err
	}
	srcT, err := newTable(bySrc)
	if err != nil {
		return nil, err
	}
	defer srcT.Close()
	byDst := extsort.New()
	defer byDst.Release()
	si, di := srcT.iter(), sentT.iter()
	for {
		ok, err := si.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		found, err := di.seek(si.key)
		if err != nil {
			return nil, err
		}
		if !found {
			continue
		}
		size, n := binary.Varint(si.val)
		if n <= 0 {
			return nil, errCorruptTable
		}
		w := written{src: srcKey{si.k.folder, si.k.uid}, size: size}
		w.sent, _ = parseDigest(di.val)
		if err := byDst.Add(si.val[n:], w.append(nil)); err != nil {
			return nil, err
		}
	}
	return newTable(byDst)
}

// written is a message the run appended, with what it was sent as (its
// destination is its key in the written table).
type written struct {
	src  srcKey
	size int64
	sent digest
}

func (w written) append(b []byte) []byte {
	b = w.sent.append(b)
	b = binary.AppendVarint(b, w.size)
	b = binary.BigEndian.AppendUint32(b, w.src.uid)
	return append(b, w.src.folder...)
}

func parseWritten(b []byte) (written, bool) {
	d, ok := parseDigest(b)
	if !ok {
		return written{}, false
	}
	b = b[41:]
	size, n := binary.Varint(b)
	if n <= 0 || len(b) < n+4 {
		return written{}, false
	}
	b = b[n:]
	return written{src: srcKey{string(b[4:]), binary.BigEndian.Uint32(b)}, size: size, sent: d}, true
}

// digestChunk is how many messages one UID FETCH of the verify asks for.
const digestChunk = 500

// storedDigests fetches the digests of what the destination stored for
// the messages of ws (the written table): UID FETCHes of
// BODY.PEEK[HEADER] (and BODY.PEEK[TEXT] when full) of up to digestChunk
// messages of a folder, read from ws in order and shared out to up to
// conns new connections, every section hashed as it streams in, never
// held whole. Messages of a folder whose UIDVALIDITY changed since are
// left out: their copies are checked by identity alone. The digests come
// back as a table.
func storedDigests(ctx context.Context, dial session.Dialer, ws *table, full bool, conns int) (*table, error) {
	type chunk struct {
		folder string
		keys   []msgKey
	}
	out := extsort.New()
	defer out.Release()
	if ws == nil {
		return newTable(out)
	}
	g, gctx := errgroup.WithContext(ctx)
	chunks := make(chan chunk)
	g.Go(func() error {
		defer close(chunks)
		it := ws.iter()
		var ch chunk
		send := func() error {
			if len(ch.keys) == 0 {
				return nil
			}
			select {
			case chunks <- ch:
				ch = chunk{}
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		for {
			ok, err := it.next()
			if err != nil {
				return err
			}
			if !ok {
				return send()
			}
			if it.k.folder != ch.folder || len(ch.keys) == digestChunk {
				if err := send(); err != nil {
					return err
				}
				ch.folder = it.k.folder
			}
			ch.keys = append(ch.keys, it.k)
		}
	})
	var mu sync.Mutex
	var key []byte
	var addErr error
	sections := []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, Peek: true}}
	if full {
		sections = append(sections, &imap.FetchItemBodySection{Specifier: imap.PartSpecifierText, Peek: true})
	}
	for range max(1, conns) {
		g.Go(func() (err error) {
			r := &redialer{dial: dial}
			defer func() { r.end(err) }()
			for ch := range chunks {
				if gctx.Err() != nil {
					return gctx.Err()
				}
				// A chunk is fetched again whole on a new connection when
				// the link drops: its digests are added again (a lookup
				// finds one of equal ones).
				err := r.do(gctx, func(c *imapclient.Client, fresh bool) error {
					if ch.folder != r.selected || fresh {
						sel, err := session.Select(c, ch.folder, true)
						if err != nil {
							return fmt.Errorf("verify: select %q: %w", ch.folder, err)
						}
						r.selected, r.validity = ch.folder, sel.UIDValidity
					}
					validity := r.validity
					var set imap.UIDSet
					for _, k := range ch.keys {
						if k.validity == validity {
							set.AddNum(imap.UID(k.uid))
						}
					}
					if len(set) == 0 {
						return nil
					}
					err := fetchDigests(c, set, sections, full, func(uid uint32, d digest) {
						mu.Lock()
						defer mu.Unlock()
						key = appendMsgKey(key[:0], msgKey{ch.folder, validity, uid})
						if err := out.Add(key, d.append(nil)); err != nil && addErr == nil {
							addErr = err
						}
					})
					if err != nil {
						return fmt.Errorf("verify: fetch in %q: %w", ch.folder, err)
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if addErr != nil {
		return nil, addErr
	}
	return newTable(out)
}

// fetchDigests runs one UID FETCH and hashes each section as it arrives.
func fetchDigests(c *imapclient.Client, set imap.UIDSet, sections []*imap.FetchItemBodySection, full bool, found func(uint32, digest)) error {
	cmd := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: sections})
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		var uid uint32
		d := digest{full: full}
		seen := 0
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = uint32(it.UID)
			case imapclient.FetchItemDataBodySection:
				text := it.Section != nil && it.Section.Specifier == imap.PartSpecifierText
				h := newPartHasher(!text, !text)
				if it.Literal != nil {
					n, err := io.Copy(h, it.Literal)
					if err == nil && n != it.Literal.Size() {
						// go-imap ends a literal cut by a lost connection
						// without an error: a digest of part of it is wrong.
						err = fmt.Errorf("UID %d: section cut at %d of %d bytes", uid, n, it.Literal.Size())
					}
					if err != nil {
						cmd.Close()
						return err
					}
				}
				if text {
					d.text, d.textEOL, _ = h.sums()
				} else {
					d.hdr, d.hdrEOL, d.hdr8 = h.sums()
				}
				seen++
			}
		}
		if uid != 0 && seen == len(sections) {
			found(uid, d)
		}
	}
	return cmd.Close()
}

// contentAltered compares what was sent (ws, the written table) with what
// was stored (stored, from storedDigests), for the copies whose size in
// dst (a dstTable) is what was appended (a size that differs is the size
// check's and classifyAltered's), and returns those the server changed.
// A copy the re-read no longer finds is not judged here.
func contentAltered(ws, stored, dst *table) ([]state.Altered, error) {
	var out []state.Altered
	wi, si, di := ws.iter(), stored.iter(), dst.iter()
	for {
		ok, err := wi.next()
		if err != nil || !ok {
			return out, err
		}
		w, ok := parseWritten(wi.val)
		if !ok {
			return nil, errCorruptTable
		}
		got, err := si.seek(wi.key)
		if err != nil {
			return nil, err
		}
		there, err := di.seek(wi.key)
		if err != nil {
			return nil, err
		}
		if !got || !there {
			continue
		}
		size, ident := sizeIdent(di.val)
		d, _ := parseDigest(si.val)
		if size != w.size {
			continue
		}
		what, _ := change(w.sent, d)
		if what == "" {
			continue
		}
		k := wi.k
		out = append(out, state.Altered{SrcFolder: w.src.folder, SrcUID: w.src.uid, DstFolder: k.folder,
			DstUIDValidity: k.validity, DstUID: k.uid, Ident: ident, SrcSize: w.size, DstSize: size, What: what})
	}
}

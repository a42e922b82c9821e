package pipeline

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"golang.org/x/sync/errgroup"

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

// sentDigests collects the digests of the bodies the bridges pass on.
type sentDigests struct {
	full bool
	mu   sync.Mutex
	m    map[srcKey]digest
}

func newSentDigests(full bool) *sentDigests {
	return &sentDigests{full: full, m: map[srcKey]digest{}}
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
	s.m[srcKey{m.Folder, m.UID}] = d
	s.mu.Unlock()
}

// written is a message the run appended, with what it was sent as.
type written struct {
	src  srcKey
	dst  msgKey
	size int64
	sent digest
}

// writtenMessages pairs the results' appended copies with the digests of
// what was sent.
func writtenMessages(results *tempFile, sent *sentDigests) ([]written, error) {
	if sent == nil {
		return nil, nil
	}
	r, err := results.rewind()
	if err != nil {
		return nil, err
	}
	var out []written
	err = readScratch(r, "results").Each(func(l *record.Line) error {
		if l.Type != record.TypeResult {
			return nil
		}
		var res record.Result
		if err := l.DecodeOnly(&res); err != nil || !res.OK || res.Op != "append" || res.Src == nil || res.Dst == nil || res.Dst.UID == 0 || res.Dst.UIDValidity == 0 {
			return err
		}
		k := srcKey{res.Src.Folder, res.Src.UID}
		if d, ok := sent.m[k]; ok {
			out = append(out, written{k, msgKey{res.Dst.Folder, res.Dst.UIDValidity, res.Dst.UID}, res.Size, d})
		}
		return nil
	})
	return out, err
}

// digestChunk is how many messages one UID FETCH of the verify asks for.
const digestChunk = 500

// storedDigests fetches the digests of what the destination stored for
// the given messages: UID FETCHes of BODY.PEEK[HEADER] (and
// BODY.PEEK[TEXT] when full) of up to digestChunk messages, shared out to
// up to conns new connections, every section hashed as it streams in,
// never held whole. Messages of a folder whose UIDVALIDITY changed since
// are left out: their copies are checked by identity alone.
func storedDigests(ctx context.Context, dial session.Dialer, ws []written, full bool, conns int) (map[msgKey]digest, error) {
	type chunk struct {
		folder string
		keys   []msgKey
	}
	byFolder := map[string][]msgKey{}
	for _, w := range ws {
		byFolder[w.dst.folder] = append(byFolder[w.dst.folder], w.dst)
	}
	var chunks []chunk
	for folder, keys := range byFolder {
		sort.Slice(keys, func(i, j int) bool { return keys[i].uid < keys[j].uid })
		for len(keys) > 0 {
			n := min(len(keys), digestChunk)
			chunks = append(chunks, chunk{folder, keys[:n]})
			keys = keys[n:]
		}
	}
	sort.SliceStable(chunks, func(i, j int) bool { return chunks[i].folder < chunks[j].folder })
	out := map[msgKey]digest{}
	if len(chunks) == 0 {
		return out, nil
	}
	var mu sync.Mutex
	next := 0
	take := func() (chunk, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next == len(chunks) {
			return chunk{}, false
		}
		next++
		return chunks[next-1], true
	}
	sections := []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, Peek: true}}
	if full {
		sections = append(sections, &imap.FetchItemBodySection{Specifier: imap.PartSpecifierText, Peek: true})
	}
	g, gctx := errgroup.WithContext(ctx)
	for range min(max(1, conns), len(chunks)) {
		g.Go(func() error {
			r := &redialer{dial: dial}
			defer r.close()
			for {
				ch, ok := take()
				if !ok || gctx.Err() != nil {
					return gctx.Err()
				}
				// A chunk is fetched again whole on a new connection when
				// the link drops: its digests are overwritten.
				err := r.do(gctx, func(c *imapclient.Client, fresh bool) error {
					if ch.folder != r.selected || fresh {
						sel, err := c.Select(ch.folder, &imap.SelectOptions{ReadOnly: true}).Wait()
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
						out[msgKey{ch.folder, validity, uid}] = d
						mu.Unlock()
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
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
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

// contentAltered compares what was sent with what was stored, for the
// copies whose size is what was appended (a size that differs is the
// size check's and classifyAltered's), and returns those the server
// changed. A copy the re-read no longer finds is not judged here.
func contentAltered(ws []written, stored map[msgKey]digest, dstSizes map[msgKey]int64, idents map[msgKey]string) []state.Altered {
	var out []state.Altered
	for _, w := range ws {
		got, ok := stored[w.dst]
		size, there := dstSizes[w.dst]
		if !ok || !there || size != w.size {
			continue
		}
		what, _ := change(w.sent, got)
		if what == "" {
			continue
		}
		out = append(out, state.Altered{SrcFolder: w.src.folder, SrcUID: w.src.uid, DstFolder: w.dst.folder,
			DstUIDValidity: w.dst.validity, DstUID: w.dst.uid, Ident: idents[w.dst], SrcSize: w.size, DstSize: size, What: what})
	}
	return out
}

// dstSizes reads the sizes and identities of an inventory's destination
// messages among want.
func dstSizes(r io.Reader, ws []written) (map[msgKey]int64, map[msgKey]string, error) {
	want := make(map[msgKey]bool, len(ws))
	for _, w := range ws {
		want[w.dst] = true
	}
	sizes, idents := map[msgKey]int64{}, map[msgKey]string{}
	err := eachMessage(r, "destination inventory", func(m *messageRef) {
		if k := m.key(); want[k] {
			sizes[k], idents[k] = m.Size, m.Ident
		}
	})
	return sizes, idents, err
}

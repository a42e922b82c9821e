package pipeline

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"io"
)

// A server can store a message altered at the same size (Cyrus's
// munge8bit replaces every 8-bit header byte with 'X'), which sizes do not
// show. So the verify compares digests: of what was sent, taken as bodies
// pass through the bridge, and of what the destination stored, fetched
// for the messages the run wrote (the header section, small; with
// --verify full the text too, hashed as it streams in).
//
// Each part is hashed as is, with line ends normalised, and (the header)
// also with every 8-bit byte as 'X': which of them still match says what
// the server changed. Hashes are cut to 64 bits: a miss has a chance of
// 2^-64, and a digest costs 40 bytes a message written.

// digest describes one message's header section and, when full, its text.
type digest struct {
	hdr, hdrEOL, hdr8 uint64
	text, textEOL     uint64
	full              bool
}

// partHasher hashes a stream three ways (as is, line ends normalised,
// 8-bit bytes as 'X' after normalising). With trim, the line ends that
// end the stream are left out: a header section's closing empty line is
// not part of its fields, and servers differ on it for a message with no
// body.
type partHasher struct {
	trim, with8  bool
	held         []byte // trailing CR and LF bytes held back (trim)
	raw, eol, x8 hash.Hash
	crs          int // CRs seen and not yet known to end a line
	buf          []byte
}

func newPartHasher(trim, with8 bool) *partHasher {
	h := &partHasher{trim: trim, with8: with8, raw: sha256.New(), eol: sha256.New()}
	if with8 {
		h.x8 = sha256.New()
	}
	return h
}

func (h *partHasher) Write(p []byte) (int, error) {
	if !h.trim {
		h.emit(p)
		return len(p), nil
	}
	k := len(p)
	for k > 0 && (p[k-1] == '\r' || p[k-1] == '\n') {
		k--
	}
	if k == 0 {
		h.held = append(h.held, p...)
		return len(p), nil
	}
	if len(h.held) > 0 {
		h.emit(h.held)
		h.held = h.held[:0]
	}
	h.emit(p[:k])
	h.held = append(h.held, p[k:]...)
	return len(p), nil
}

// emit feeds bytes to the three hashes, normalising line ends as
// normalEOL does: CRs then a LF are one line end, a bare CR or LF one.
// Runs without CR or LF are copied whole: most of a text is.
func (h *partHasher) emit(p []byte) {
	h.raw.Write(p)
	out := h.buf[:0]
	for len(p) > 0 {
		if h.crs == 0 {
			i := bytes.IndexAny(p, "\r\n")
			if i < 0 {
				out = append(out, p...)
				break
			}
			out = append(out, p[:i]...)
			p = p[i:]
		}
		switch c := p[0]; c {
		case '\r':
			h.crs++
		case '\n':
			h.crs = 0
			out = append(out, '\r', '\n')
		default:
			for ; h.crs > 0; h.crs-- {
				out = append(out, '\r', '\n')
			}
			out = append(out, c)
		}
		p = p[1:]
	}
	h.write(out)
	h.buf = out
}

func (h *partHasher) write(eol []byte) {
	h.eol.Write(eol)
	if h.with8 {
		for i, c := range eol {
			if c >= 0x80 {
				eol[i] = 'X'
			}
		}
		h.x8.Write(eol)
	}
}

// sums ends the stream.
func (h *partHasher) sums() (raw, eol, x8 uint64) {
	var tail []byte
	for ; h.crs > 0; h.crs-- {
		tail = append(tail, '\r', '\n')
	}
	h.write(tail)
	raw, eol = sum64(h.raw), sum64(h.eol)
	if h.with8 {
		x8 = sum64(h.x8)
	}
	return raw, eol, x8
}

func sum64(h hash.Hash) uint64 { return binary.BigEndian.Uint64(h.Sum(nil)) }

// digestMessage hashes a whole message as sent: its header section
// (through the first empty line, as identity.HeaderBlock and IMAP's
// BODY[HEADER] see it) and, when full, the text after it.
func digestMessage(r io.Reader, full bool) (digest, error) {
	br := bufio.NewReaderSize(r, 32<<10)
	hh := newPartHasher(true, true)
	lineStart := true
	for {
		line, err := br.ReadSlice('\n')
		hh.Write(line)
		if err == bufio.ErrBufferFull {
			lineStart = false
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return digest{}, err
		}
		empty := lineStart && (len(line) == 1 || len(line) == 2 && line[0] == '\r')
		lineStart = true
		if empty {
			break
		}
	}
	var d digest
	d.hdr, d.hdrEOL, d.hdr8 = hh.sums()
	if full {
		th := newPartHasher(false, false)
		if _, err := io.Copy(th, br); err != nil {
			return digest{}, err
		}
		d.text, d.textEOL, _ = th.sums()
		d.full = true
	}
	return d, nil
}

// change says what differs between a digest of what was sent and one of
// what was stored ("" when nothing does), as precisely as the hashes tell.
func change(sent, stored digest) (what string, lost bool) {
	var parts []string
	eolOnly := true
	switch {
	case sent.hdr == stored.hdr:
	case sent.hdrEOL == stored.hdrEOL:
	case sent.hdr8 == stored.hdr8:
		parts, eolOnly = append(parts, "8-bit header bytes replaced"), false
	default:
		parts, eolOnly = append(parts, "header changed"), false
	}
	if sent.full && stored.full {
		switch {
		case sent.text == stored.text:
		case sent.textEOL == stored.textEOL:
		default:
			parts, eolOnly = append(parts, "body changed"), false
		}
	}
	if eolOnly {
		if sent.hdr != stored.hdr || sent.full && stored.full && sent.text != stored.text {
			return alteredEOL, false
		}
		return "", false
	}
	what = parts[0]
	for _, p := range parts[1:] {
		what += ", " + p
	}
	return what, true
}

// alteredEOL is the change that keeps the text: line ends normalised.
const alteredEOL = "line ends normalised"

package mbox

import (
	"encoding/base64"
	"errors"
	"hash/crc32"
	"io"
)

// textBody rebuilds an eol=lf or eol=crlf message from go-mbox's lines:
// each line is unquoted and given the recorded line end, and the result is
// cut at size= bytes. The cut drops what go-mbox adds at the end (the LF
// we end an unterminated last line with, and one or two blank lines from
// its own framing), which therefore must be blank.
type textBody struct {
	r       *Reader
	eol     string
	sum     checksum
	size    int64
	left    int64  // bytes still to hand out, counted when a line is taken
	content []byte // rest of the current line, in r.br's buffer
	end     string // rest of the current line's line end
	done    bool
}

func (b *textBody) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(b.content) == 0 && len(b.end) == 0 {
			if b.left == 0 {
				break
			}
			if err := b.next(); err != nil {
				return n, err
			}
			continue
		}
		k := copy(p[n:], b.content)
		b.content = b.content[k:]
		n += k
		if len(b.content) == 0 {
			k = copy(p[n:], b.end)
			b.end = b.end[k:]
			n += k
		}
	}
	if n > 0 || len(p) == 0 {
		b.sum.add(p[:n])
		return n, nil
	}
	if !b.done {
		if err := b.checkEnd(); err != nil {
			return 0, err
		}
		if err := b.sum.check(b.r); err != nil {
			return 0, err
		}
		b.done = true
	}
	return 0, io.EOF
}

// next takes the next line.
func (b *textBody) next() error {
	l, err := b.r.readLine()
	if err == io.EOF {
		return b.r.formatErr(b.r.lines+1, "truncated: message ends after %d of its %d bytes", b.size-b.left, b.size)
	}
	if err != nil {
		return err
	}
	// go-mbox removed one '>' from ">From " lines: what it gives as
	// "From x" was stored ">From x" (one level of our quoting); ">>From x"
	// and deeper were left alone and lose their one level here. (go-mbox
	// never gives ">From x": that would have been stored ">>From x".)
	if fromQuoted(l) > 1 {
		l = l[1:]
	}
	if int64(len(l)) > b.left {
		return b.r.formatErr(b.r.lines, "data past the end of the message (size=%d): file edited or corrupt", b.size)
	}
	b.left -= int64(len(l))
	b.content = l
	b.end = b.eol
	if int64(len(b.end)) > b.left {
		// Only a whole line end can be missing: the writer sends messages
		// ending inside one (a final CR) to base64.
		if b.left != 0 {
			return b.r.formatErr(b.r.lines, "size=%d ends inside a line end: file edited or corrupt", b.size)
		}
		b.end = ""
	}
	b.left -= int64(len(b.end))
	return nil
}

// checkEnd verifies that only blank lines follow the message's bytes.
func (b *textBody) checkEnd() error {
	for {
		l, err := b.r.readLine()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if len(l) != 0 {
			return b.r.formatErr(b.r.lines, "data past the end of the message (size=%d): file edited or corrupt", b.size)
		}
	}
}

// base64Body decodes an eol=base64 message. The decoder skips CR and LF,
// so go-mbox's CRLF lines and trailing blank lines need no handling.
type base64Body struct {
	r    *Reader
	sum  checksum
	dec  io.Reader
	size int64
	left int64
	done bool
}

func newBase64Body(r *Reader, h header) *base64Body {
	src := &lineCounter{r: r.br, lines: &r.lines}
	return &base64Body{r: r, sum: newChecksum(h), dec: base64.NewDecoder(base64.StdEncoding, src), size: h.size, left: h.size}
}

func (b *base64Body) Read(p []byte) (int, error) {
	if b.left == 0 {
		if !b.done {
			// Nothing may decode past size=.
			var one [1]byte
			n, err := io.ReadFull(b.dec, one[:])
			if n > 0 {
				return 0, b.r.formatErr(b.r.lines, "data past the end of the message (size=%d): file edited or corrupt", b.size)
			}
			if err != io.EOF {
				return 0, b.decodeErr(err)
			}
			if err := b.sum.check(b.r); err != nil {
				return 0, err
			}
			b.done = true
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.dec.Read(p)
	b.left -= int64(n)
	b.sum.add(p[:n])
	switch {
	case err == io.EOF && b.left > 0:
		return n, b.r.formatErr(b.r.lines, "truncated: message ends after %d of its %d bytes", b.size-b.left, b.size)
	case err != nil && err != io.EOF:
		return n, b.decodeErr(err)
	}
	return n, nil
}

func (b *base64Body) decodeErr(err error) error {
	var ce base64.CorruptInputError
	if errors.As(err, &ce) || err == io.ErrUnexpectedEOF {
		// The line is approximate: the decoder reads ahead.
		return b.r.formatErr(b.r.lines, "bad base64 (truncated or edited file): %v", err)
	}
	return err
}

// checksum verifies crc32c= when the header has it.
type checksum struct {
	want, got uint32
	on        bool
}

func newChecksum(h header) checksum { return checksum{want: h.crc, on: h.hasCRC} }

func (c *checksum) add(p []byte) {
	if c.on {
		c.got = crc32.Update(c.got, castagnoli, p)
	}
}

func (c *checksum) check(r *Reader) error {
	if c.on && c.got != c.want {
		return r.formatErr(-1, "checksum mismatch (crc32c=%08x, data %08x): file corrupt or edited", c.want, c.got)
	}
	return nil
}

// lineCounter counts the lines read through it, for error positions.
type lineCounter struct {
	r     io.Reader
	lines *int64
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for _, ch := range p[:n] {
		if ch == '\n' {
			*c.lines++
		}
	}
	return n, err
}

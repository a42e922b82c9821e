package mbox

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"time"

	gombox "github.com/emersion/go-mbox"

	"github.com/imapx/imapx/internal/scratch"
)

// Writer writes messages to an mbox stream in the format described in the
// package documentation. Close must be called to end the stream.
type Writer struct {
	out     *bufio.Writer
	mb      *gombox.Writer
	n       int   // messages started, for errors
	err     error // sticky: the output holds a partial message
	closed  bool
	spoolAt int64 // bodies above this go to a temp file (tests lower it)

	mem     []byte        // copy of a small unseekable body, reused
	copyBuf []byte        // io.CopyBuffer buffer, reused
	lines   *bufio.Reader // splits a text body into lines, reused
	batch   lineBatch
}

// NewWriter returns a Writer that writes an mbox stream to w.
func NewWriter(w io.Writer) *Writer {
	out := bufio.NewWriterSize(w, 64<<10)
	return &Writer{
		out:     out,
		mb:      gombox.NewWriter(out),
		spoolAt: spoolAt,
		copyBuf: make([]byte, 32<<10),
		lines:   bufio.NewReaderSize(nil, maxTextLine+16),
	}
}

// WriteMessage appends one message. body must yield exactly m.Size bytes.
//
// The whole body is looked at before anything is written, so a body of the
// wrong size, an unstorable flag or an out-of-range date is reported with
// nothing written and the Writer still usable. A body that is an
// io.ReadSeeker (a file, a bytes.Reader, an io.SectionReader) is read twice
// in place; any other body is held in memory up to 8 MiB and spooled to a
// temporary file above that, so memory stays bounded for any size.
func (w *Writer) WriteMessage(m Meta, body io.Reader) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("mbox: WriteMessage after Close")
	}
	if m.Size < 0 {
		return fmt.Errorf("mbox: negative message size %d", m.Size)
	}
	if y := m.InternalDate.Year(); !m.InternalDate.IsZero() && (y < 0 || y > 9999) {
		return fmt.Errorf("mbox: internal date %v out of range", m.InternalDate)
	}
	var fs flagSet
	for _, f := range m.Flags {
		if err := fs.add(f); err != nil {
			return err
		}
	}
	src, sc, cleanup, err := w.prepare(m.Size, body)
	defer cleanup()
	if err != nil {
		return err
	}
	w.n++
	if err := w.write(m, fs.lines(), sc, src); err != nil {
		w.err = fmt.Errorf("mbox: writing message %d: %w", w.n, err)
		return w.err
	}
	return nil
}

// prepare scans the body and returns a reader positioned at its start.
func (w *Writer) prepare(size int64, body io.Reader) (io.Reader, *scan, func(), error) {
	sc := &scan{}
	nop := func() {}
	if rs, ok := body.(io.ReadSeeker); ok {
		// Seek fails on pipes and terminals: those take the copying path.
		if start, err := rs.Seek(0, io.SeekCurrent); err == nil {
			if err := w.fill(sc, rs, size); err != nil {
				return nil, nil, nop, err
			}
			_, err := rs.Seek(start, io.SeekStart)
			return rs, sc, nop, err
		}
	}
	if size <= w.spoolAt {
		if int64(cap(w.mem)) < size {
			w.mem = make([]byte, size)
		}
		buf := w.mem[:size]
		if n, err := io.ReadFull(body, buf); err != nil {
			return nil, nil, nop, sizeError(int64(n), size, err)
		}
		if err := checkEnd(body, size); err != nil {
			return nil, nil, nop, err
		}
		sc.Write(buf)
		return bytes.NewReader(buf), sc, nop, nil
	}
	f, err := scratch.CreateTemp("mbox-*")
	if err != nil {
		return nil, nil, nop, fmt.Errorf("mbox: spooling a %d-byte message: %w", size, err)
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	fw := bufio.NewWriterSize(f, 64<<10)
	if err := w.fill(io.MultiWriter(fw, sc), body, size); err != nil {
		return nil, nil, cleanup, err
	}
	if err := fw.Flush(); err != nil {
		return nil, nil, cleanup, fmt.Errorf("mbox: spooling a %d-byte message: %w", size, err)
	}
	_, err = f.Seek(0, io.SeekStart)
	return f, sc, cleanup, err
}

// fill copies exactly size bytes of r to dst and checks that r ends there.
func (w *Writer) fill(dst io.Writer, r io.Reader, size int64) error {
	n, err := io.CopyBuffer(dst, io.LimitReader(r, size), w.copyBuf)
	if err != nil || n < size {
		return sizeError(n, size, err)
	}
	return checkEnd(r, size)
}

func sizeError(n, size int64, err error) error {
	if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("mbox: message body has %d bytes, Meta.Size says %d", n, size)
	}
	return fmt.Errorf("mbox: reading message body: %w", err)
}

// checkEnd fails if r has more than the announced bytes.
func checkEnd(r io.Reader, size int64) error {
	var one [1]byte
	if n, _ := io.ReadFull(r, one[:]); n > 0 {
		return fmt.Errorf("mbox: message body is longer than Meta.Size %d", size)
	}
	return nil
}

// write writes one scanned message through go-mbox.
func (w *Writer) write(m Meta, flagLines []string, sc *scan, src io.Reader) error {
	eol, crc := sc.mode(), sc.crc
	// The body is read a second time: check it is still the same.
	check := &scan{}
	src = io.TeeReader(src, crcOnly{check})
	// go-mbox puts time.Now() on the From_ line for a zero time: the epoch
	// says "unknown" instead, and no date= tells the reader so.
	fromDate := m.InternalDate
	if fromDate.IsZero() {
		fromDate = time.Unix(0, 0)
	}
	msg, err := w.mb.CreateMessage(fromSender, fromDate)
	if err != nil {
		return err
	}
	added := flagLines
	if eol == eolBase64 {
		added = append(added, base64Headers...)
	}
	b := &w.batch
	b.reset(msg)
	b.buf = appendHeader(b.buf, header{eol: eol, size: m.Size, crc: crc, date: m.InternalDate, added: len(added), folder: m.Folder})
	b.buf = append(b.buf, '\n')
	for _, l := range added {
		b.buf = append(append(b.buf, l...), '\n')
	}
	if eol == eolBase64 {
		b.buf = append(b.buf, '\n') // ends the header block of the MIME wrapper
		err = w.copyBase64(src, m.Size)
	} else {
		err = w.copyText(src, m.Size, eol == eolCRLF)
	}
	if err != nil {
		return err
	}
	if check.crc != crc {
		return errors.New("body changed after it was scanned (checksum)")
	}
	return b.flush()
}

// crcOnly feeds a scan's checksum and nothing else.
type crcOnly struct{ s *scan }

func (c crcOnly) Write(p []byte) (int, error) {
	c.s.crc = crc32.Update(c.s.crc, castagnoli, p)
	return len(p), nil
}

// copyText writes the body line by line: line end replaced by LF, and
// mboxrd quoting (a line matching ^>*From gets one more '>'), which
// go-mbox's mboxo quoting does not do for ">From " lines.
func (w *Writer) copyText(src io.Reader, size int64, crlf bool) error {
	br := w.lines
	br.Reset(io.LimitReader(src, size))
	defer br.Reset(nil)
	var n int64
	for {
		line, err := br.ReadSlice('\n')
		n += int64(len(line))
		if err == bufio.ErrBufferFull {
			return errors.New("body changed after it was scanned (line too long)")
		}
		if len(line) > 0 {
			if line[len(line)-1] == '\n' {
				line = line[:len(line)-1]
				if crlf {
					if len(line) == 0 || line[len(line)-1] != '\r' {
						return errors.New("body changed after it was scanned (bare LF)")
					}
					line = line[:len(line)-1]
				}
			}
			if fromQuoted(line) >= 0 {
				w.batch.buf = append(w.batch.buf, '>')
			}
			w.batch.buf = append(append(w.batch.buf, line...), '\n')
			if err := w.batch.maybeFlush(); err != nil {
				return err
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading message body: %w", err)
		}
	}
	if n != size {
		return fmt.Errorf("body changed after it was scanned (%d bytes, not %d)", n, size)
	}
	return nil
}

// fromQuoted returns the number of '>' before "From " when line matches
// ^>*From , else -1.
func fromQuoted(line []byte) int {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	if bytes.HasPrefix(line[i:], []byte("From ")) {
		return i
	}
	return -1
}

// copyBase64 writes the body as base64 in 76-character lines.
func (w *Writer) copyBase64(src io.Reader, size int64) error {
	lw := &base64Lines{b: &w.batch}
	enc := base64.NewEncoder(base64.StdEncoding, lw)
	n, err := io.CopyBuffer(enc, io.LimitReader(src, size), w.copyBuf)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("body changed after it was scanned (%d bytes, not %d)", n, size)
	}
	if err := enc.Close(); err != nil {
		return err
	}
	if lw.col > 0 {
		w.batch.buf = append(w.batch.buf, '\n')
	}
	return nil
}

// base64Lines cuts a base64 stream into lines.
type base64Lines struct {
	b   *lineBatch
	col int // characters on the current line
}

func (l *base64Lines) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(76-l.col, len(p))
		l.b.buf = append(l.b.buf, p[:k]...)
		l.col += k
		p = p[k:]
		if l.col == 76 {
			l.b.buf = append(l.b.buf, '\n')
			l.col = 0
			if err := l.b.maybeFlush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// lineBatch gathers whole lines for go-mbox's message writer. Whole lines
// only: that writer reports more bytes than it was given when a Write ends
// mid-line (it counts the carried-over partial line again), which
// io.Copy and bufio.Writer treat as an error or worse.
type lineBatch struct {
	dst io.Writer
	buf []byte
}

func (b *lineBatch) reset(dst io.Writer) { b.dst, b.buf = dst, b.buf[:0] }

// maybeFlush must be called only when buf ends with a complete line.
func (b *lineBatch) maybeFlush() error {
	if len(b.buf) < 32<<10 {
		return nil
	}
	return b.flush()
}

func (b *lineBatch) flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.dst.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// Close ends the last message and flushes the output. It does not close
// the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return errors.New("mbox: Writer already closed")
	}
	w.closed = true
	// Even after an error, end the framing so that the messages before the
	// failed one stay readable; the failed one reads back as corrupt.
	err := w.mb.Close()
	if ferr := w.out.Flush(); err == nil {
		err = ferr
	}
	if w.err != nil {
		return w.err
	}
	return err
}

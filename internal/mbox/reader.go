package mbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	gombox "github.com/emersion/go-mbox"
)

// FormatError is a message that cannot be read back as it was written: a
// truncated, edited or corrupt file. The Reader can go on with the next
// message; other errors (from the underlying reader) are final.
type FormatError struct {
	Message int    // 1-based index of the message in the file
	Offset  int64  // byte offset of its From_ line, -1 if unknown
	Line    int64  // 1-based line of the file where it went wrong, 0 if unknown
	Reason  string // what is wrong
}

func (e *FormatError) Error() string {
	s := fmt.Sprintf("mbox: message %d", e.Message)
	if e.Offset >= 0 {
		s += fmt.Sprintf(" (From_ line at byte %d)", e.Offset)
	}
	if e.Line > 0 {
		s += fmt.Sprintf(", line %d", e.Line)
	}
	return s + ": " + e.Reason
}

// Reader reads messages from an mbox stream: those imapx wrote, exactly,
// and plain mbox files from other tools (see the package documentation).
type Reader struct {
	tap     *tap
	mb      *gombox.Reader
	br      *bufio.Reader // over the current go-mbox message
	n       int           // messages started
	from    *fromLine     // the current message's From_ line
	lines   int64         // lines of the current message consumed from br
	cur     *tracked      // the body handed out by Next
	foreign bool          // cur is a foreign message, already checked
	spool   spool         // a foreign message, which must be sized first
	err     error         // sticky
	spoolAt int64
}

// NewReader returns a Reader that reads an mbox stream from r.
func NewReader(r io.Reader) *Reader {
	t := newTap(r)
	return &Reader{
		tap:     t,
		mb:      gombox.NewReader(t),
		br:      bufio.NewReaderSize(nil, maxTextLine+64),
		spoolAt: spoolAt,
	}
}

// Next returns the next message: its metadata and a reader of its exact
// original bytes, valid until the next call to Next. It returns io.EOF
// after the last message.
//
// Reading the body to its end verifies it (size, framing); a message whose
// body was not read is verified by the next call to Next, which then
// returns that message's *FormatError, once, instead of a message. After a
// *FormatError the next call goes on with the following message.
func (r *Reader) Next() (Meta, io.Reader, error) {
	if r.err != nil {
		return Meta{}, nil, r.err
	}
	if err := r.finish(); err != nil {
		return Meta{}, nil, r.fail(err)
	}
	mr, err := r.mb.NextMessage()
	switch {
	case err == io.EOF:
		r.err = io.EOF
		return Meta{}, nil, io.EOF
	case errors.Is(err, gombox.ErrInvalidFormat):
		r.err = &FormatError{Message: r.n + 1, Offset: -1, Reason: "not an mbox file: it does not start with a From_ line"}
		return Meta{}, nil, r.err
	case err != nil:
		r.err = fmt.Errorf("mbox: message %d: %w", r.n+1, err)
		return Meta{}, nil, r.err
	}
	r.n++
	r.from = r.tap.pop()
	r.lines = 0
	r.foreign = false
	r.br.Reset(mr)
	m, body, err := r.open()
	if err != nil {
		return Meta{}, nil, r.fail(err)
	}
	r.cur = &tracked{rd: body}
	return m, r.cur, nil
}

// Close releases the temporary file a large foreign message may use. It
// does not close the underlying reader.
func (r *Reader) Close() error {
	if r.err == nil {
		r.err = errors.New("mbox: Reader closed")
	}
	return r.spool.reset()
}

// finish drains the previous body, so that its errors are not lost.
func (r *Reader) finish() error {
	cur := r.cur
	r.cur = nil
	var err error
	// A foreign message was read whole before Next returned it.
	if cur != nil && cur.err == nil && !r.foreign {
		_, err = io.Copy(io.Discard, cur)
	}
	if serr := r.spool.reset(); err == nil && serr != nil {
		err = fmt.Errorf("mbox: %w", serr)
	}
	return err
}

// fail makes err sticky unless the next message can still be read.
func (r *Reader) fail(err error) error {
	var fe *FormatError
	if !errors.As(err, &fe) {
		r.err = err
	}
	return err
}

// formatErr returns a FormatError for the current message at its line k
// (1-based, counted as go-mbox gives them; 0 is the From_ line, -1 for no
// line).
func (r *Reader) formatErr(k int64, format string, args ...any) *FormatError {
	e := &FormatError{Message: r.n, Offset: -1, Reason: fmt.Sprintf(format, args...)}
	if r.from.line > 0 {
		e.Offset = r.from.off
		if k >= 0 {
			e.Line = r.from.line + k
		}
	}
	return e
}

// open reads what precedes the body and returns the body reader.
func (r *Reader) open() (Meta, io.Reader, error) {
	// Every mbox writer ends a From_ line with LF: the input was cut.
	if r.tap.eof && r.from.line > 0 && !r.from.done {
		return Meta{}, nil, r.formatErr(0, "truncated inside the From_ line")
	}
	peek, _ := r.br.Peek(len(magic))
	if string(peek) == magic {
		return r.openImapx()
	}
	// A first line cut inside the magic word: our file, truncated.
	if i := bytes.IndexByte(peek, '\r'); i >= 3 && strings.HasPrefix(magic, string(peek[:i])) {
		return Meta{}, nil, r.formatErr(1, "truncated inside the %s header", magic)
	}
	return r.openForeign()
}

// readLine returns the next line go-mbox gives, without its CRLF, or
// io.EOF at the end of the message. The slice is valid until the next read.
func (r *Reader) readLine() ([]byte, error) {
	l, err := r.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return nil, r.formatErr(r.lines+1, "line longer than %d bytes in an imapx text message", r.br.Size())
	case err == io.EOF && len(l) == 0:
		return nil, io.EOF
	case err != nil && err != io.EOF:
		return nil, fmt.Errorf("mbox: message %d: %w", r.n, err)
	case !bytes.HasSuffix(l, []byte("\r\n")):
		// go-mbox ends every line it returns with CRLF, unless it failed.
		return nil, fmt.Errorf("mbox: message %d: %w", r.n, io.ErrUnexpectedEOF)
	}
	r.lines++
	return l[:len(l)-2], nil
}

// openImapx parses our header lines and returns the body reader.
func (r *Reader) openImapx() (Meta, io.Reader, error) {
	l, err := r.readLine()
	if err != nil {
		return Meta{}, nil, err
	}
	h, err := parseHeader(string(l))
	if err != nil {
		return Meta{}, nil, r.formatErr(r.lines, "%v", err)
	}
	var fs flagSet
	for i := 0; i < h.added; i++ {
		l, err := r.readLine()
		if err == io.EOF {
			return Meta{}, nil, r.formatErr(r.lines+1, "truncated: message ends inside the imapx header lines")
		}
		if err != nil {
			return Meta{}, nil, err
		}
		name, value, ok := splitHeader(string(l))
		if !ok || !addedName(h.eol, name) {
			return Meta{}, nil, r.formatErr(r.lines, "%q is not a header imapx adds (added=%d): file edited?", l, h.added)
		}
		fs.header(name, value, false)
	}
	m := Meta{Flags: fs.list(), InternalDate: h.date, Size: h.size, Folder: h.folder}
	if h.eol == eolBase64 {
		return m, newBase64Body(r, h), nil
	}
	eol := "\n"
	if h.eol == eolCRLF {
		eol = "\r\n"
	}
	return m, &textBody{r: r, eol: eol, sum: newChecksum(h), size: h.size, left: h.size}, nil
}

// tracked remembers the first error or EOF handed to the caller, so that
// Next neither re-reads a finished body nor reports its error twice.
type tracked struct {
	rd  io.Reader
	err error
}

func (t *tracked) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n, err := t.rd.Read(p)
	if err != nil {
		t.err = err
	}
	return n, err
}

package mbox

import (
	"bytes"
	"io"
)

// maxFromText bounds how much of a From_ line is kept.
const maxFromText = 1024

// fromLine is a From_ line seen in the input.
type fromLine struct {
	line   int64  // 1-based line number in the input
	off    int64  // byte offset of the line in the input
	blanks int    // blank lines right before it
	text   []byte // its first bytes, line end not included
	done   bool   // its LF was seen
}

// tap sits between the input and go-mbox, whose Reader consumes the From_
// lines without showing them. It sees every byte first and records, in
// order, each line that go-mbox takes for a separator: a line starting with
// "From ". The n-th record therefore belongs to the n-th message. It also
// gives line numbers for errors and the blank lines before each separator
// (go-mbox drops only some of them; see foreignBody).
type tap struct {
	r       io.Reader
	off     int64   // bytes read so far
	line    int64   // number of the current line, 1-based
	lineOff int64   // offset of the current line
	lineLen int64   // bytes of the current line so far, LF excluded
	head    [5]byte // first bytes of the current line
	cur     *fromLine
	blanks  int // blank lines just before the current line
	queue   []*fromLine
	eof     bool
	eofBl   int // blank lines at the end of the input
}

func newTap(r io.Reader) *tap { return &tap{r: r, line: 1} }

func (t *tap) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.scan(p[:n])
	if err == io.EOF && !t.eof {
		t.eof = true
		// bufio.ReadLine returns a last line without LF as it is, so even
		// "\r" there is not blank to go-mbox.
		if t.lineLen == 0 {
			t.eofBl = t.blanks
		}
	}
	return n, err
}

func (t *tap) scan(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			t.add(b)
			return
		}
		t.add(b[:i])
		t.endLine()
		b = b[i+1:]
	}
}

func (t *tap) add(seg []byte) {
	if len(seg) == 0 {
		return
	}
	start := t.lineLen
	t.lineLen += int64(len(seg))
	t.off += int64(len(seg))
	if start < int64(len(t.head)) {
		copy(t.head[start:], seg)
		if t.lineLen >= int64(len(t.head)) && string(t.head[:]) == "From " {
			t.cur = &fromLine{line: t.line, off: t.lineOff, blanks: t.blanks}
			t.cur.text = append(t.cur.text, t.head[:start]...)
			t.queue = append(t.queue, t.cur)
		}
	}
	if t.cur != nil && len(t.cur.text) < maxFromText {
		t.cur.text = append(t.cur.text, seg[:min(len(seg), maxFromText-len(t.cur.text))]...)
	}
}

// endLine is called at each LF. A blank line is what bufio.ReadLine
// returns empty: "\n" or "\r\n".
func (t *tap) endLine() {
	blank := t.lineLen == 0 || (t.lineLen == 1 && t.head[0] == '\r')
	switch {
	case t.cur != nil:
		t.cur.text = bytes.TrimSuffix(t.cur.text, []byte("\r"))
		t.cur.done = true
		t.cur, t.blanks = nil, 0
	case blank:
		t.blanks++
	default:
		t.blanks = 0
	}
	t.off++
	t.line++
	t.lineOff, t.lineLen = t.off, 0
}

// pop returns the From_ line of the message go-mbox has just started.
func (t *tap) pop() *fromLine {
	if len(t.queue) == 0 {
		return &fromLine{} // cannot happen while go-mbox and tap agree
	}
	f := t.queue[0]
	t.queue[0] = nil
	t.queue = t.queue[1:]
	return f
}

// blanksAfter returns the number of blank lines between the message that
// go-mbox has just finished and the next From_ line or the end of input.
func (t *tap) blanksAfter() (int, bool) {
	switch {
	case len(t.queue) > 0:
		return t.queue[0].blanks, true
	case t.eof:
		return t.eofBl, true
	}
	return 0, false
}

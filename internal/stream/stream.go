// Package stream reads the message streams stages exchange: JSON-lines
// records or an mbox file, told apart by their first bytes, as one
// sequence of items.
package stream

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/imapx/imapx/internal/mbox"
	"github.com/imapx/imapx/internal/record"
)

// Item is one record of the input. For a message, Msg is set (and Body when
// the raw message came with it); any other record is in Line only.
type Item struct {
	Type string
	Msg  *record.Message
	Body *record.Body
	// Line is the JSON record as read (nil for mbox input).
	Line *record.Line
	// Pos names the item in errors: "file:line" or "file: message N".
	Pos string
	// OnClose, if set, runs once when the item is closed (sync releases
	// its in-flight memory budget there).
	OnClose func()
}

// Close releases the item's spooled body.
func (it *Item) Close() error {
	if it.OnClose != nil {
		it.OnClose()
		it.OnClose = nil
	}
	return it.Body.Close()
}

// Errorf is an input error at this item.
func (it *Item) Errorf(format string, args ...any) error {
	return &record.InputError{Name: it.Pos, Msg: fmt.Sprintf(format, args...)}
}

// Reader yields items from JSON lines or mbox.
type Reader struct {
	name  string
	jsonl *record.Reader
	mbox  *mbox.Reader
	n     int
	// neither is set when the input is neither an mbox nor JSON lines.
	neither bool
	// IsMbox reports the detected format.
	IsMbox bool
}

// NewReader detects the input's format from its first bytes: an mbox
// starts with "From ", JSON lines with '{' (blank lines allowed).
func NewReader(r io.Reader, name string) *Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(5)
	s := &Reader{name: name}
	if bytes.Equal(head, []byte("From ")) {
		s.IsMbox = true
		s.mbox = mbox.NewReader(br)
	} else {
		s.jsonl = record.NewReader(br, name)
		s.neither = !jsonStart(br)
	}
	return s
}

// jsonStart reports whether the first byte that is not blank space opens
// a JSON object (or there is none: an empty input).
func jsonStart(br *bufio.Reader) bool {
	head, _ := br.Peek(4096)
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) == 0 || head[0] == '{'
}

// AcceptNoEnd accepts JSON lines without an end record, with a warning
// written to warn (--no-end); see record.Reader.NoEnd.
func (s *Reader) AcceptNoEnd(warn io.Writer) {
	if s.jsonl != nil {
		s.jsonl.NoEnd = warn
	}
}

// Next returns the next item or io.EOF. The caller closes the item.
func (s *Reader) Next() (*Item, error) {
	if s.neither {
		// An mbox starts with a From_ line: without one, a mail file
		// would otherwise be reported as bad JSON.
		return nil, &record.InputError{Name: s.name, Line: 1, Msg: "not an mbox (no From_ line) nor JSON lines"}
	}
	if s.mbox != nil {
		return s.nextMbox()
	}
	l, err := s.jsonl.Next()
	if err != nil {
		return nil, err
	}
	it := &Item{Type: l.Type, Line: l, Body: l.Raw, Pos: fmt.Sprintf("%s:%d", l.Name, l.N)}
	if l.Type == record.TypeMessage {
		var m record.Message
		if err := l.Decode(&m); err != nil {
			l.Raw.Close()
			return nil, err
		}
		if m.Folder == "" && m.DstFolder == "" {
			l.Raw.Close()
			return nil, l.Errorf("message record has no \"folder\"")
		}
		if l.Raw != nil && m.Size != 0 && m.Size != l.Raw.Size() {
			l.Raw.Close()
			return nil, l.Errorf("field \"size\" is %d but \"raw\" holds %d bytes", m.Size, l.Raw.Size())
		}
		if l.Raw != nil {
			m.Size = l.Raw.Size()
		}
		it.Msg = &m
	}
	return it, nil
}

func (s *Reader) nextMbox() (*Item, error) {
	meta, r, err := s.mbox.Next()
	if err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, &record.InputError{Name: s.name, Msg: err.Error()}
	}
	s.n++
	pos := fmt.Sprintf("%s: message %d", s.name, s.n)
	body, err := record.Spool(r)
	if err != nil {
		return nil, &record.InputError{Name: pos, Msg: err.Error()}
	}
	flags := meta.Flags
	if flags == nil {
		flags = []string{}
	}
	m := &record.Message{Type: record.TypeMessage, Folder: meta.Folder, Flags: flags,
		InternalDate: meta.InternalDate, Size: body.Size()}
	return &Item{Type: record.TypeMessage, Msg: m, Body: body, Pos: pos}, nil
}

// WriteMbox writes a message record and its body to an mbox: the record's
// folder, flags and internal date go into the mbox's own headers, as
// nextMbox reads them back.
func WriteMbox(w *mbox.Writer, m *record.Message, body *record.Body) error {
	return w.WriteMessage(mbox.Meta{Folder: m.Folder, Flags: m.Flags,
		InternalDate: m.InternalDate, Size: body.Size()}, body.Reader())
}

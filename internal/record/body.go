package record

import (
	"bytes"
	"io"
	"os"

	"github.com/imapx/imapx/internal/scratch"
)

// MemoryLimit is how many bytes of a message body are held in memory before
// the body is spooled to a temporary file.
const MemoryLimit = 8 << 20

// Body is a message body read from a stream: in memory when small, in a
// temporary file when large, so that any message size fits in bounded memory.
type Body struct {
	size int64
	mem  []byte
	file *os.File
}

// Size is the number of bytes in the body.
func (b *Body) Size() int64 { return b.size }

// Reader returns a new reader over the whole body.
func (b *Body) Reader() io.Reader {
	if b.file != nil {
		return io.NewSectionReader(b.file, 0, b.size)
	}
	return bytes.NewReader(b.mem)
}

// File returns the temporary file holding the body, nil when the body is
// in memory (a rewrite maps it to match a pattern across it).
func (b *Body) File() *os.File { return b.file }

// Bytes returns the body when it is held in memory, nil otherwise.
func (b *Body) Bytes() []byte { return b.mem }

// Close removes the temporary file, if any.
func (b *Body) Close() error {
	if b == nil || b.file == nil {
		return nil
	}
	name := b.file.Name()
	err := b.file.Close()
	os.Remove(name)
	b.file = nil
	return err
}

// Spool reads r to its end into a Body.
func Spool(r io.Reader) (*Body, error) { return SpoolSized(r, 0) }

// SpoolSized is Spool for a body announced as size bytes (an IMAP
// literal): memory is taken once, not grown by doubling, and read into
// directly (io.Copy would take a 32 KiB buffer a message, more than most
// messages); a body too big for memory goes to its temporary file from
// the first byte. A body longer than announced is kept whole.
func SpoolSized(r io.Reader, size int64) (*Body, error) {
	s := newSpool()
	switch {
	case size > MemoryLimit:
		f, err := scratch.CreateTemp("body-*")
		if err != nil {
			return nil, err
		}
		s.body.file = f
	case size > 0:
		mem := make([]byte, size)
		n, err := io.ReadFull(r, mem)
		s.body.mem, s.body.size = mem[:n], int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return s.body, nil // shorter than announced: what came
		}
		if err != nil {
			return nil, err
		}
		var one [1]byte
		switch k, err := io.ReadFull(r, one[:]); {
		case err == io.EOF:
			return s.body, nil
		case err != nil:
			return nil, err
		default:
			s.Write(one[:k])
		}
	}
	if _, err := io.Copy(s, r); err != nil {
		s.body.Close()
		return nil, err
	}
	return s.body, nil
}

// spool is an io.Writer that fills a Body, moving to a temp file past
// MemoryLimit.
type spool struct{ body *Body }

func newSpool() *spool { return &spool{body: &Body{}} }

func (s *spool) Write(p []byte) (int, error) {
	b := s.body
	if b.file == nil && int64(len(b.mem))+int64(len(p)) > MemoryLimit {
		f, err := scratch.CreateTemp("body-*")
		if err != nil {
			return 0, err
		}
		if _, err := f.Write(b.mem); err != nil {
			f.Close()
			os.Remove(f.Name())
			return 0, err
		}
		b.file, b.mem = f, nil
	}
	if b.file != nil {
		n, err := b.file.Write(p)
		b.size += int64(n)
		return n, err
	}
	b.mem = append(b.mem, p...)
	b.size += int64(len(p))
	return len(p), nil
}

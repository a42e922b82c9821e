package record

import (
	"bytes"
	"io"
	"sync"
)

// LineWriter passes whole lines to a writer shared under mu: each
// writer's records are flushed at arbitrary byte counts, and lines of
// several writers must not interleave.
type LineWriter struct {
	mu  *sync.Mutex
	out io.Writer
	buf []byte
}

// NewLineWriter writes whole lines to out, holding mu for each write.
func NewLineWriter(mu *sync.Mutex, out io.Writer) *LineWriter {
	return &LineWriter{mu: mu, out: out}
}

func (w *LineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	i := bytes.LastIndexByte(w.buf, '\n')
	if i < 0 {
		return len(p), nil
	}
	w.mu.Lock()
	_, err := w.out.Write(w.buf[:i+1])
	w.mu.Unlock()
	w.buf = append(w.buf[:0], w.buf[i+1:]...)
	return len(p), err
}

// Flush writes what is left, a last line without its newline.
func (w *LineWriter) Flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err := w.out.Write(w.buf)
	w.buf = w.buf[:0]
	return err
}

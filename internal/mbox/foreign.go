package mbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/imapx/imapx/internal/scratch"
)

// openForeign reads a message imapx did not write. Its size is only known
// at its end, and Meta.Size must come first (IMAP APPEND needs it), so the
// message is spooled: in memory up to 8 MiB, in a temporary file above.
//
// The bytes are go-mbox's: every line ended by CRLF, ">From " unquoted
// once; on top of that ">>From " and deeper lose one '>' (mboxrd), and
// the blank line that separates messages is removed exactly once.
func (r *Reader) openForeign() (Meta, io.Reader, error) {
	r.foreign = true
	sp := &r.spool
	sp.limit = r.spoolAt
	var (
		fs       flagSet
		inHeader = true
		hname    string // flag header being read, for folded lines
		hvalue   strings.Builder
		blanks   int // blank lines not yet written
		atStart  = true
		crlf     = []byte("\r\n")
		writeErr error
	)
	endHeader := func() {
		if hname != "" {
			fs.header(hname, hvalue.String(), true)
			hname = ""
		}
	}
	for writeErr == nil {
		chunk, err := r.br.ReadSlice('\n')
		if len(chunk) > 0 {
			if atStart {
				r.lines++
			}
			switch {
			case atStart && bytes.Equal(chunk, crlf):
				// Held back: the last blank line may be the separator.
				blanks++
				if inHeader {
					endHeader()
					inHeader = false
				}
				continue
			case atStart:
				for ; blanks > 0 && writeErr == nil; blanks-- {
					_, writeErr = sp.Write(crlf)
				}
				if q := fromQuoted(chunk); q > 1 {
					chunk = chunk[1:]
				}
				if inHeader && err == nil {
					// A whole header line (long ones are not flag headers).
					l := string(bytes.TrimSuffix(chunk, crlf))
					if l != "" && (l[0] == ' ' || l[0] == '\t') {
						if hname != "" {
							hvalue.WriteString(l)
						}
					} else if name, value, ok := splitHeader(l); ok && isFlagHeader(name) {
						endHeader()
						hname = name
						hvalue.Reset()
						hvalue.WriteString(value)
					} else {
						endHeader()
					}
				}
			}
			if writeErr == nil {
				_, writeErr = sp.Write(chunk)
			}
			atStart = chunk[len(chunk)-1] == '\n'
		}
		if err == io.EOF {
			break
		}
		if err != nil && err != bufio.ErrBufferFull {
			return Meta{}, nil, fmt.Errorf("mbox: message %d: %w", r.n, err)
		}
	}
	if writeErr != nil {
		return Meta{}, nil, fmt.Errorf("mbox: message %d: spooling: %w", r.n, writeErr)
	}
	if inHeader {
		endHeader()
	}
	// go-mbox drops blank lines before a separator in pairs, keeping them
	// all when there is an even number; one is the separator.
	if m, ok := r.tap.blanksAfter(); ok && m > 0 && m%2 == 0 && blanks > 0 {
		blanks--
	}
	for ; blanks > 0; blanks-- {
		if _, err := sp.Write(crlf); err != nil {
			return Meta{}, nil, fmt.Errorf("mbox: message %d: spooling: %w", r.n, err)
		}
	}
	body, err := sp.reader()
	if err != nil {
		return Meta{}, nil, fmt.Errorf("mbox: message %d: spooling: %w", r.n, err)
	}
	m := Meta{Flags: fs.list(), InternalDate: parseFromLine(string(r.from.text)), Size: sp.n}
	return m, body, nil
}

func isFlagHeader(name string) bool {
	switch strings.ToLower(name) {
	case "status", "x-status", "x-keywords":
		return true
	}
	return false
}

// spool holds one message: in memory up to limit, then in a temp file.
type spool struct {
	limit int64
	mem   []byte
	f     *os.File
	fw    *bufio.Writer
	n     int64
}

func (s *spool) Write(p []byte) (int, error) {
	if s.f == nil && s.n+int64(len(p)) > s.limit {
		f, err := scratch.CreateTemp("mbox-*")
		if err != nil {
			return 0, err
		}
		s.f = f
		s.fw = bufio.NewWriterSize(f, 64<<10)
		if _, err := s.fw.Write(s.mem); err != nil {
			return 0, err
		}
		s.mem = s.mem[:0]
	}
	s.n += int64(len(p))
	if s.f != nil {
		return s.fw.Write(p)
	}
	if need := len(s.mem) + len(p); need > cap(s.mem) {
		// Double, up to the limit: append grows large slices by 1.25x,
		// which would allocate about five times the limit on the way.
		c := max(need, min(2*cap(s.mem), int(s.limit)), 4096)
		s.mem = append(make([]byte, 0, c), s.mem...)
	}
	s.mem = append(s.mem, p...)
	return len(p), nil
}

// reader returns a reader over what was written.
func (s *spool) reader() (io.Reader, error) {
	if s.f == nil {
		return bytes.NewReader(s.mem), nil
	}
	if err := s.fw.Flush(); err != nil {
		return nil, err
	}
	return io.NewSectionReader(s.f, 0, s.n), nil
}

// reset empties the spool and removes its file, keeping the memory buffer.
func (s *spool) reset() error {
	s.mem, s.n = s.mem[:0], 0
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	// The file is unlinked when created (see scratch.CreateTemp).
	if rerr := os.Remove(s.f.Name()); err == nil && !errors.Is(rerr, os.ErrNotExist) {
		err = rerr
	}
	s.f, s.fw = nil, nil
	return err
}

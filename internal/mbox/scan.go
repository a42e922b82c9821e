package mbox

import (
	"bytes"
	"hash/crc32"
)

// scan looks at a whole message, chunk by chunk, to choose how it is
// stored: as text (lf or crlf) only when go-mbox's reader is sure to give
// back exactly the same lines, else as base64.
type scan struct {
	n          int64 // bytes seen
	prev, last byte  // the last two bytes seen
	bareLF     int64 // LFs not preceded by CR
	crlf       int64 // CRLF pairs
	crcrlf     bool  // a CRLF preceded by CR: line content ending in CR
	line       int64 // bytes of the current line so far
	maxLine    int64 // longest finished line, line end excluded
	crc        uint32
}

// castagnoli is CRC-32C, computed in hardware on amd64 and arm64.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func (s *scan) Write(p []byte) (int, error) {
	n := len(p)
	s.crc = crc32.Update(s.crc, castagnoli, p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		seg := p
		if i >= 0 {
			seg = p[:i]
		}
		s.push(seg)
		if i < 0 {
			break
		}
		// last and prev start as 0, so no CR is seen before the first byte.
		if s.last == '\r' {
			s.crlf++
			s.crcrlf = s.crcrlf || s.prev == '\r'
		} else {
			s.bareLF++
		}
		s.maxLine = max(s.maxLine, s.line)
		s.line = 0
		s.prev, s.last = s.last, '\n'
		s.n++
		p = p[i+1:]
	}
	return n, nil
}

func (s *scan) push(b []byte) {
	switch len(b) {
	case 0:
		return
	case 1:
		s.prev, s.last = s.last, b[0]
	default:
		s.prev, s.last = b[len(b)-2], b[len(b)-1]
	}
	s.n += int64(len(b))
	s.line += int64(len(b))
}

// mode returns eolLF, eolCRLF or eolBase64.
//
// What go-mbox (v1.0.3) would lose, and so what sends a message to base64:
//   - a CR at the end of a line's content: its writer turns CRLF into LF
//     and bufio.ReadLine strips CRLF, so the CR would vanish;
//   - a CR as the very last byte: the same, once we end the line;
//   - line ends of both kinds: one eol= cannot describe them;
//   - a line longer than maxTextLine: go-mbox's writer holds it in memory.
//
// A CR inside a line is safe: both sides only look at line ends.
func (s *scan) mode() string {
	switch {
	case max(s.maxLine, s.line) > maxTextLine, s.n > 0 && s.last == '\r':
		return eolBase64
	case s.crlf == 0: // includes messages without any line end
		return eolLF
	case s.bareLF == 0 && !s.crcrlf:
		return eolCRLF
	}
	return eolBase64
}

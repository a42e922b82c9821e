package pipeline

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/imapx/imapx/internal/record"
)

// longestLine is the length of r's longest line, line end excluded.
func longestLine(r io.Reader) (int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var most, cur int64
	for {
		chunk, err := br.ReadSlice('\n')
		cur += int64(len(chunk))
		if n := len(chunk); n > 0 && chunk[n-1] == '\n' {
			end := int64(1)
			if n >= 2 && chunk[n-2] == '\r' {
				end = 2
			}
			most = max(most, cur-end)
			cur = 0
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			return max(most, cur), nil
		}
		if err != nil {
			return most, err
		}
	}
}

// longLines counts the messages --maxlinelength kept from the copy.
type longLines struct {
	mu    sync.Mutex
	n     int
	bytes int64
}

// skipLong is the bridge's check for --maxlinelength: a message with a
// longer line is not copied (imapsync's "skip messages with a line length
// longer than N bytes": Exchange refuses lines over 9,900 characters),
// and says so in the log file. It reports whether m was kept back.
func (s *syncer) skipLong(m *record.Message, body *record.Body) (bool, error) {
	limit := s.o.MaxLineLength
	if limit <= 0 || body == nil {
		return false, nil
	}
	n, err := longestLine(body.Reader())
	if err != nil {
		return false, err
	}
	if n <= int64(limit) {
		return false, nil
	}
	s.long.mu.Lock()
	s.long.n++
	s.long.bytes += body.Size()
	s.long.mu.Unlock()
	if w := s.o.MessageLog; w != nil {
		fmt.Fprintf(w, "msg %s/%d {%d} skipped: a line of %d bytes, over --maxlinelength %d\n", m.Folder, m.UID, body.Size(), n, limit)
	}
	return true, nil
}

// longSkipped is how many messages --maxlinelength kept back.
func (s *syncer) longSkipped() int {
	s.long.mu.Lock()
	defer s.long.mu.Unlock()
	return s.long.n
}

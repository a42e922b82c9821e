package rewrite

import (
	"bufio"
	"io"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/subst"
)

// A pattern can match across a whole message, so it is run over the whole
// body as bytes: the body itself when in memory, its temporary file
// mapped read-only otherwise (the kernel pages it in; the heap holds the
// match positions only). What a substitution writes streams into a new
// spooled body.

// matchBody reports whether m matches somewhere in b.
func matchBody(b *record.Body, m *subst.Matcher) (bool, error) {
	data, done, err := view(b)
	if err != nil {
		return false, err
	}
	defer done()
	return m.Match(data), nil
}

// substBody applies rt to b: the new body, or nil when nothing matched.
func substBody(b *record.Body, rt *subst.Subst) (*record.Body, error) {
	data, done, err := view(b)
	if err != nil {
		return nil, err
	}
	defer done()
	pr, pw := io.Pipe()
	matched := make(chan int, 1)
	go func() {
		n, err := rt.Replace(pw, data)
		matched <- n
		pw.CloseWithError(err)
	}()
	nb, err := record.SpoolSized(pr, b.Size())
	pr.CloseWithError(io.ErrClosedPipe) // unblock the writer if Spool stopped early
	n := <-matched
	if err != nil {
		return nil, err
	}
	if n == 0 {
		nb.Close()
		return nil, nil
	}
	return nb, nil
}

// wrapBody puts "\r\n" after every n bytes of a line, as Perl's
// s,(.{n}),$1\r\n,g does on the message (imapsync's wrapping): "." is
// any byte but "\n", so a "\r" counts, and a line of exactly n bytes
// before its "\r\n" gets a break too, as imapsync gives it. It returns
// nil when no line is that long.
func wrapBody(b *record.Body, n int) (*record.Body, error) {
	data, done, err := view(b)
	if err != nil {
		return nil, err
	}
	defer done()
	run, long := 0, false
	for _, c := range data {
		if run++; c == '\n' {
			run = 0
		} else if run >= n {
			long = true
			break
		}
	}
	if !long {
		return nil, nil
	}
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 64<<10)
		start, run := 0, 0
		for i, c := range data {
			if c == '\n' {
				run = 0
				continue
			}
			if run++; run == n {
				bw.Write(data[start : i+1])
				bw.WriteString("\r\n")
				start, run = i+1, 0
			}
		}
		bw.Write(data[start:])
		pw.CloseWithError(bw.Flush())
	}()
	nb, err := record.SpoolSized(pr, b.Size()+b.Size()/int64(n)*2+2)
	pr.CloseWithError(io.ErrClosedPipe)
	return nb, err
}

// truncate keeps the first n bytes of b.
func truncate(b *record.Body, n int64) (*record.Body, error) {
	return record.SpoolSized(io.LimitReader(b.Reader(), n), n)
}

// view returns the bytes of b and a function to call when done with them.
func view(b *record.Body) ([]byte, func(), error) {
	if mem := b.Bytes(); mem != nil || b.File() == nil {
		return mem, func() {}, nil
	}
	return mapFile(b)
}

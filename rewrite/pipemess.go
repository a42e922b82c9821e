package rewrite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/imapx/imapx/internal/record"
)

// pipe runs one --pipemess command on a body: the message on its stdin,
// the new message spooled from its stdout. A non-zero exit, a timeout or
// an empty output fails the message (imapsync's rule); the end of the
// command's stderr is in the error.
func (r *Rewriter) pipe(ctx context.Context, argv []string, in *record.Body) (*record.Body, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = in.Reader() // a command that stops reading early is fine (EPIPE is ignored)
	var stderr tail
	cmd.Stderr = &stderr
	// Stdout through a pipe of ours: WaitDelay then ends the run even when
	// a child of the command (sh -c) keeps the command's stdout open.
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.WaitDelay = 2 * time.Second
	type spooled struct {
		b   *record.Body
		err error
	}
	done := make(chan spooled, 1)
	go func() {
		b, err := record.Spool(pr)
		pr.CloseWithError(io.ErrClosedPipe)
		done <- spooled{b, err}
	}()
	var werr error
	if werr = cmd.Start(); werr == nil {
		werr = cmd.Wait()
	}
	pw.Close()
	got := <-done
	out, serr := got.b, got.err
	if out == nil {
		out = &record.Body{}
	}
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		out.Close()
		return nil, fmt.Errorf("timed out after %s%s", r.o.Timeout, stderr.say())
	case werr != nil:
		out.Close()
		var ee *exec.ExitError
		if errors.As(werr, &ee) {
			return nil, fmt.Errorf("%s%s", ee.ProcessState, stderr.say())
		}
		return nil, fmt.Errorf("%v%s", werr, stderr.say())
	case serr != nil:
		return nil, fmt.Errorf("reading its output: %v", serr)
	case out.Size() == 0:
		out.Close()
		return nil, fmt.Errorf("empty output%s", stderr.say())
	}
	return out, nil
}

// tail keeps the last bytes a command wrote on stderr, for its error.
type tail struct{ b []byte }

const tailMax = 512

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2*tailMax {
		t.b = append(t.b[:0], t.b[len(t.b)-tailMax:]...)
	}
	return len(p), nil
}

// say is the stderr's last line, as ": …", or "".
func (t *tail) say() string {
	s := strings.TrimSpace(string(bytes.ToValidUTF8(t.b, []byte("?"))))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 200 {
		s = s[len(s)-200:]
	}
	if s == "" {
		return ""
	}
	return ": " + strings.Map(func(r rune) rune {
		if r < ' ' {
			return ' '
		}
		return r
	}, s)
}

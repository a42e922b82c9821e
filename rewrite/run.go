package rewrite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/sync/semaphore"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/stream"
)

// memoryBudget bounds the bytes of in-memory bodies being rewritten at
// once (bodies past record.MemoryLimit are in temporary files).
const memoryBudget = 32 << 20

// Summary counts what a rewrite did.
type Summary struct {
	Messages  int `json:"messages"`
	Rewritten int `json:"rewritten"`
	Skipped   int `json:"skipped"`
	// ByOp counts the messages each operation changed.
	ByOp map[string]int `json:"by_op"`
	exitcode.Tally
}

// Add counts one message's outcome: the operations that changed it (see
// Rewriter.Message), or why it was left out.
func (s *Summary) Add(ops []string, err error) {
	s.Messages++
	var sk *Skipped
	switch {
	case errors.As(err, &sk):
		s.Skipped++
	case err != nil:
		s.Tally.Add(err)
	case len(ops) > 0:
		s.Rewritten++
		if s.ByOp == nil {
			s.ByOp = map[string]int{}
		}
		for _, op := range ops {
			s.ByOp[op]++
		}
	}
}

// Ops says which operations changed how many messages: "pipemess 12,
// addheader 3", in imapsync's order.
func (s *Summary) Ops() string {
	order := []string{OpPipemess, OpRegexmess, OpWrapLines, OpDisarmReadReceipts, OpTruncmess, OpAddHeader, OpRegexflag, OpFilterBuggyFlags, OpIdateFromHeader}
	var parts []string
	for _, op := range order {
		if n := s.ByOp[op]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", op, n))
		}
	}
	return strings.Join(parts, ", ")
}

// job is one input record on its way through: the workers fill it in,
// the writer waits for it in input order.
type job struct {
	it     *stream.Item
	body   *record.Body
	ops    []string
	err    error
	weight int64
	done   chan struct{}
}

// Run reads records (JSON lines or an mbox) from src and writes them to
// out, messages rewritten, in input order, several messages being
// rewritten at once. A message that fails is left out with a result
// record saying why (op "rewrite", ok false) and counted; one --skipmess
// matches is left out and counted. Other records pass through as they
// are. The output ends with an end record unless the input was bad.
func (r *Rewriter) Run(ctx context.Context, src *stream.Reader, out io.Writer) (Summary, error) {
	var sum Summary
	w := record.NewWriter(out)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	budget := semaphore.NewWeighted(memoryBudget)
	work := make(chan *job)
	order := make(chan *job, 2*r.o.Workers)
	for range r.o.Workers {
		go func() {
			for j := range work {
				j.body, j.ops, j.err = r.Message(ctx, j.it.Msg, j.it.Body)
				j.it.Body = nil
				close(j.done)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(work)
		for {
			it, err := src.Next()
			if err != nil {
				if err != io.EOF {
					readErr <- err
				}
				return
			}
			j := &job{it: it, done: make(chan struct{})}
			if it.Type == record.TypeMessage && it.Body != nil {
				if it.Body.Bytes() != nil {
					j.weight = min(it.Body.Size(), memoryBudget)
				}
				if err := budget.Acquire(ctx, j.weight); err != nil {
					it.Close()
					return
				}
				select {
				case order <- j:
				case <-ctx.Done():
					it.Close()
					return
				}
				work <- j
				continue
			}
			close(j.done)
			select {
			case order <- j:
			case <-ctx.Done():
				it.Close()
				return
			}
		}
	}()
	release := func(j *job) {
		<-j.done
		j.body.Close()
		j.it.Close()
		budget.Release(j.weight)
	}
	for j := range order {
		<-j.done
		if err := r.write(w, j, &sum); err != nil {
			// The output is gone: stop, without waiting for the input
			// to end (what is still under way is released as it ends).
			cancel()
			release(j)
			go func() {
				for j := range order {
					release(j)
				}
			}()
			return sum, err
		}
		release(j)
	}
	select {
	case err := <-readErr:
		w.Flush()
		return sum, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if err := w.End("rewrite"); err != nil {
		return sum, err
	}
	return sum, nil
}

// write writes one record's outcome.
func (r *Rewriter) write(w *record.Writer, j *job, sum *Summary) error {
	it := j.it
	switch {
	case it.Type != record.TypeMessage:
		return w.WriteLine(it.Line.JSON)
	case j.body == nil && j.err == nil:
		// A message record without its body (an inventory) has only its
		// flags rewritten: it then says which flags the copies get.
		if len(r.o.Regexflag) == 0 && !r.o.FilterBuggyFlags {
			return w.WriteLine(it.Line.JSON)
		}
		r.Flags(it.Msg)
		return w.Write(it.Msg)
	}
	m := it.Msg
	sum.Add(j.ops, j.err)
	var sk *Skipped
	switch {
	case errors.As(j.err, &sk):
		fmt.Fprintf(r.o.Log, "imapx: rewrite: %s: %v\n", where(it), j.err)
		return nil
	case j.err != nil:
		fmt.Fprintf(r.o.Log, "imapx: error: %s: %v\n", where(it), j.err)
		return w.Write(&record.Result{Type: record.TypeResult, Op: "rewrite", Src: srcRef(m), Ident: m.Ident,
			Size: m.Size, Error: j.err.Error(), Code: exitcode.Of(j.err)})
	}
	return w.WriteMessage(m, j.body)
}

// where names a message in a log line.
func where(it *stream.Item) string {
	if m := it.Msg; m != nil && m.UID != 0 {
		return fmt.Sprintf("folder %q UID %d", m.Folder, m.UID)
	}
	return it.Pos
}

func srcRef(m *record.Message) *record.Ref {
	if m.UID == 0 {
		return nil
	}
	return &record.Ref{Folder: m.Folder, UID: m.UID, UIDValidity: m.UIDValidity}
}

package push

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"io"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/stream"
)

// RunParallel appends the messages of src over n connections at once. A
// server writes each connection's APPENDs in its own process, so on a fast
// link the destination's write path, not the network, sets the pace.
//
// Messages go to a lane by destination folder and identity: copies of the
// same message always share a lane, so the reconnect check of one lane
// (which looks for its unanswered APPENDs among the folder's new
// messages) can never mistake another lane's copy for its own.
//
// The result stream ends with its end record when every item read has its
// result (some may have failed); not when the run stopped early or its
// input was cut short.
func RunParallel(ctx context.Context, dial session.Dialer, n int, o Options, src Source, out io.Writer) (Summary, error) {
	lines := &record.LineCounter{W: out}
	sum, err := runParallel(ctx, dial, n, o, src, lines)
	if err == nil {
		err = record.WriteEnd(out, &record.End{Stage: "push", Records: lines.N, Results: lines.N, Errors: int64(sum.Errors)})
	}
	return sum, err
}

func runParallel(ctx context.Context, dial session.Dialer, n int, o Options, src Source, out io.Writer) (Summary, error) {
	if n <= 1 {
		return RunFrom(ctx, dial, o, src, out)
	}
	o.defaults()
	lo := o
	lo.MemoryBudget = max(o.MemoryBudget/int64(n), 1<<20)

	g, gctx := errgroup.WithContext(ctx)
	var mu sync.Mutex // one result line at a time on out
	lanes := make([]chan *stream.Item, n)
	sums := make([]Summary, n)
	for i := range lanes {
		lanes[i] = make(chan *stream.Item, 8)
		g.Go(func() error {
			w := record.NewLineWriter(&mu, out)
			s, err := RunFrom(gctx, dial, lo, laneSource(lanes[i]), w)
			if ferr := w.Flush(); err == nil {
				err = ferr
			}
			sums[i] = s
			return err
		})
	}
	srcErr := route(gctx, src, lanes, o.Folder)
	for _, l := range lanes {
		close(l)
	}
	err := g.Wait()
	for _, l := range lanes {
		for it := range l { // left behind by a lane that failed
			it.Close()
		}
	}
	var sum Summary
	for _, s := range sums {
		sum.Appended += s.Appended
		sum.Bytes += s.Bytes
		sum.FoldersCreated += s.FoldersCreated
		sum.Merge(s.Tally)
	}
	if err == nil {
		err = srcErr
	}
	return sum, err
}

// route deals the items of src to the lanes until src ends, fails, or a
// lane fails (ctx). Bad input stops the routing, not the lanes: what they
// hold is appended and reported first.
func route(ctx context.Context, src Source, lanes []chan *stream.Item, folder string) error {
	for {
		it, err := src.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case lanes[laneOf(it, folder, len(lanes))] <- it:
		case <-ctx.Done():
			it.Close()
			return nil // the failing lane's error is the one to report
		}
	}
}

// laneOf picks an item's lane: by folder and identity for messages, by
// folder for folder records and ops.
func laneOf(it *stream.Item, folder string, n int) int {
	h := fnv.New32a()
	switch {
	case it.Msg != nil:
		f := folder
		if f == "" {
			f = it.Msg.DstFolder
		}
		if f == "" {
			f = it.Msg.Folder
		}
		h.Write([]byte(f))
		h.Write([]byte{0})
		h.Write([]byte(it.Msg.Ident))
	case it.Line != nil:
		var v struct {
			Name string      `json:"name"`
			Dst  *record.Ref `json:"dst"`
		}
		if json.Unmarshal(it.Line.JSON, &v) == nil {
			if v.Dst != nil {
				h.Write([]byte(v.Dst.Folder))
			} else {
				h.Write([]byte(v.Name))
			}
		}
	}
	return int(h.Sum32() % uint32(n))
}

type laneSource chan *stream.Item

func (l laneSource) Next() (*stream.Item, error) {
	it, ok := <-l
	if !ok {
		return nil, io.EOF
	}
	return it, nil
}

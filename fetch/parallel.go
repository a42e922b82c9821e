package fetch

import (
	"context"
	"errors"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/imapx/imapx/internal/record"
)

// runParallel works on the jobs over up to Options.Connections
// connections, biggest folders first; f's own connection is one of them.
// Records of different folders interleave in the output, each folder's in
// UID order.
func (f *fetcher) runParallel(ctx context.Context, jobs []job) error {
	sort.SliceStable(jobs, func(i, j int) bool { return jobs[i].weight > jobs[j].weight })
	queue := make(chan job, len(jobs))
	for _, j := range jobs {
		queue <- j
	}
	close(queue)

	sink := &lockedSink{s: f.sink}
	n := min(f.o.Connections, len(jobs))
	workers := make([]*fetcher, n)
	for i := range workers {
		if i == 0 {
			f.sink = sink
			workers[i] = f
			continue
		}
		workers[i] = &fetcher{o: f.o, dial: f.dial, sink: sink, sum: &Summary{}}
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, w := range workers {
		g.Go(func() error {
			if w != f {
				defer w.closeConn()
			}
			for j := range queue {
				if err := gctx.Err(); err != nil {
					return err
				}
				w.sum.Folders++
				if err := w.folder(gctx, j); err != nil {
					if gctx.Err() != nil {
						return gctx.Err() // see RunTo
					}
					if errors.Is(err, context.Canceled) || isFatal(err) {
						return err
					}
					w.fail(err)
				}
			}
			return nil
		})
	}
	err := g.Wait()
	for _, w := range workers[1:] {
		f.sum.Folders += w.sum.Folders
		f.sum.Messages += w.sum.Messages
		f.sum.Bytes += w.sum.Bytes
		f.sum.Incremental += w.sum.Incremental
		f.sum.Merge(w.sum.Tally)
	}
	return err
}

// lockedSink lets several folder workers share one output.
type lockedSink struct {
	mu sync.Mutex
	s  Sink
}

func (l *lockedSink) Message(m *record.Message, body *record.Body) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Message(m, body)
}

func (l *lockedSink) Passthrough(typ string, b []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Passthrough(typ, b)
}

package fetch

import (
	"context"
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

	workers := f.workers(min(f.o.Connections, len(jobs)))
	g, gctx := errgroup.WithContext(ctx)
	for _, w := range workers {
		g.Go(func() error { return f.work(gctx, w, queue, true) })
	}
	err := g.Wait()
	f.merge(workers)
	return err
}

// work runs worker w on the jobs of queue (counting a folder a job when
// perFolder), then hands w's connection back, or closes it after an
// error; f's own stays with f.
func (f *fetcher) work(ctx context.Context, w *fetcher, queue <-chan job, perFolder bool) error {
	var err error
	for j := range queue {
		if perFolder {
			w.sum.Folders++
		}
		if err = w.runJob(ctx, j); err != nil {
			break
		}
	}
	if w != f {
		w.endConn(err)
	}
	return err
}

// runPlanParallel shares the plan's jobs out to up to Connections
// connections, every job of a folder to the same one, so that each
// folder's records stay in plan order.
func (f *fetcher) runPlanParallel(ctx context.Context, p *plan, batch int) error {
	n := min(f.o.Connections, p.folders)
	workers := f.workers(n)
	queues := make([]chan job, n)
	for i := range queues {
		queues[i] = make(chan job, 1)
	}
	g, gctx := errgroup.WithContext(ctx)
	for i, w := range workers {
		g.Go(func() error { return f.work(gctx, w, queues[i], false) })
	}
	g.Go(func() error {
		defer func() {
			for _, q := range queues {
				close(q)
			}
		}()
		worker := map[string]int{}
		return p.jobs(batch, func(j job) error {
			i, ok := worker[j.folder]
			if !ok {
				i = len(worker) % n
				worker[j.folder] = i
			}
			select {
			case queues[i] <- j:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	})
	err := g.Wait()
	f.merge(workers)
	return err
}

// workers returns n fetchers writing to f's output through one lock: f
// itself first, its connection reused, then fetchers that dial their own
// (given back or closed by endConn).
func (f *fetcher) workers(n int) []*fetcher {
	sink := &lockedSink{s: f.sink}
	workers := make([]*fetcher, n)
	for i := range workers {
		if i == 0 {
			f.sink = sink
			workers[i] = f
			continue
		}
		workers[i] = &fetcher{o: f.o, dial: f.dial, sink: sink, sum: &Summary{}}
	}
	return workers
}

// merge adds the other workers' counts to f's.
func (f *fetcher) merge(workers []*fetcher) {
	for _, w := range workers[1:] {
		f.sum.Folders += w.sum.Folders
		f.sum.Messages += w.sum.Messages
		f.sum.Bytes += w.sum.Bytes
		f.sum.Incremental += w.sum.Incremental
		f.sum.Merge(w.sum.Tally)
	}
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

package pipeline

import (
	"context"
	"fmt"
	"io"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/fetch"
	"github.com/imapx/imapx/flags"
	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/push"
)

// inFlightBudget bounds the message bytes held in memory between fetch and
// push; push's own budget must stay below it so that it always drains.
// (8 MiB: a window of hundreds of typical messages; more kept the live
// heap near the soft limit, and the collector running all the time.)
const inFlightBudget = 4 << 20

// keepFolderOps copies only folder ops of a plan (--justfolders).
func keepFolderOps(in io.Reader, out io.Writer) error {
	r := readScratch(in, "plan")
	w := record.NewWriter(out)
	for {
		l, err := r.Next()
		if err == io.EOF {
			return w.End("diff")
		}
		if err != nil {
			return err
		}
		var op record.Op
		if err := l.Decode(&op); err != nil {
			return err
		}
		if op.Op == record.OpCreateFolder || op.Op == record.OpDeleteFolder {
			if err := w.Write(&op); err != nil {
				return err
			}
		}
	}
}

// copy fetches the plan's messages from the source and appends them to
// the destination. The plan's folders are shared out to up to
// Connections copies running at once, each a source connection streaming
// bodies through an in-process bridge into pipelined APPENDs on a
// destination connection. Results (needed by --delete1) go to a
// temporary file.
func (s *syncer) copy(ctx context.Context, plan *tempFile, planned diff.Summary) (*tempFile, error) {
	s.phase("copy", planned.OnlySrc, planned.CopyBytes)
	results, err := newTemp("imapx-results-*.jsonl")
	if err != nil {
		return nil, err
	}
	if _, err := plan.rewind(); err != nil {
		results.Close()
		return nil, err
	}
	parts, err := splitPlan(plan.File, max(1, s.o.Connections))
	if err != nil {
		results.Close()
		return nil, err
	}
	defer closeParts(parts)

	if s.o.Verify != VerifySizes {
		s.sent = newSentDigests(s.o.Verify == VerifyFull)
	}
	var mu sync.Mutex // one result line at a time
	sums := make([]push.Summary, len(parts))
	g, gctx := errgroup.WithContext(ctx)
	for i, part := range parts {
		g.Go(func() error {
			out := record.NewLineWriter(&mu, s.results(results, 2, nil))
			defer out.Flush()
			var err error
			sums[i], err = s.copyPart(gctx, part, int64(inFlightBudget/len(parts)), out)
			return err
		})
	}
	err = g.Wait()
	for _, sum := range sums {
		s.rep.Copied += sum.Appended
		s.rep.CopiedBytes += sum.Bytes
		s.rep.FoldersCreated += sum.FoldersCreated
	}
	if err := s.transferLimit(ctx, err, results); err != nil {
		results.Close()
		return nil, err
	}
	fmt.Fprintf(s.log, "imapx: copied %d messages (%d bytes), created %d folders%s\n", s.rep.Copied, s.rep.CopiedBytes, s.rep.FoldersCreated, s.lap())
	if n := s.longSkipped(); n > 0 {
		fmt.Fprintf(s.log, "imapx: %d messages not copied: a line longer than --maxlinelength %d bytes\n", n, s.o.MaxLineLength)
	}
	return results, nil
}

// copyPart copies one share of the plan: fetch and push joined by a
// bridge holding at most budget bytes of bodies in memory.
func (s *syncer) copyPart(ctx context.Context, part *tempFile, budget int64, out io.Writer) (push.Summary, error) {
	keywords, err := s.labelFlags(part)
	if err != nil {
		return push.Summary{}, err
	}
	pr, err := part.rewind()
	if err != nil {
		return push.Summary{}, err
	}
	var sum push.Summary
	g, gctx := errgroup.WithContext(ctx)
	// Fetch works for push: once push returns, for whatever reason, fetch
	// stops (its context ends) instead of fetching the rest for nothing.
	fctx, stopFetch := context.WithCancel(gctx)
	defer stopFetch()
	b := newBridge(fctx, budget, budget/2)
	b.sent = s.sent
	b.keywords = keywords
	if s.o.MaxLineLength > 0 {
		b.skip = s.skipLong
	}
	if s.o.Rewrite != nil {
		b.rewrite = func(m *record.Message, body *record.Body) (*record.Body, error) { return s.rewrite(fctx, m, body) }
	}
	g.Go(func() error {
		defer b.close()
		_, err := fetch.RunTo(fctx, s.src, fetch.Options{
			Full: true, Ident: s.o.Ident, Plan: pr, PlanName: "plan", NoEnd: io.Discard, Log: s.hostLog(1), OnError: s.countError,
		}, b)
		if err != nil && gctx.Err() == nil && fctx.Err() != nil {
			return nil // stopped because push ended: push's error tells why
		}
		return exitcode.ForHost(err, 1)
	})
	g.Go(func() error {
		var err error
		o := push.Options{
			Log: s.hostLog(2), OnError: s.countError, MemoryBudget: budget / 2, Throttle: s.o.Throttle, Progress: s.o.Progress,
			Links: s.links, LinkAll: s.o.UseUID,
		}
		if j := s.journal; j != nil {
			o.OnSending = func(m *record.Message, folder string, body *record.Body) {
				j.Sending(m, folder, m.Ident, s.sentIdent(m, body), body.Size())
			}
			o.OnSettled = func(m *record.Message) { j.Settled(m) }
			o.OnResend = func(m *record.Message, folder string, body *record.Body) {
				// The first copy may still arrive: verify removes it.
				j.Doubt(m)
				j.Sending(m, folder, m.Ident, s.sentIdent(m, body), body.Size())
			}
		}
		sum, err = push.RunFrom(gctx, s.dst, o, b, out)
		stopFetch()
		b.drain()
		return exitcode.ForHost(err, 2)
	})
	return sum, g.Wait()
}

// applyFlags carries out the plan's flags, delete and delete_folder ops.
func (s *syncer) applyFlags(ctx context.Context, plan *tempFile, planned diff.Summary) error {
	if planned.FlagsDiffer == 0 && planned.Deletes == 0 && planned.FolderDeletes == 0 {
		return nil
	}
	s.phase("flags", planned.FlagsDiffer+planned.Deletes, 0)
	pr, err := plan.rewind()
	if err != nil {
		return err
	}
	sum, err := flags.Run(ctx, s.dst, flags.Options{Log: s.hostLog(2), NoEnd: io.Discard, NoExpunge: s.o.NoExpunge2}, pr, "plan", s.results(io.Discard, 2, plan))
	s.rep.FlagsChanged, s.rep.Deleted2, s.rep.FoldersDeleted = sum.FlagsChanged, sum.Deleted, sum.FoldersDeleted
	s.progressed(sum.FlagsChanged + sum.Deleted)
	s.countTally(sum.Tally)
	return exitcode.ForHost(err, 2)
}

// delete1 deletes the source messages whose copies push confirmed.
func (s *syncer) delete1(ctx context.Context, results *tempFile) error {
	rr, err := results.rewind()
	if err != nil {
		return err
	}
	sum, err := flags.Run(ctx, s.src, flags.Options{Delete1: true, Expunge: s.o.Expunge1, Log: s.hostLog(1), NoEnd: io.Discard}, rr, "results", s.results(io.Discard, 1, nil))
	s.rep.Deleted1 = sum.Deleted
	s.countTally(sum.Tally)
	return exitcode.ForHost(err, 1)
}

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
	"github.com/imapx/imapx/internal/state"
	"github.com/imapx/imapx/push"
)

// inFlightBudget bounds the message bytes held in memory between fetch and
// push; push's own budget must stay below it so that it always drains.
const inFlightBudget = 16 << 20

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
func (s *syncer) copy(ctx context.Context, plan *tempFile) (*tempFile, error) {
	s.phase("copy", s.lastPlan.OnlySrc, s.lastPlan.CopyBytes)
	results, err := newTemp("imapx-results-*.jsonl")
	if err != nil {
		return nil, err
	}
	pr, err := plan.rewind()
	if err != nil {
		results.Close()
		return nil, err
	}
	parts, err := splitPlan(pr, max(1, s.o.Connections))
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
	return results, nil
}

// copyPart copies one share of the plan: fetch and push joined by a
// bridge holding at most budget bytes of bodies in memory.
func (s *syncer) copyPart(ctx context.Context, part *tempFile, budget int64, out io.Writer) (push.Summary, error) {
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
	g.Go(func() error {
		defer b.close()
		_, err := fetch.RunTo(fctx, fetch.Dialer(s.src), fetch.Options{
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
		}
		if j := s.journal; j != nil {
			o.OnSending = func(m *record.Message, folder string, size int64) { j.Sending(m, folder, m.Ident, size) }
			o.OnSettled = func(m *record.Message) { j.Settled(m) }
		}
		sum, err = push.RunFrom(gctx, push.Dialer(s.dst), o, b, out)
		stopFetch()
		b.drain()
		return exitcode.ForHost(err, 2)
	})
	return sum, g.Wait()
}

// applyFlags carries out the plan's flags, delete and delete_folder ops.
func (s *syncer) applyFlags(ctx context.Context, plan *tempFile) error {
	if s.lastPlan.FlagsDiffer == 0 && s.lastPlan.Deletes == 0 && s.lastPlan.FolderDeletes == 0 {
		return nil
	}
	s.phase("flags", s.lastPlan.FlagsDiffer+s.lastPlan.Deletes, 0)
	pr, err := plan.rewind()
	if err != nil {
		return err
	}
	sum, err := flags.Run(ctx, flags.Dialer(s.dst), flags.Options{Log: s.hostLog(2), NoEnd: io.Discard}, pr, "plan", s.results(io.Discard, 2, plan))
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
	sum, err := flags.Run(ctx, flags.Dialer(s.src), flags.Options{Delete1: true, Expunge: s.o.Expunge1, Log: s.hostLog(1), NoEnd: io.Discard}, rr, "results", s.results(io.Discard, 1, nil))
	s.rep.Deleted1 = sum.Deleted
	s.countTally(sum.Tally)
	return exitcode.ForHost(err, 1)
}

// verify re-reads the destination folders the run changed, not trusting
// what the APPENDs answered, and compares them with the source as it was
// copied; pairs the plan left alone were just read in sync. It prints
// imapsync's verdict lines.
func (s *syncer) verify(ctx context.Context, first *inventory, results *tempFile, dirty map[string]bool, st *state.State) error {
	if s.o.JustFolders {
		return nil
	}
	s.phase("verify", 0, 0)
	// Also the folders an interrupted run had APPENDs in flight for: a
	// copy it made may have arrived after this run's first read.
	only := s.withLeft(dirty, first)
	reread := map[string]bool{}
	for name := range only {
		reread[first.mapping[name]] = true
	}
	known, appended, err := knownIdents(first, results, reread)
	if err != nil {
		return err
	}
	ws, err := writtenMessages(results, s.sent)
	if err != nil {
		return err
	}
	// What the destination stored of the messages written is fetched
	// while the folders are re-read, on half as many connections again
	// (servers limit connections per user: Dovecot to 10).
	dctx, stop := context.WithCancel(ctx)
	defer stop()
	type digests struct {
		m   map[msgKey]digest
		err error
	}
	storedc := make(chan digests, 1)
	go func() {
		m, err := storedDigests(dctx, s.dst, ws, s.o.Verify == VerifyFull, max(1, s.o.Connections/2))
		storedc <- digests{m, exitcode.ForHost(err, 2)}
	}()
	s.knownDst = known
	inv, err := s.inventories(ctx, only, nil, first)
	s.knownDst = nil
	if err != nil {
		stop()
		<-storedc
		return err
	}
	defer inv.Close()
	stored := <-storedc
	if stored.err != nil {
		return stored.err
	}
	if err := s.removeJournaled(ctx, inv, inv.read); err != nil {
		return err
	}
	dr, err := inv.dst.rewind()
	if err != nil {
		return err
	}
	sizes, idents, err := dstSizes(dr, ws)
	if err != nil {
		return err
	}
	content := contentAltered(ws, stored.m, sizes, idents)
	clean := map[string]bool{}
	for name := range first.read {
		if !only[name] {
			clean[first.mapping[name]] = true
		}
	}
	if dr, err = inv.dst.rewind(); err != nil {
		return err
	}
	bad, err := checkSizes(dr, appended)
	if err != nil {
		return err
	}
	if err := inv.addClean(first, clean); err != nil {
		return err
	}
	// A copy of another size is either stored altered (line ends
	// normalised: there) or cut short or doubled (not there); one of the
	// same size whose digest differs was altered by the server.
	altered, err := s.classifyAltered(ctx, inv, first.read, st, content)
	if err != nil {
		return err
	}
	bad = notAltered(bad, altered)
	for _, b := range bad {
		fmt.Fprintf(s.log, "imapx: error: verify: %s\n", b.why)
	}
	s.reportAltered(altered)
	// With the run's own options: what is left to do keeps a pair out of
	// the state, and fails the verdict.
	left, sum, err := s.diffInventories(inv, s.o.Diff)
	if err != nil {
		return err
	}
	// A copy of the wrong size did not arrive, and its pair is not in sync.
	sum.OnlySrc += len(bad)
	sum.Same -= len(bad)
	for _, b := range bad {
		for src, dst := range first.mapping {
			if dst == b.folder {
				left[src] = true
			}
		}
	}
	extra, err := beyond(inv, first.read)
	if err != nil {
		return err
	}
	settle(st, inv, extraFolders(first, extra, left))
	s.saveState(st)
	return s.verdict(first.withSkipped(sum), countBeyond(extra))
}

// diffInventories returns the source folders a diff of inv with o still
// has ops for.
func (s *syncer) diffInventories(inv *inventory, o diff.Options) (map[string]bool, diff.Summary, error) {
	ops, err := newTemp("imapx-left-*.jsonl")
	if err != nil {
		return nil, diff.Summary{}, err
	}
	defer ops.Close()
	sr, _ := inv.src.rewind()
	dr, _ := inv.dst.rewind()
	sum, err := diff.Run(sr, dr, "source", "destination", o, ops)
	if err != nil {
		return nil, sum, err
	}
	r, err := ops.rewind()
	if err != nil {
		return nil, sum, err
	}
	left, err := dirtyFolders(r, inv)
	return left, sum, err
}

// verdict prints imapsync's closing lines from a comparison of the two
// sides.
func (s *syncer) verdict(sum diff.Summary, extra int) error {
	s.rep.Verified, s.rep.Verify = true, &sum
	// The destination is compared with the source as it was copied, so
	// messages --delete1 removed since still count.
	identified := sum.SrcMessages
	fmt.Fprintf(s.log, "imapx: verify: %s%s\n", sum, s.lap())
	s.rep.ExtraCopies = extra
	lost, what := lostAltered(s.rep.Altered)
	if sum.OnlySrc == 0 && extra == 0 && lost > 0 {
		// All there, but not all as sent: never "looks good".
		fmt.Fprintf(s.log, "The sync is complete, but %d of %d identified messages in host1 were stored altered by host2 (%s).\n", lost, identified, what)
	} else if sum.OnlySrc == 0 && extra == 0 {
		s.rep.Looksgood = true
		fmt.Fprintf(s.log, "The sync looks good, all %d identified messages in host1 are on host2.\n", identified)
	} else if sum.OnlySrc > 0 {
		s.countVerdictError(exitcode.Newf(exitcode.WithErrors, "%d messages of host1 are not on host2", sum.OnlySrc))
		fmt.Fprintf(s.log, "The sync is not finished: %d of %d identified messages in host1 are not on host2.\n", sum.OnlySrc, identified)
	}
	if extra > 0 {
		s.countVerdictError(exitcode.Newf(exitcode.WithErrors, "%d messages have more copies on host2 than on host1", extra))
		fmt.Fprintf(s.log, "The sync is not exact: %d messages have more copies on host2 than on host1.\n", extra)
	}
	fmt.Fprintln(s.log, "There is no unidentified message on host1.")
	if !s.o.Diff.NoResyncFlags && sum.FlagsDiffer > 0 {
		s.countVerdictError(exitcode.Newf(exitcode.WithErrors, "%d messages have other flags on host2 than on host1", sum.FlagsDiffer))
		fmt.Fprintf(s.log, "%d messages have other flags on host2 than on host1.\n", sum.FlagsDiffer)
	}
	fmt.Fprintf(s.log, "Detected %d errors\n", s.errors())
	return nil
}

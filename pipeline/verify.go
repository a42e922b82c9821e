package pipeline

import (
	"context"
	"fmt"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/state"
)

// smallCopy is the most messages copied whose stored digests the verify
// fetches before the re-read rather than alongside it: a few header
// fetches cost less than another LOGIN and SELECT (80-180 ms for Dovecot
// on a 50,000-message maildir).
const smallCopy = 500

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
	known, appended, err := knownIdents(first, results, reread, s.storedDst(first, reread))
	if err != nil {
		return err
	}
	defer known.Close()
	defer appended.Close()
	ws, err := writtenMessages(results, s.sent)
	if err != nil {
		return err
	}
	defer ws.Close()
	s.sent.close()
	// What the destination stored of the messages written is fetched
	// while the folders are re-read, on half as many connections again
	// (servers limit connections per user: Dovecot to 10).
	dctx, stop := context.WithCancel(ctx)
	defer stop()
	type digests struct {
		t   *table
		err error
	}
	storedc := make(chan digests, 1)
	readStored := func() {
		t, err := storedDigests(dctx, s.dst, ws, s.o.Verify == VerifyFull, max(1, s.o.Connections/2))
		storedc <- digests{t, exitcode.ForHost(err, 2)}
	}
	if s.rep.Copied <= smallCopy {
		// A few messages: fetched first, on the connection the re-read
		// then takes over with its folder selected, instead of a second
		// connection selecting it again.
		readStored()
	} else {
		go readStored()
	}
	if err := s.narrowVerifyPass(first); err != nil {
		stop()
		if st := <-storedc; st.t != nil {
			st.t.Close()
		}
		return err
	}
	inv, err := s.rereadDst(ctx, first, only, known)
	if err != nil {
		stop()
		if st := <-storedc; st.t != nil {
			st.t.Close()
		}
		return err
	}
	defer inv.Close()
	if err := s.narrowVerify(inv, first); err != nil {
		stop()
		if st := <-storedc; st.t != nil {
			st.t.Close()
		}
		return err
	}
	// What the run wrote is kept for the next run's reads.
	s.storeInventories(2, inv.dst, inv.dstFolders, reread)
	stored := <-storedc
	if stored.err != nil {
		return stored.err
	}
	defer stored.t.Close()
	if err := s.removeJournaled(ctx, inv, inv.read); err != nil {
		return err
	}
	dr, err := inv.dst.rewind()
	if err != nil {
		return err
	}
	dst, err := dstTable(dr)
	if err != nil {
		return err
	}
	defer dst.Close()
	content, err := contentAltered(ws, stored.t, dst)
	if err != nil {
		return err
	}
	clean := map[string]bool{}
	for name := range first.read {
		if !only[name] {
			clean[first.mapping[name]] = true
		}
	}
	bad, err := checkSizes(dst, appended)
	if err != nil {
		return err
	}
	if dr, err = inv.dst.rewind(); err != nil {
		return err
	}
	if err := s.checkDates(results, dr); err != nil {
		return err
	}
	if err := inv.addClean(first, clean); err != nil {
		return err
	}
	// A copy of another size is either stored altered (line ends
	// normalised: there) or cut short or doubled (not there); one of the
	// same size whose digest differs was altered by the server.
	// One pass finds the size pairs and the copies beyond the source's
	// (the diff below reads inv but does not change it).
	extra, pairs, err := copyFindings(inv, first.read)
	if err != nil {
		return err
	}
	altered, err := s.classifyAltered(ctx, inv, first.read, pairs, st, content)
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
	left, sum, err := s.diffInventories(inv, first.diffOptions(s.o.Diff))
	if err != nil {
		return err
	}
	// Messages --maxlinelength kept back are left out on purpose.
	if n := min(s.longSkipped(), sum.OnlySrc); n > 0 {
		sum.OnlySrc -= n
		sum.SrcMessages -= n
		s.rep.NotSelected += n
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
	settle(st, inv, extraFolders(first, extra, left))
	s.narrowSettled(st)
	s.saveState(st)
	return s.verdict(s.withUntouched(first.withSkipped(sum)), countBeyond(extra))
}

// diffInventories returns the source folders a diff of inv with o still
// has ops for.
func (s *syncer) diffInventories(inv *inventory, o diff.Options) (map[string]bool, diff.Summary, error) {
	ops, err := newTemp("imapx-left-*.jsonl")
	if err != nil {
		return nil, diff.Summary{}, err
	}
	defer ops.Close()
	sr, err := inv.src.rewind()
	if err != nil {
		return nil, diff.Summary{}, err
	}
	dr, err := inv.dst.rewind()
	if err != nil {
		return nil, diff.Summary{}, err
	}
	sum, err := diff.Run(sr, dr, "source", "destination", o, ops)
	if err != nil {
		return nil, sum, err
	}
	ops, cross, err := s.applyCross(inv, ops, true)
	if err != nil {
		return nil, sum, err
	}
	defer ops.Close()
	sum = cross.withCross(sum)
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
	// Messages --skipmess left out on purpose are not missing, nor
	// compared: like those not selected.
	if r := s.rep.Rewrite; r != nil {
		skipped := min(r.Skipped, sum.OnlySrc)
		sum.OnlySrc -= skipped
		sum.SrcMessages -= skipped
	}
	s.rep.Verified, s.rep.Verify = true, &sum
	// The destination is compared with the source as it was copied, so
	// messages --delete1 removed since still count.
	identified := sum.SrcMessages
	fmt.Fprintf(s.log, "imapx: verify: %s%s\n", sum, s.lap())
	s.rep.ExtraCopies = extra
	lost, what := lostAltered(s.rep.Altered)
	flagsDiffer := !s.o.Diff.NoResyncFlags && sum.FlagsDiffer > 0
	if sum.OnlySrc == 0 && extra == 0 && lost > 0 {
		// All there, but not all as sent: never "looks good".
		fmt.Fprintf(s.log, "The sync is complete, but %d of %d identified messages in host1 were stored altered by host2 (%s).\n", lost, identified, what)
	} else if sum.OnlySrc == 0 && extra == 0 && flagsDiffer {
		// Present is true, in sync is not: flags are synced and differ
		// (a server refused keywords, or a STORE failed).
		fmt.Fprintf(s.log, "All %d identified messages in host1 are on host2, but %d messages have other flags on host2 than on host1.\n", identified, sum.FlagsDiffer)
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
	s.rewriteVerdict()
	fmt.Fprintln(s.log, "There is no unidentified message on host1.")
	if n := s.rep.NotSelected; n > 0 {
		fmt.Fprintf(s.log, "%d messages in host1 were not selected (message selection options): not copied, not compared.\n", n)
	}
	if flagsDiffer {
		s.countVerdictError(exitcode.Newf(exitcode.WithErrors, "%d messages have other flags on host2 than on host1", sum.FlagsDiffer))
		if sum.OnlySrc > 0 || extra > 0 || lost > 0 {
			fmt.Fprintf(s.log, "%d messages have other flags on host2 than on host1.\n", sum.FlagsDiffer)
		}
	}
	fmt.Fprintf(s.log, "Detected %d errors\n", s.errors())
	return nil
}

package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/journal"
	"github.com/imapx/imapx/internal/links"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/scratch"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/state"
)

// errorsMaxReached stops the run (exit 112).
var errorsMaxReached = errors.New("--errorsmax reached")

// syncer carries one run.
type syncer struct {
	o        *Options
	src, dst session.Dialer
	rep      *Report
	log      io.Writer

	lastLap time.Time
	// journal records the APPENDs in flight (nil: none kept).
	journal *journal.Journal
	// sent holds the digests of the bodies copied (nil: sizes only).
	sent *sentDigests

	mu sync.Mutex
	// tally counts every error of the run, under mu; the verdict's own
	// follow from the others and do not choose the exit code.
	tally  exitcode.Tally
	cancel context.CancelCauseFunc

	// For the statistics: reconnections per host (counted from each
	// side's log), messages as push reports them, and whether a plan was
	// made.
	reconnects [2]reconnectCounter
	msgs       msgStats
	planned    bool
	// bytesPartial: the state lacked the bytes of a pair not read.
	bytesPartial bool
	// links are the account pair's links (nil: none kept).
	links *links.Links
	// sentDates are the internal dates --idatefromheader gave the
	// messages sent (under mu), for the verify.
	sentDates map[srcKey]time.Time
	// labels2: host2 takes STORE X-GM-LABELS (LabelsOnHost2 and
	// X-GM-EXT-1 offered).
	labels2 bool
	// long counts the messages --maxlinelength kept from the copy.
	long longLines
	// invs keeps each side's folder inventories for incremental reads
	// (nil: no state kept).
	invs *state.Inventories
	// narrow is the folder pairs compared only where they changed
	// (narrow.go), or nil.
	narrow *narrowing
}

// Sync runs a one-way sync from src to dst and returns its report; the
// report's ExitCode is the imapsync-table code for the run.
func Sync(ctx context.Context, src, dst session.Dialer, o Options) (*Report, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	start := time.Now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// The scratch files between the stages of one process need no end
	// record: the process sees their writers fail. An inventory with a
	// failed folder is still diffed, that folder counted as an error.
	o.Diff.NoEnd, o.Diff.Trusted = io.Discard, true
	s := &syncer{o: &o, src: src, dst: dst, rep: &Report{}, log: o.Log, cancel: cancel, lastLap: start}
	// One connection per side (as the work allows) for the whole run: the
	// phases hand theirs back, the next one takes it, with its folder
	// still selected.
	srcPool, dstPool := session.NewPool(src), session.NewPool(dst)
	defer srcPool.Close()
	defer dstPool.Close()
	s.src, s.dst = srcPool.Dial, dstPool.Dial
	s.reconnects[0].w, s.reconnects[1].w = s.log, s.log
	s.openJournal()
	if err := s.openLinks(); err != nil {
		return s.rep, err
	}
	s.phase("inventory", 0, 0)
	err := s.run(ctx)
	s.closeJournal()
	s.closeLinks()
	s.endPhase()
	s.rep.Seconds = time.Since(start).Seconds()
	if cause := context.Cause(ctx); errors.Is(cause, errorsMaxReached) {
		s.rep.ErrorsMaxHit = true
		err = nil
	}
	s.rep.Errors = s.errors()
	s.rep.ExitCode = s.exitCode(err)
	if s.tally.First != nil {
		s.rep.FirstError = s.tally.First.Error()
	}
	s.finishStats(start)
	return s.rep, err
}

// lap says how long the phase now ending took, for the log.
func (s *syncer) lap() string {
	now := time.Now()
	d := now.Sub(s.lastLap)
	s.lastLap = now
	return fmt.Sprintf(" (%s)", d.Round(time.Millisecond))
}

// countError records an error from any stage and stops the run at
// --errorsmax.
func (s *syncer) countError(err error) { s.count(func(t *exitcode.Tally) { t.Add(err) }) }

// countVerdictError counts an error the verdict found (mail not on host2,
// extra copies): it fails the run but, being a consequence, does not
// choose the exit code over the errors that caused it.
func (s *syncer) countVerdictError(err error) {
	s.count(func(t *exitcode.Tally) { t.AddConsequence(err) })
}

// countTally adds the errors a stage counted itself (flags has no
// OnError: its summary's tally is merged when it returns).
func (s *syncer) countTally(o exitcode.Tally) { s.count(func(t *exitcode.Tally) { t.Merge(o) }) }

// count changes the tally under mu and stops the run at --errorsmax.
func (s *syncer) count(add func(*exitcode.Tally)) {
	s.mu.Lock()
	before := s.tally.Errors
	add(&s.tally)
	n := s.tally.Errors
	s.mu.Unlock()
	if limit := s.o.ErrorsMax; limit > 0 && n >= limit {
		// Errors keep coming from work already under way while the run
		// stops: say it once.
		if before < limit {
			fmt.Fprintf(s.log, "imapx: error: %d errors: --errorsmax %d reached, stopping\n", n, limit)
		}
		s.cancel(errorsMaxReached)
	}
}

// errors is how many errors were counted so far.
func (s *syncer) errors() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tally.Errors
}

// exitCode applies imapsync's table; 112 for --errorsmax.
func (s *syncer) exitCode(err error) int {
	if s.rep.ErrorsMaxHit {
		return exitcode.ErrorsMax
	}
	if err != nil {
		return exitcode.Of(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tally.Code()
}

func (s *syncer) run(ctx context.Context) error {
	st := s.loadState()
	if st != nil {
		s.invs = state.InventoriesOf(s.statePath(), s.fingerprint())
	}
	if s.o.ExpungeSource && !s.o.DryRun {
		if err := s.expungeSource(ctx); err != nil {
			return err
		}
	}
	if s.o.Delete1EmptyFolders && !s.o.DryRun {
		if err := s.deleteEmptySource(ctx); err != nil {
			return err
		}
	}
	vouch := st
	if len(s.leftFolders()) > 0 || s.o.SkipCrossDuplicates || s.o.SyncLabels || s.o.LabelsOnHost2 {
		// After an interrupted run, read every folder; cross-folder
		// duplicates are found only among the folders read.
		vouch = nil
	}
	if s.o.LabelsOnHost2 {
		if err := s.checkLabels2(ctx); err != nil {
			return err
		}
	}
	inv, err := s.readBoth(ctx, vouch)
	if err != nil {
		return err
	}
	defer inv.Close()
	if s.o.SyncLabels && !s.o.LabelsAsFolders && !s.labels2 {
		if err := s.labelKeywords(inv); err != nil {
			return err
		}
	}
	if err := s.narrowRead(inv); err != nil {
		return err
	}
	s.storeInventories(1, inv.src, inv.srcFolders, inv.read)
	s.storeInventories(2, inv.dst, inv.dstFolders, mappedDst(inv, inv.read))

	plan, planned, err := s.plan(inv)
	if err != nil {
		return err
	}
	defer plan.Close()
	s.rep.Plan, s.planned = planned, true
	fmt.Fprintf(s.log, "imapx: plan: %s%s\n", planned, s.lap())
	pr, err := plan.rewind()
	if err != nil {
		return err
	}
	dirty, err := dirtyFolders(pr, inv)
	if err != nil {
		return err
	}
	settle(st, inv, dirty)
	if s.o.DryRun {
		if err := s.dryList(ctx, plan); err != nil {
			return err
		}
		if err := s.syncACLs(ctx, inv); err != nil {
			return err
		}
		fmt.Fprintln(s.log, "imapx: dry run: nothing was changed")
		return nil
	}
	if len(dirty) == 0 && planned.FolderDeletes == 0 {
		// Nothing to do: the inventories just read are the verification.
		fmt.Fprintln(s.log, "imapx: copied 0 messages (0 bytes), created 0 folders")
		if err := s.syncACLs(ctx, inv); err != nil {
			return err
		}
		removed := s.rep.DuplicatesRemoved
		if err := s.removeJournaled(ctx, inv, inv.read); err != nil {
			return err
		}
		if s.rep.DuplicatesRemoved > removed {
			// The plan counted the copies just removed: compare again.
			_, sum, err := s.diffInventories(inv, inv.diffOptions(s.o.Diff))
			if err != nil {
				return err
			}
			planned = s.withUntouched(inv.withSkipped(sum))
		}
		extra, pairs, err := copyFindings(inv, inv.read)
		if err != nil {
			return err
		}
		altered, err := s.classifyAltered(ctx, inv, inv.read, pairs, st, nil)
		if err != nil {
			return err
		}
		s.reportAltered(altered)
		// A pair with extra copies is not in sync: read it again next time.
		settle(st, inv, extraFolders(inv, extra, dirty))
		s.saveState(st)
		return s.verdict(planned, countBeyond(extra))
	}

	results, err := s.copy(ctx, plan, planned)
	if err != nil {
		return err
	}
	defer results.Close()
	if err := s.applyLabels(ctx, inv, plan, results); err != nil {
		return err
	}
	if err := s.syncACLs(ctx, inv); err != nil {
		return err
	}
	if err := s.applyFlags(ctx, plan, planned); err != nil {
		return err
	}
	if s.o.Delete1 {
		if err := s.delete1(ctx, results); err != nil {
			return err
		}
		if s.o.Delete1EmptyFolders {
			if err := s.deleteEmptySource(ctx); err != nil {
				return err
			}
		}
	}
	return s.verify(ctx, inv, results, dirty, st)
}

// readScratch reads a scratch file of this run: written in process, whose
// writer's failure the run sees itself, so no end record is required.
func readScratch(r io.Reader, name string) *record.Reader {
	rd := record.NewReader(r, name)
	rd.NoEnd, rd.Trusted = io.Discard, true
	return rd
}

// tempFile is a scratch file removed on Close.
type tempFile struct {
	*os.File
	// folderBytes caches an inventory's bytes per folder (statebytes.go).
	folderBytes map[string]int64
}

func newTemp(pattern string) (*tempFile, error) {
	f, err := scratch.CreateTemp(pattern)
	if err != nil {
		return nil, err
	}
	return &tempFile{File: f}, nil
}

func (t *tempFile) Close() error {
	err := t.File.Close()
	os.Remove(t.Name())
	return err
}

// rewind returns a reader over the whole file.
func (t *tempFile) rewind() (io.Reader, error) {
	_, err := t.Seek(0, io.SeekStart)
	return t.File, err
}

// plan diffs the inventories into a plan file, and says what it holds
// (with the pairs not read counted in sync).
func (s *syncer) plan(inv *inventory) (*tempFile, diff.Summary, error) {
	srcInv, dstInv := inv.src, inv.dst
	plan, err := newTemp("imapx-plan-*.jsonl")
	if err != nil {
		return nil, diff.Summary{}, err
	}
	sr, err := srcInv.rewind()
	if err != nil {
		plan.Close()
		return nil, diff.Summary{}, err
	}
	dr, err := dstInv.rewind()
	if err != nil {
		plan.Close()
		return nil, diff.Summary{}, err
	}
	o := inv.diffOptions(s.o.Diff)
	o.Skipped = s.logSkipped()
	if s.o.JustFolders {
		// The whole plan goes to a scratch file (it has an op for every
		// message to copy), the folder ops from there to the plan.
		all, err := newTemp("imapx-plan-all-*.jsonl")
		if err != nil {
			plan.Close()
			return nil, diff.Summary{}, err
		}
		defer all.Close()
		sum, err := diff.Run(sr, dr, "source inventory", "destination inventory", o, all)
		if err == nil {
			var ar io.Reader
			if ar, err = all.rewind(); err == nil {
				err = keepFolderOps(ar, plan)
			}
		}
		if err != nil {
			plan.Close()
			return nil, diff.Summary{}, err
		}
		return plan, s.withUntouched(inv.withSkipped(sum)), nil
	}
	sum, err := diff.Run(sr, dr, "source inventory", "destination inventory", o, plan)
	if err != nil {
		plan.Close()
		return nil, diff.Summary{}, err
	}
	plan, cross, err := s.applyCross(inv, plan, false)
	if err != nil {
		return nil, diff.Summary{}, err
	}
	s.rep.CrossDuplicates = cross.skipped
	if cross.skipped > 0 {
		fmt.Fprintf(s.log, "imapx: %d cross-folder duplicates not copied: host2 holds them in another folder\n", cross.skipped)
	}
	if cross.labels > 0 {
		fmt.Fprintf(s.log, "imapx: %d copies into other folders become Gmail labels (STORE X-GM-LABELS)\n", cross.labels)
	}
	return plan, s.withUntouched(inv.withSkipped(cross.withCross(sum))), nil
}

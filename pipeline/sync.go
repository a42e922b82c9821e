package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/fetch"
	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/selection"
)

// errorsMaxReached stops the run (exit 112).
var errorsMaxReached = errors.New("--errorsmax reached")

// syncer carries one run.
type syncer struct {
	o        *Options
	src, dst Dialer
	rep      *Report
	log      io.Writer

	lastPlan diff.Summary

	mu     sync.Mutex
	errs   atomic.Int64
	first  error
	codes  map[int]int
	cancel context.CancelCauseFunc
}

// Sync runs a one-way sync from src to dst and returns its report; the
// report's ExitCode is the imapsync-table code for the run.
func Sync(ctx context.Context, src, dst Dialer, o Options) (*Report, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	start := time.Now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s := &syncer{o: &o, src: src, dst: dst, rep: &Report{}, log: o.Log, codes: map[int]int{}, cancel: cancel}
	err := s.run(ctx)
	s.rep.Seconds = time.Since(start).Seconds()
	if cause := context.Cause(ctx); errors.Is(cause, errorsMaxReached) {
		s.rep.ErrorsMaxHit = true
		err = nil
	}
	s.rep.Errors = int(s.errs.Load())
	s.rep.ExitCode = s.exitCode(err)
	if s.first != nil {
		s.rep.FirstError = s.first.Error()
	}
	return s.rep, err
}

// countError records an error from any stage and stops the run at
// --errorsmax.
func (s *syncer) countError(err error) {
	n := s.errs.Add(1)
	s.mu.Lock()
	if s.first == nil {
		s.first = err
	}
	s.codes[exitcode.Of(err)]++
	s.mu.Unlock()
	if s.o.ErrorsMax > 0 && n >= int64(s.o.ErrorsMax) {
		fmt.Fprintf(s.log, "imapx: error: %d errors: --errorsmax %d reached, stopping\n", n, s.o.ErrorsMax)
		s.cancel(errorsMaxReached)
	}
}

// exitCode applies imapsync's table: the one specific code all errors
// share (113 quota, 114 append…), else 111; 112 for --errorsmax.
func (s *syncer) exitCode(err error) int {
	if s.rep.ErrorsMaxHit {
		return exitcode.ErrorsMax
	}
	if err != nil {
		return exitcode.Of(err)
	}
	if s.errs.Load() == 0 {
		return exitcode.OK
	}
	if len(s.codes) == 1 {
		for code := range s.codes {
			if code >= exitcode.OverQuota && code <= exitcode.Select {
				return code
			}
		}
	}
	return exitcode.WithErrors
}

func (s *syncer) run(ctx context.Context) error {
	srcInv, dstInv, err := s.inventories(ctx)
	if err != nil {
		return err
	}
	defer srcInv.Close()
	defer dstInv.Close()

	plan, err := s.plan(srcInv, dstInv)
	if err != nil {
		return err
	}
	defer plan.Close()
	s.rep.Plan = s.lastPlan
	fmt.Fprintf(s.log, "imapx: plan: %s\n", s.lastPlan)
	if s.o.DryRun {
		fmt.Fprintln(s.log, "imapx: dry run: nothing was changed")
		return nil
	}

	results, err := s.copy(ctx, plan)
	if err != nil {
		return err
	}
	defer results.Close()
	if err := s.applyFlags(ctx, plan); err != nil {
		return err
	}
	if s.o.Delete1 {
		if err := s.delete1(ctx, results); err != nil {
			return err
		}
	}
	return s.verify(ctx)
}

// tempFile is a scratch file removed on Close.
type tempFile struct{ *os.File }

func newTemp(pattern string) (*tempFile, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, err
	}
	return &tempFile{f}, nil
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

// inventories fetches both sides' inventories at once, each on its own
// connection. The destination is read only where the source's folders
// map to (or wholly, when --delete2folders must see its other folders).
func (s *syncer) inventories(ctx context.Context) (*tempFile, *tempFile, error) {
	srcInv, err := newTemp("imapx-src-*.jsonl")
	if err != nil {
		return nil, nil, err
	}
	dstInv, err := newTemp("imapx-dst-*.jsonl")
	if err != nil {
		srcInv.Close()
		return nil, nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		sel, err := selection.New(s.o.Selection)
		if err != nil {
			return err
		}
		sum, err := fetch.Run(gctx, fetch.Dialer(s.src), fetch.Options{
			Folders: folders.Options{Selector: sel}, Ident: s.o.Ident, Log: s.log, OnError: s.countError,
		}, srcInv)
		s.rep.SourceMessages = sum.Messages
		return exitcode.ForHost(err, 1)
	})
	var dstFolders []record.Folder
	g.Go(func() error {
		c, err := s.dst(gctx)
		if err != nil {
			return exitcode.ForHost(err, 2)
		}
		dstFolders, err = folders.List(gctx, c, folders.Options{})
		c.Close()
		return err
	})
	if err := g.Wait(); err != nil {
		srcInv.Close()
		dstInv.Close()
		return nil, nil, err
	}
	sel, err := s.dstSelection(srcInv, dstFolders)
	if err != nil {
		srcInv.Close()
		dstInv.Close()
		return nil, nil, err
	}
	if sel != nil {
		_, err = fetch.Run(ctx, fetch.Dialer(s.dst), fetch.Options{
			Folders: folders.Options{Selector: sel}, Ident: s.o.Ident, Log: s.log, OnError: s.countError,
		}, dstInv)
		if err != nil {
			srcInv.Close()
			dstInv.Close()
			return nil, nil, exitcode.ForHost(err, 2)
		}
	}
	return srcInv, dstInv, nil
}

// dstSelection chooses the destination folders to read: those the source
// folders map to that exist, or all of them for --delete2folders without
// a source selection. nil means none.
func (s *syncer) dstSelection(srcInv *tempFile, dstFolders []record.Folder) (*selection.Selector, error) {
	if s.o.Diff.Delete2Folders && !explicit(s.o.Selection) {
		return selection.New(selection.Options{})
	}
	r, err := srcInv.rewind()
	if err != nil {
		return nil, err
	}
	names, err := diff.MappedNames(r, "source inventory", dstFolders, s.o.Diff.F1F2)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, nil
	}
	return selection.New(selection.Options{Folders: names})
}

func explicit(o selection.Options) bool {
	return len(o.Folders)+len(o.FolderRec)+len(o.Include)+len(o.Exclude) > 0 || o.Subscribed
}

// plan diffs the inventories into a plan file.
func (s *syncer) plan(srcInv, dstInv *tempFile) (*tempFile, error) {
	plan, err := newTemp("imapx-plan-*.jsonl")
	if err != nil {
		return nil, err
	}
	sr, err := srcInv.rewind()
	if err != nil {
		plan.Close()
		return nil, err
	}
	dr, err := dstInv.rewind()
	if err != nil {
		plan.Close()
		return nil, err
	}
	o := s.o.Diff
	if s.o.JustFolders {
		var all bytes.Buffer
		sum, err := diff.Run(sr, dr, "source inventory", "destination inventory", o, &all)
		if err != nil {
			plan.Close()
			return nil, err
		}
		s.lastPlan = sum
		if err := keepFolderOps(&all, plan); err != nil {
			plan.Close()
			return nil, err
		}
		return plan, nil
	}
	sum, err := diff.Run(sr, dr, "source inventory", "destination inventory", o, plan)
	if err != nil {
		plan.Close()
		return nil, err
	}
	s.lastPlan = sum
	return plan, nil
}

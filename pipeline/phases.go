package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/imapx/imapx/push"
)

// phase tells the progress display that the run entered a phase, which
// ends the previous one; totals are 0 when unknown.
func (s *syncer) phase(name string, messages int, bytes int64) {
	if s.o.Progress != nil {
		s.o.Progress.Start(name, messages, bytes)
	}
}

// endPhase ends the run's last phase.
func (s *syncer) endPhase() {
	if s.o.Progress != nil {
		s.o.Progress.Done()
	}
}

// progressed counts work of a stage that does not report it itself.
func (s *syncer) progressed(messages int) {
	if s.o.Progress != nil {
		s.o.Progress.Add(messages, 0)
	}
}

// transferLimit ends a copy that --exitwhenover stopped, as imapsync does:
// what was copied stays copied (and with --delete1 leaves the source),
// nothing else runs, and the run exits 118. Other errors pass unchanged.
func (s *syncer) transferLimit(ctx context.Context, err error, results *tempFile) error {
	if !errors.Is(err, push.ErrTransferLimit) {
		return err
	}
	fmt.Fprintf(s.log, "imapx: copied %d messages (%d bytes), created %d folders; --exitwhenover reached, the sync ends here\n",
		s.rep.Copied, s.rep.CopiedBytes, s.rep.FoldersCreated)
	if s.o.Delete1 {
		if derr := s.delete1(ctx, results); derr != nil {
			return derr
		}
	}
	return err
}

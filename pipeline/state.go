package pipeline

import (
	"fmt"
	"io"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/state"
)

// loadState reads the account pair's state, or returns nil when the run
// keeps none (no --statedir, or --justfolders, whose plan leaves mail
// behind on purpose).
func (s *syncer) loadState() *state.State {
	if s.o.StateDir == "" || s.o.JustFolders {
		return nil
	}
	st, warn := state.Load(s.statePath(), s.o.StateKey, s.fingerprint())
	if warn != nil {
		fmt.Fprintf(s.log, "imapx: warning: %v\n", warn)
	}
	return st
}

func (s *syncer) statePath() string { return state.Path(s.o.StateDir, s.o.StateKey) }

// fingerprint covers every option that changes what "in sync" means.
func (s *syncer) fingerprint() string {
	opts := []any{s.o.Ident, s.o.Diff, s.o.Select1.Criteria, s.o.Select1.Describe, s.o.Select2.Criteria, s.o.Select2.Describe}
	if s.o.UseUID {
		opts = append(opts, "useuid")
	}
	if rw := s.o.Rewrite; rw != nil {
		// The flag operations change which flags the copies should have;
		// other rewriting does not change what "in sync" means (identity).
		if f := rw.FlagOps(); f != "" {
			opts = append(opts, f)
		}
	}
	return state.Fingerprint(opts...)
}

// saveState writes st; a failure costs the next run time, not mail.
func (s *syncer) saveState(st *state.State) {
	if st == nil || s.o.DryRun {
		return
	}
	if err := st.Save(s.statePath()); err != nil {
		fmt.Fprintf(s.log, "imapx: warning: saving state: %v\n", err)
	}
}

// settle updates st after a pass: every pair the pass read is recorded
// as in sync with the STATUS listed before reading it, or forgotten if a
// plan op touches it. Pairs not read keep what they had.
func settle(st *state.State, inv *inventory, dirty map[string]bool) {
	if st == nil {
		return
	}
	for name := range inv.read {
		sf, df := inv.srcFolders[name], inv.dstFolders[inv.mapping[name]]
		if dirty[name] || sf == nil || df == nil {
			st.Forget(name)
			continue
		}
		st.Record(sf, df)
	}
	recordBytes(st, inv)
}

// dirtyFolders reads a plan and returns the source folders it has ops
// for; ops naming only a destination folder mark every source folder
// that maps there.
func dirtyFolders(plan io.Reader, inv *inventory) (map[string]bool, error) {
	toSrc := map[string][]string{}
	for src, dst := range inv.mapping {
		toSrc[dst] = append(toSrc[dst], src)
	}
	dirty := map[string]bool{}
	err := readScratch(plan, "plan").Each(func(l *record.Line) error {
		var op record.Op
		if err := l.DecodeOnly(&op); err != nil {
			return err
		}
		switch {
		case op.Src != nil && op.Src.Folder != "":
			dirty[op.Src.Folder] = true
		case op.Dst != nil:
			for _, src := range toSrc[op.Dst.Folder] {
				dirty[src] = true
			}
		}
		return nil
	})
	return dirty, err
}

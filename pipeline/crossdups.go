package pipeline

import (
	"fmt"
	"io"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/internal/record"
)

// crossMode says what a plan's cross-folder duplicates become: copies of
// a message that host2 already holds in another folder, or that the plan
// copies into another folder before them (in the plan's folder order:
// --folderfirst/--folderlast).
type crossMode int

const (
	// crossCopy: copied as any other (the default).
	crossCopy crossMode = iota
	// crossSkip: not copied (imapsync's --skipcrossduplicates).
	crossSkip
	// crossSkipAll: only the source's \All folder (Gmail's All Mail)
	// loses its duplicates: each label folder keeps its copy, All Mail
	// gets the messages with no label (--synclabels --labels-as folders).
	crossSkipAll
	// crossLabel: each becomes a label op, carried out on a Gmail host2
	// by STORE X-GM-LABELS on the one copy (--gmail2, --synclabels).
	crossLabel
)

// opLabel is a plan op of sync's own: label the message host2 already
// holds (ident) with the folder Dst names. It never leaves the process.
const opLabel = "label"

// crossResult counts what crossFilter did with the copies.
type crossResult struct {
	skipped, labels int
	skippedBytes    int64
}

// crossFilter copies plan to out, turning the cross-folder duplicates'
// copy ops into nothing (skip modes, each logged with logSkip) or label
// ops. dst is host2's inventory; allMail names the source folders whose
// special use is \All.
func crossFilter(mode crossMode, plan, dst io.Reader, allMail map[string]bool, out io.Writer, logSkip func(src record.Ref, folders string, size int64)) (crossResult, error) {
	var res crossResult
	where := map[string]string{} // ident -> a host2 folder holding it
	err := readScratch(dst, "destination inventory").Each(func(l *record.Line) error {
		if l.Type != record.TypeMessage {
			return nil
		}
		var m record.Message
		if err := l.DecodeOnly(&m); err != nil {
			return err
		}
		if _, ok := where[m.Ident]; !ok && m.Ident != "" {
			where[m.Ident] = m.Folder
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	w := record.NewWriter(out)
	err = readScratch(plan, "plan").Each(func(l *record.Line) error {
		var op record.Op
		if err := l.Decode(&op); err != nil {
			return err
		}
		if op.Op != record.OpCopy || op.Ident == "" || op.Src == nil || op.Dst == nil {
			return w.WriteLine(l.JSON)
		}
		other, dup := where[op.Ident]
		dup = dup && other != op.Dst.Folder
		if mode == crossSkipAll && !allMail[op.Src.Folder] {
			dup = false
		}
		if !dup {
			if _, ok := where[op.Ident]; !ok {
				where[op.Ident] = op.Dst.Folder
			}
			return w.Write(&op)
		}
		if mode == crossLabel {
			res.labels++
			op.Op = opLabel
			return w.Write(&op)
		}
		res.skipped++
		res.skippedBytes += op.Size
		if logSkip != nil {
			logSkip(*op.Src, other, op.Size)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	return res, w.Flush()
}

// withCross counts the duplicates a skip mode left out as there: host2
// holds them in another folder, which is all --skipcrossduplicates asks.
func (r crossResult) withCross(sum diff.Summary) diff.Summary {
	sum.OnlySrc -= r.skipped
	sum.Same += r.skipped
	sum.CopyBytes -= r.skippedBytes
	sum.SameBytes += r.skippedBytes
	return sum
}

// crossMode is the run's mode for cross-folder duplicates.
func (s *syncer) crossMode() crossMode {
	switch {
	case s.o.LabelsOnHost2 && s.labels2:
		return crossLabel
	case s.o.SyncLabels && s.o.LabelsAsFolders:
		// Asked for: a copy per label, over --gmail1's skipping.
		return crossSkipAll
	case s.o.SkipCrossDuplicates:
		return crossSkip
	case s.o.SyncLabels:
		return crossSkip
	}
	return crossCopy
}

// applyCross filters the plan file in place (a new file) for the run's
// mode; it returns the plan to use and what was done.
func (s *syncer) applyCross(inv *inventory, plan *tempFile, verify bool) (*tempFile, crossResult, error) {
	mode := s.crossMode()
	if mode == crossCopy {
		return plan, crossResult{}, nil
	}
	out, err := newTemp("imapx-plan-cross-*.jsonl")
	if err != nil {
		return nil, crossResult{}, err
	}
	pr, err := plan.rewind()
	if err != nil {
		out.Close()
		return nil, crossResult{}, err
	}
	dr, err := inv.dst.rewind()
	if err != nil {
		out.Close()
		return nil, crossResult{}, err
	}
	allMail := map[string]bool{}
	for name, f := range inv.srcFolders {
		if f.SpecialUse == `\All` {
			allMail[name] = true
		}
	}
	var logSkip func(record.Ref, string, int64)
	if w := s.o.MessageLog; w != nil && !verify {
		logSkip = func(src record.Ref, folder string, size int64) {
			fmt.Fprintf(w, "msg %s {%d} skipped: cross-duplicate, on host2 in %s\n", msgName(&src), size, folder)
		}
	}
	res, err := crossFilter(mode, pr, dr, allMail, out, logSkip)
	if err != nil {
		out.Close()
		return nil, res, err
	}
	plan.Close()
	return out, res, nil
}

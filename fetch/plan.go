package fetch

import (
	"io"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/record"
)

// planJobs reads a plan: copy ops become per-folder jobs (in the order
// their folders first appear); create_folder ops are passed through first,
// so that push creates folders (and subscriptions) before appending.
func (f *fetcher) planJobs() ([]job, error) {
	r := record.NewReader(f.o.Plan, f.o.PlanName)
	r.NoEnd = f.o.NoEnd
	byFolder := map[string]int{}
	var jobs []job
	for {
		l, err := r.Next()
		if err == io.EOF {
			break
		}
		if record.MissingEnd(err) {
			return jobs, err
		}
		if err != nil {
			return nil, err
		}
		if l.Type != record.TypeOp {
			l.Raw.Close()
			return nil, l.Errorf("a plan holds op records, not %q", l.Type)
		}
		var op record.Op
		if err := l.DecodeOnly(&op); err != nil {
			return nil, err
		}
		switch op.Op {
		case record.OpCreateFolder:
			if err := f.sink.Passthrough(record.TypeOp, l.JSON); err != nil {
				return nil, err
			}
		case record.OpCopy:
			if op.Src == nil || op.Src.UID == 0 || op.Src.Folder == "" {
				return nil, l.Errorf("copy op needs src.folder and src.uid")
			}
			if op.Dst == nil || op.Dst.Folder == "" {
				return nil, l.Errorf("copy op needs dst.folder")
			}
			i, ok := byFolder[op.Src.Folder]
			if !ok {
				i = len(jobs)
				byFolder[op.Src.Folder] = i
				jobs = append(jobs, job{folder: op.Src.Folder, validity: op.Src.UIDValidity, dst: map[imap.UID]string{}, idents: map[imap.UID]string{}})
			}
			if jobs[i].validity != op.Src.UIDValidity {
				return nil, l.Errorf("folder %q appears with two UIDVALIDITYs (%d, %d)", op.Src.Folder, jobs[i].validity, op.Src.UIDValidity)
			}
			uid := imap.UID(op.Src.UID)
			if _, dup := jobs[i].dst[uid]; !dup {
				jobs[i].uids = append(jobs[i].uids, uid)
			}
			jobs[i].dst[uid] = op.Dst.Folder
			jobs[i].idents[uid] = op.Ident
		}
	}
	return jobs, nil
}

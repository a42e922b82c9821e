package fetch

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"os"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/scratch"
)

// planBatch is how many chunks of copy ops of one source folder make one
// job: memory holds a batch, never the plan, and a batch being whole
// chunks, a folder's UID FETCHes are the ones one job would send.
const planBatch = 2

// planOp is what fetch needs of a copy op.
type planOp struct {
	Op  string `json:"op"`
	Src *struct {
		Folder      string `json:"folder"`
		UID         uint32 `json:"uid"`
		UIDValidity uint32 `json:"uidvalidity"`
	} `json:"src"`
	Dst *struct {
		Folder string `json:"folder"`
	} `json:"dst"`
	Ident string `json:"ident"`
}

// plan is a plan read through once: its create_folder ops passed through
// (first, so that push creates folders and subscriptions before
// appending), its copy ops checked and spooled, compactly, to a scratch
// file, from which jobs are made a batch at a time.
type plan struct {
	f       *os.File
	folders int   // source folders copied from
	err     error // the plan ended without its end record (after whole ops)
}

// readPlan reads and checks the whole plan before anything is fetched: a
// bad op stops the fetch before it starts.
func (f *fetcher) readPlan() (*plan, error) {
	r := record.NewReader(f.o.Plan, f.o.PlanName)
	r.NoEnd = f.o.NoEnd
	spool, err := scratch.CreateTemp("imapx-plan-*")
	if err != nil {
		return nil, err
	}
	p := &plan{f: spool}
	w := bufio.NewWriterSize(spool, 64<<10)
	validity := map[string]uint32{}
	var rec []byte
	for {
		l, err := r.Next()
		if err == io.EOF {
			break
		}
		if record.MissingEnd(err) {
			// A plan cut short still holds whole ops: fetch them, then
			// fail, so that push settles them and fails too.
			p.err = err
			break
		}
		if err != nil {
			spool.Close()
			return nil, err
		}
		if l.Type != record.TypeOp {
			l.Raw.Close()
			spool.Close()
			return nil, l.Errorf("a plan holds op records, not %q", l.Type)
		}
		var op planOp
		if err := l.DecodeOnly(&op); err != nil {
			spool.Close()
			return nil, err
		}
		switch op.Op {
		case record.OpCreateFolder:
			if err := f.sink.Passthrough(record.TypeOp, l.JSON); err != nil {
				spool.Close()
				return nil, err
			}
		case record.OpCopy:
			if op.Src == nil || op.Src.UID == 0 || op.Src.Folder == "" {
				spool.Close()
				return nil, l.Errorf("copy op needs src.folder and src.uid")
			}
			if op.Dst == nil || op.Dst.Folder == "" {
				spool.Close()
				return nil, l.Errorf("copy op needs dst.folder")
			}
			v, seen := validity[op.Src.Folder]
			if !seen {
				validity[op.Src.Folder] = op.Src.UIDValidity
				p.folders++
			} else if v != op.Src.UIDValidity {
				spool.Close()
				return nil, l.Errorf("folder %q appears with two UIDVALIDITYs (%d, %d)", op.Src.Folder, v, op.Src.UIDValidity)
			}
			rec = appendString(rec[:0], op.Src.Folder)
			rec = binary.BigEndian.AppendUint32(rec, op.Src.UID)
			rec = binary.BigEndian.AppendUint32(rec, op.Src.UIDValidity)
			rec = appendString(rec, op.Dst.Folder)
			rec = appendString(rec, op.Ident)
			if _, err := w.Write(rec); err != nil {
				spool.Close()
				return nil, err
			}
		}
	}
	if err := w.Flush(); err != nil {
		spool.Close()
		return nil, err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		spool.Close()
		return nil, err
	}
	return p, nil
}

func (p *plan) close() { p.f.Close() }

// jobs sends the plan's copy ops as jobs: the ops of one source folder
// that follow each other in the plan, up to batch of them a job.
func (p *plan) jobs(batch int, out func(job) error) error {
	r := bufio.NewReaderSize(p.f, 64<<10)
	var j job
	flush := func() error {
		if len(j.uids) == 0 {
			return nil
		}
		err := out(j)
		j = job{}
		return err
	}
	for {
		folder, err := readString(r)
		if err == io.EOF {
			return flush()
		}
		if err != nil {
			return err
		}
		var fixed [8]byte
		if _, err := io.ReadFull(r, fixed[:]); err != nil {
			return err
		}
		dst, err := readString(r)
		if err != nil {
			return err
		}
		ident, err := readString(r)
		if err != nil {
			return err
		}
		if folder != j.folder || len(j.uids) >= batch {
			if err := flush(); err != nil {
				return err
			}
		}
		if j.dst == nil {
			j = job{folder: folder, validity: binary.BigEndian.Uint32(fixed[4:]), dst: map[imap.UID]string{}, idents: map[imap.UID]string{}}
		}
		uid := imap.UID(binary.BigEndian.Uint32(fixed[:4]))
		if _, dup := j.dst[uid]; !dup {
			j.uids = append(j.uids, uid)
		}
		j.dst[uid] = dst
		j.idents[uid] = ident
	}
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func readString(r *bufio.Reader) (string, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return "", err
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	return string(b), nil
}

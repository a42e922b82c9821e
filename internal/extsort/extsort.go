// Package extsort sorts records by key the way sort(1) does when its
// input outgrows memory: runs of a bounded size are sorted in memory and
// written to scratch files, then merged as streams. A diff sorts
// inventories with it, a sync the facts its verify joins, so that memory
// does not grow with the account.
package extsort

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"io"
	"os"
	"slices"

	"github.com/imapx/imapx/internal/scratch"
)

// Memory is how many bytes of records a Sorter made by New holds before
// it spills them, sorted, to a scratch file. (A variable for the tests,
// which spill early.)
var Memory = 2 << 20

// Sorter sorts (key, value) records by key: up to its limit in memory,
// in runs on disk beyond. Records of equal keys come out in no set order.
// It is not safe for concurrent use.
type Sorter struct {
	limit int
	buf   []byte
	recs  []sortRec
	runs  []*os.File
	w     *bufio.Writer
}

// sortRec locates a record in buf (32-bit: buf stays far below 2 GiB).
type sortRec struct{ off, klen, vlen int32 }

// New returns an empty Sorter holding up to Memory bytes in memory.
func New() *Sorter { return &Sorter{limit: Memory} }

func (s *Sorter) key(r sortRec) []byte { return s.buf[r.off : r.off+r.klen] }

func (s *Sorter) val(r sortRec) []byte { return s.buf[r.off+r.klen : r.off+r.klen+r.vlen] }

// Add adds a record; key and val are copied.
func (s *Sorter) Add(key, val []byte) error {
	if len(s.recs) > 0 && len(s.buf)+len(key)+len(val) > s.limit {
		if err := s.spill(); err != nil {
			return err
		}
	}
	s.recs = append(s.recs, sortRec{int32(len(s.buf)), int32(len(key)), int32(len(val))})
	s.buf = append(append(s.buf, key...), val...)
	return nil
}

func (s *Sorter) sortMem() {
	slices.SortFunc(s.recs, func(a, b sortRec) int { return bytes.Compare(s.key(a), s.key(b)) })
}

// spill writes the records held, sorted, as one run.
func (s *Sorter) spill() error {
	s.sortMem()
	f, err := scratch.CreateTemp("imapx-sort-*")
	if err != nil {
		return err
	}
	s.runs = append(s.runs, f)
	if s.w == nil {
		s.w = bufio.NewWriterSize(f, 64<<10)
	} else {
		s.w.Reset(f)
	}
	var hdr [2 * binary.MaxVarintLen64]byte
	for _, r := range s.recs {
		n := binary.PutUvarint(hdr[:], uint64(r.klen))
		n += binary.PutUvarint(hdr[n:], uint64(r.vlen))
		s.w.Write(hdr[:n])
		s.w.Write(s.key(r))
		if _, err := s.w.Write(s.val(r)); err != nil {
			return err
		}
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	s.buf, s.recs = s.buf[:0], s.recs[:0]
	return nil
}

// Each calls f with every record in key order, then empties the Sorter
// for reuse. The slices f gets are valid during the call only.
func (s *Sorter) Each(f func(key, val []byte) error) error {
	defer s.Reset()
	if len(s.runs) == 0 {
		s.sortMem()
		for _, r := range s.recs {
			if err := f(s.key(r), s.val(r)); err != nil {
				return err
			}
		}
		return nil
	}
	if len(s.recs) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	var m merger
	for _, run := range s.runs {
		if _, err := run.Seek(0, io.SeekStart); err != nil {
			return err
		}
		rr := &runReader{r: NewReader(run)}
		ok, err := rr.next()
		if err != nil {
			return err
		}
		if ok {
			m = append(m, rr)
		}
	}
	heap.Init(&m)
	for len(m) > 0 {
		top := m[0]
		if err := f(top.key, top.val); err != nil {
			return err
		}
		ok, err := top.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&m, 0)
		} else {
			heap.Pop(&m)
		}
	}
	return nil
}

// Release drops every record and run, and the memory that held them.
func (s *Sorter) Release() {
	s.Reset()
	s.buf, s.recs = nil, nil
}

// Reset drops every record and run, keeping the memory for reuse.
func (s *Sorter) Reset() {
	for _, f := range s.runs {
		f.Close()
	}
	s.runs, s.buf, s.recs = s.runs[:0], s.buf[:0], s.recs[:0]
}

// Reader reads records back in the form runs are written in, which
// callers that keep sorted output on disk write too: the key's length and
// the value's length as uvarints, then key and value.
type Reader struct {
	r   *bufio.Reader
	rec []byte
}

// NewReader reads records from r through a buffer.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 32<<10)}
}

// Next returns the next record, ok false at a clean end. key and val are
// valid until the next call: the reader reuses its buffer.
func (r *Reader) Next() (key, val []byte, ok bool, err error) {
	klen, err := binary.ReadUvarint(r.r)
	if err == io.EOF {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	vlen, err := binary.ReadUvarint(r.r)
	if err != nil {
		return nil, nil, false, err
	}
	r.rec = slices.Grow(r.rec[:0], int(klen+vlen))[:klen+vlen]
	if _, err := io.ReadFull(r.r, r.rec); err != nil {
		return nil, nil, false, err
	}
	return r.rec[:klen], r.rec[klen:], true, nil
}

// runReader reads one run back, holding its current record for the merge.
type runReader struct {
	r        *Reader
	key, val []byte
}

func (rr *runReader) next() (bool, error) {
	var ok bool
	var err error
	rr.key, rr.val, ok, err = rr.r.Next()
	return ok, err
}

// merger is a heap of runs by their current key.
type merger []*runReader

func (m merger) Len() int           { return len(m) }
func (m merger) Less(i, j int) bool { return bytes.Compare(m[i].key, m[j].key) < 0 }
func (m merger) Swap(i, j int)      { m[i], m[j] = m[j], m[i] }
func (m *merger) Push(x any)        { *m = append(*m, x.(*runReader)) }
func (m *merger) Pop() any {
	old := *m
	x := old[len(old)-1]
	*m = old[:len(old)-1]
	return x
}

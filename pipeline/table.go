package pipeline

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"sync"

	"github.com/imapx/imapx/internal/extsort"
	"github.com/imapx/imapx/internal/scratch"
)

// The verify joins facts about destination messages (identities known,
// sizes appended, digests sent and stored, sizes re-read) by message. Held
// in maps, they grew with the account (a few hundred bytes a message);
// here each is a table sorted by message on disk, read as a stream in key
// order, and joins are merges.
//
// A message's key is its folder (length-prefixed), UIDVALIDITY and UID
// (big-endian): a folder's messages are one span of a table, in UID order.

func appendMsgKey(b []byte, k msgKey) []byte {
	b = binary.AppendUvarint(b, uint64(len(k.folder)))
	b = append(b, k.folder...)
	b = binary.BigEndian.AppendUint32(b, k.validity)
	return binary.BigEndian.AppendUint32(b, k.uid)
}

// parseMsgKey is appendMsgKey's inverse; folder is reused when equal.
func parseMsgKey(b []byte, folder string) (msgKey, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || len(b) != k+int(n)+8 {
		return msgKey{}, false
	}
	f := b[k : k+int(n)]
	if string(f) != folder {
		folder = string(f)
	}
	rest := b[k+int(n):]
	return msgKey{folder, binary.BigEndian.Uint32(rest), binary.BigEndian.Uint32(rest[4:])}, true
}

// table is a sorted scratch file of (message key, value) records, with
// each folder's span.
type table struct {
	f     *os.File
	spans map[string][2]int64

	mu      sync.Mutex
	cursors map[string]*tableIter
}

// newTable writes the records of s, in key order, to a table (s is left
// empty, its memory released). Records of equal keys are kept (lookups
// find one of them).
func newTable(s *extsort.Sorter) (*table, error) {
	defer s.Release()
	f, err := scratch.CreateTemp("imapx-table-*")
	if err != nil {
		return nil, err
	}
	t := &table{f: f, spans: map[string][2]int64{}}
	w := bufio.NewWriterSize(f, 64<<10)
	var off int64
	var cur string
	var started bool
	var hdr [2 * binary.MaxVarintLen64]byte
	err = s.Each(func(key, val []byte) error {
		k, ok := parseMsgKey(key, cur)
		if !ok {
			return errCorruptTable
		}
		if !started || k.folder != cur {
			if started {
				t.spans[cur] = [2]int64{t.spans[cur][0], off}
			}
			cur, started = k.folder, true
			t.spans[cur] = [2]int64{off, off}
		}
		n := binary.PutUvarint(hdr[:], uint64(len(key)))
		n += binary.PutUvarint(hdr[n:], uint64(len(val)))
		w.Write(hdr[:n])
		w.Write(key)
		_, err := w.Write(val)
		off += int64(n + len(key) + len(val))
		return err
	})
	if started {
		t.spans[cur] = [2]int64{t.spans[cur][0], off}
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return t, nil
}

func (t *table) Close() {
	if t != nil {
		t.f.Close()
	}
}

var errCorruptTable = errors.New("sync: a scratch table is corrupt")

// tableIter reads a span of a table in key order. key and val are the
// current record (ok) or, once consumed or at the end, the last one read.
type tableIter struct {
	r        *extsort.Reader
	key, val []byte
	k        msgKey
	ok, done bool
}

// iter reads the whole table (nil t: an empty one).
func (t *table) iter() *tableIter {
	if t == nil {
		return &tableIter{done: true}
	}
	st, err := t.f.Stat()
	if err != nil {
		return &tableIter{done: true}
	}
	return newTableIter(t.f, [2]int64{0, st.Size()})
}

func newTableIter(f *os.File, span [2]int64) *tableIter {
	return &tableIter{r: extsort.NewReader(io.NewSectionReader(f, span[0], span[1]-span[0]))}
}

// next reads the next record into key, val and k; false at the end.
func (it *tableIter) next() (bool, error) {
	it.ok = false
	if it.done {
		return false, nil
	}
	key, val, ok, err := it.r.Next()
	if err != nil {
		return false, err
	}
	if !ok {
		it.done = true
		return false, nil
	}
	it.key, it.val = key, val
	if it.k, it.ok = parseMsgKey(it.key, it.k.folder); !it.ok {
		return false, errCorruptTable
	}
	return true, nil
}

// seek moves forward to the first record whose key is at least key and
// reports whether it is that key; the record stays current.
func (it *tableIter) seek(key []byte) (bool, error) {
	for {
		if !it.ok {
			ok, err := it.next()
			if err != nil || !ok {
				return false, err
			}
		}
		if c := bytes.Compare(it.key, key); c >= 0 {
			return c == 0, nil
		}
		it.ok = false
	}
}

// lookupString finds a message's value. Lookups in a folder should come
// in UID order (a fetch reads a folder so): each folder has a cursor that
// moves forward, and starts over only when asked for a key behind it.
func (t *table) lookupString(k msgKey) (string, bool) {
	if t == nil {
		return "", false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	span, ok := t.spans[k.folder]
	if !ok {
		return "", false
	}
	if t.cursors == nil {
		t.cursors = map[string]*tableIter{}
	}
	key := appendMsgKey(nil, k)
	it := t.cursors[k.folder]
	if it == nil || it.key != nil && bytes.Compare(it.key, key) > 0 {
		it = newTableIter(t.f, span)
		t.cursors[k.folder] = it
	}
	found, err := it.seek(key)
	if err != nil || !found {
		return "", false
	}
	return string(it.val), true
}

package state

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Inventories keep, beside an account pair's state file, the message
// records of the last read of each side's folders, one file per folder,
// with the STATUS listed before that read. With CONDSTORE a re-run reads
// only what changed since (new UIDs, changed flags, expunges) and patches
// the rest from here. Like the state, a file that is missing, cut short,
// edited (checksummed), or made with other options is ignored: the folder
// is read in full.
type Inventories struct {
	dir, fingerprint string
}

// InventoriesOf is the inventories directory of the state at statePath,
// for the options fingerprint.
// Inventories replaced by an earlier run and not removed yet go now.
func InventoriesOf(statePath, fingerprint string) *Inventories {
	v := &Inventories{dir: strings.TrimSuffix(statePath, ".json") + ".inv", fingerprint: fingerprint}
	if old, _ := filepath.Glob(filepath.Join(v.dir, "*"+oldSuffix)); len(old) > 0 {
		go func() {
			for _, p := range old {
				os.Remove(p)
			}
		}()
	}
	return v
}

// invHeader is an inventory file's first line.
type invHeader struct {
	Side        string `json:"side"`
	Folder      string `json:"folder"`
	Fingerprint string `json:"fingerprint"`
	Status      Status `json:"status"`
}

// newInvSum is the inventories' checksum: CRC-32C, which the CPU
// computes (SSE4.2, ARMv8) at memory speed. It guards against a file cut
// short, damaged or edited by hand, as SHA-256 did at a tenth of the
// speed, on the way of every incremental read; no checksum without a key
// stops an edit made on purpose.
func newInvSum() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) }

// invTrailer is its last line: the count and checksum of the lines before.
type invTrailer struct {
	Messages int    `json:"messages"`
	Sum      string `json:"sum"`
}

func (v *Inventories) path(side, folder string) string {
	h := sha256.Sum256([]byte(side + "\x00" + folder))
	return filepath.Join(v.dir, side+"-"+hex.EncodeToString(h[:12])+".jsonl")
}

// InvWriter writes one folder's inventory; nothing replaces the old one
// before Commit.
type InvWriter struct {
	// off is how many bytes were written (into bw).
	off  int64
	path string
	tmp  *os.File
	bw   *bufio.Writer
	sum  hash.Hash
	n    int
	err  error
}

// Create starts the inventory of side's folder, read after STATUS said st.
func (v *Inventories) Create(side, folder string, st Status) (*InvWriter, error) {
	if err := os.MkdirAll(v.dir, 0o700); err != nil {
		return nil, err
	}
	p := v.path(side, folder)
	tmp, err := os.CreateTemp(v.dir, ".tmp-*")
	if err != nil {
		return nil, err
	}
	// The checksum is taken on the bytes as they leave the buffer, in
	// blocks: a line at a time was a good part of a re-sync's CPU.
	sum := newInvSum()
	w := &InvWriter{path: p, tmp: tmp, bw: bufio.NewWriterSize(io.MultiWriter(tmp, sum), 64<<10), sum: sum}
	h, _ := json.Marshal(invHeader{Side: side, Folder: folder, Fingerprint: v.fingerprint, Status: st})
	w.line(h)
	return w, nil
}

func (w *InvWriter) line(b []byte) {
	if w.err != nil {
		return
	}
	if _, err := w.bw.Write(b); err != nil {
		w.err = err
		return
	}
	w.err = w.bw.WriteByte('\n')
	w.off += int64(len(b)) + 1
}

// Message adds a message record (one JSON line, without newline) and
// returns where in the file it starts, for ReadAt.
func (w *InvWriter) Message(b []byte) int64 {
	off := w.off
	w.n++
	w.line(b)
	return off
}

// ReadAt reads back n bytes written at off (a record without its newline).
func (w *InvWriter) ReadAt(off int64, n int) ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	if w.bw.Buffered() > 0 {
		if err := w.bw.Flush(); err != nil {
			w.err = err
			return nil, err
		}
	}
	b := make([]byte, n)
	_, err := w.tmp.ReadAt(b, off)
	return b, err
}

// Commit writes the trailer and puts the file in place. No fsync: a file
// a crash cut short fails its checksum and is not used.
func (w *InvWriter) Commit() error {
	if err := w.bw.Flush(); err != nil && w.err == nil {
		w.err = err
	}
	t, _ := json.Marshal(invTrailer{Messages: w.n, Sum: hex.EncodeToString(w.sum.Sum(nil))})
	if _, err := w.tmp.Write(append(t, '\n')); err != nil && w.err == nil {
		w.err = err
	}
	if err := w.tmp.Close(); err != nil && w.err == nil {
		w.err = err
	}
	if w.err != nil {
		os.Remove(w.tmp.Name())
		return w.err
	}
	// Renaming over the old file makes ext4 write the new one out at once
	// (auto_da_alloc: 10–20 ms for 11 MB, on the way of every re-sync);
	// the old one is moved aside first, and removed without waiting (what
	// a run's end cuts short, the next run sweeps: InventoriesOf). A crash
	// in between leaves no inventory: the folder is read in full.
	aside := w.path + oldSuffix
	if err := os.Rename(w.path, aside); err == nil {
		go os.Remove(aside)
	}
	return os.Rename(w.tmp.Name(), w.path)
}

// oldSuffix names an inventory replaced and not removed yet.
const oldSuffix = ".old"

// Abort drops the file being written; the old one stays.
func (w *InvWriter) Abort() {
	w.tmp.Close()
	os.Remove(w.tmp.Name())
}

// Inventory is one folder's stored inventory.
type Inventory struct {
	Status Status
	// Messages is how many message records it holds.
	Messages int
	path     string
	// body is where the trailer starts.
	body int64
}

// Open returns side's stored inventory of folder, checked whole (header,
// options, count and checksum); ok is false when there is none usable.
// The check hashes the file in big blocks, not line by line: it is on the
// way of every incremental read.
func (v *Inventories) Open(side, folder string) (*Inventory, bool) {
	p := v.path(side, folder)
	f, err := os.Open(p)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() < 2 {
		return nil, false
	}
	// The trailer is the last line.
	size := fi.Size()
	tail := make([]byte, min(size, 4<<10))
	if _, err := f.ReadAt(tail, size-int64(len(tail))); err != nil || tail[len(tail)-1] != '\n' {
		return nil, false
	}
	cut := bytes.LastIndexByte(tail[:len(tail)-1], '\n')
	if cut < 0 {
		return nil, false
	}
	var t invTrailer
	if json.Unmarshal(tail[cut+1:len(tail)-1], &t) != nil {
		return nil, false
	}
	body := size - int64(len(tail)) + int64(cut) + 1 // header and records
	sum := newInvSum()
	lines := 0
	var h invHeader
	buf := make([]byte, 256<<10)
	for off := int64(0); off < body; {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), body-off)], off)
		if n == 0 && err != nil {
			return nil, false
		}
		chunk := buf[:n]
		if off == 0 {
			end := bytes.IndexByte(chunk, '\n')
			if end < 0 || json.Unmarshal(chunk[:end], &h) != nil {
				return nil, false
			}
		}
		sum.Write(chunk)
		lines += bytes.Count(chunk, []byte{'\n'})
		off += int64(n)
	}
	if h.Side != side || h.Folder != folder || h.Fingerprint != v.fingerprint {
		return nil, false
	}
	if t.Messages != lines-1 || t.Sum != hex.EncodeToString(sum.Sum(nil)) {
		return nil, false
	}
	return &Inventory{Status: h.Status, Messages: t.Messages, path: p, body: body}, true
}

// Each calls fn with each message record, in the order written.
func (i *Inventory) Each(fn func(line []byte) error) error {
	f, err := os.Open(i.path)
	if err != nil {
		return err
	}
	defer f.Close()
	first := true
	return eachLineOf(io.NewSectionReader(f, 0, i.body), i.path, func(line []byte) error {
		if first { // the header
			first = false
			return nil
		}
		return fn(line)
	})
}

// eachLine reads a file's lines (without newline); the slice is reused.
func eachLine(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return eachLineOf(f, path, fn)
}

// eachLineOf reads r's lines (without newline); the slice is reused.
func eachLineOf(f io.Reader, path string, fn func([]byte) error) error {
	r := bufio.NewReaderSize(f, 64<<10)
	var long []byte
	for {
		b, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, b...)
			continue
		}
		if err == io.EOF {
			if len(b)+len(long) > 0 {
				return fmt.Errorf("%s: last line without newline", path)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if long != nil {
			b = append(long, b...)
			long = nil
		}
		if err := fn(bytes.TrimSuffix(b, []byte{'\n'})); err != nil {
			return err
		}
	}
}

// Header reads only the first line of side's stored inventory of folder:
// the STATUS it was read after. Open checks the whole file.
func (v *Inventories) Header(side, folder string) (Status, bool) {
	f, err := os.Open(v.path(side, folder))
	if err != nil {
		return Status{}, false
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(f, 4<<10).ReadSlice('\n')
	if err != nil {
		return Status{}, false
	}
	var h invHeader
	if json.Unmarshal(line, &h) != nil || h.Side != side || h.Folder != folder || h.Fingerprint != v.fingerprint {
		return Status{}, false
	}
	return h.Status, true
}

// Written is how many message records were written so far.
func (w *InvWriter) Written() int { return w.n }

// EachWritten calls fn with the first n message records written so far,
// read back from the file being written.
func (w *InvWriter) EachWritten(n int, fn func(line []byte) error) error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = err
		return err
	}
	i := -1 // the header first
	err := eachLine(w.tmp.Name(), func(line []byte) error {
		i++
		if i == 0 {
			return nil
		}
		if i > n {
			return errStop
		}
		return fn(line)
	})
	if err == errStop {
		return nil
	}
	return err
}

var errStop = errors.New("stop")

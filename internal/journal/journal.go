// Package journal records the APPENDs of a sync that are in flight, as
// mbsync does: an APPEND is written down before it is sent and crossed
// out once its answer (or a check after a cut) says what became of it.
//
// A run killed with APPENDs unanswered leaves their entries behind. The
// server may still store such a message after the next run has read its
// inventory (its IMAP process finishes the command alone), and the next
// run then copies it again. So the next run, holding the account pair's
// lock (the writer of the old entries is gone), reads them at start and,
// after its own copy, removes from those folders the copies beyond the
// source's count that the entries account for: copies imapx provably
// made, never anyone else's mail.
//
// A rewrite (or --useuid) can give the bytes sent another header identity
// than their source's: the copy a killed run left then carries that
// identity, and no link (push links a copy when its APPEND is answered).
// Such an entry also records the identity of the bytes sent ("sent"), and
// the next run claims a destination message of that folder, identity and
// size for it: that message is the entry's copy, linked to the source's
// identity (Claim), and is then counted, kept or removed as any other.
//
// The file is JSON lines, appended unbuffered before each APPEND is sent
// (a kill loses nothing that was written; a crash of the machine can lose
// the last entries, as it can lose the mail). A line cut short by a kill
// is ignored.
package journal

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/imapx/imapx/internal/outfile"
)

// Entry is one APPEND in flight.
type Entry struct {
	ID     string `json:"id"`
	Folder string `json:"folder"`
	Ident  string `json:"ident"`
	// Sent is the header identity of the bytes sent, when it is not
	// Ident (a rewrite changed the identity's headers; --useuid).
	Sent string `json:"sent,omitempty"`
	Size int64  `json:"size"`
	// Time is when the APPEND was sent (Unix seconds).
	Time int64 `json:"t"`
}

// line is an entry added ("+") or crossed out ("-", ID only).
type line struct {
	Op string `json:"op"`
	Entry
}

// Journal is the account pair's journal, open for this run.
type Journal struct {
	path string
	run  string

	mu   sync.Mutex
	f    *os.File
	n    uint64
	keys map[any]string // message → entry ID, this run's open entries
	open map[string]Entry
	old  []Entry
	err  error // the first write error, reported once at Close

	// claimed are the earlier runs' entries whose copies Claim found
	// (entry ID → the message), and claims the messages claimed.
	claimed map[string]any
	claims  map[any]string
}

// Open reads what earlier runs left in the journal at path and opens it
// for this run's entries. The caller must hold the account pair's lock.
func Open(path string) (*Journal, error) {
	old, err := read(path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &Journal{path: path, run: fmt.Sprintf("%x", time.Now().UnixNano()), f: f,
		keys: map[any]string{}, open: map[string]Entry{}, old: old,
		claimed: map[string]any{}, claims: map[any]string{}}, nil
}

// Left returns the entries earlier runs left open.
func (j *Journal) Left() []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.old
}

// Claim looks, for a destination message with no link (at names it: any
// comparable value, e.g. folder, UIDVALIDITY and UID), for an entry an
// earlier run left whose bytes sent had this folder, header identity and
// size under another identity than their source's; it returns that
// source identity: the message is that APPEND's copy. Each entry claims
// one message; the same message asks again, it gets the same answer.
func (j *Journal) Claim(at any, folder, ident string, size int64) (string, bool) {
	if j == nil {
		return "", false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if id, ok := j.claims[at]; ok {
		return id, true
	}
	for _, e := range j.old {
		if e.Sent == ident && e.Folder == folder && e.Size == size && j.claimed[e.ID] == nil {
			j.claimed[e.ID] = at
			j.claims[at] = e.Ident
			return e.Ident, true
		}
	}
	return "", false
}

// Claims reports whether an earlier run left entries Claim can match.
func (j *Journal) Claims() bool {
	if j == nil {
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range j.old {
		if e.Sent != "" {
			return true
		}
	}
	return false
}

// Claimed reports whether Claim found the copy of an earlier run's entry.
func (j *Journal) Claimed(id string) bool {
	if j == nil {
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.claimed[id] != nil
}

// KeepLeft replaces the earlier runs' entries with keep (those whose
// folders were not checked), once the others were.
func (j *Journal) KeepLeft(keep []Entry) {
	j.mu.Lock()
	j.old = keep
	j.mu.Unlock()
}

// Sending records an APPEND about to be sent; key names the message until
// Settled (any comparable value, e.g. its record). sent is the header
// identity of the bytes sent when it is not ident ("" when it is).
func (j *Journal) Sending(key any, folder, ident, sent string, size int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, ok := j.keys[key]; ok {
		return // sent again after a cut: one entry is enough
	}
	j.n++
	e := Entry{ID: fmt.Sprintf("%s.%d", j.run, j.n), Folder: folder, Ident: ident, Sent: sent, Size: size, Time: time.Now().Unix()}
	j.keys[key] = e.ID
	j.open[e.ID] = e
	j.write(line{Op: "+", Entry: e})
}

// Doubt turns the entry of key into one left behind, as if by an earlier
// run: its APPEND was cut off unanswered, the check after the cut did not
// find it, and it is being sent again, yet the server may still store the
// first one (its IMAP process finishing a command it had read before the
// cut). The entry then accounts for one copy too many, which this run's
// verify (or a later run) removes, like an interrupted run's; the APPEND
// sent again gets an entry of its own.
func (j *Journal) Doubt(key any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	id, ok := j.keys[key]
	if !ok {
		return
	}
	delete(j.keys, key)
	j.old = append(j.old, j.open[id])
	delete(j.open, id)
}

// Settled crosses out the entry of key: its APPEND was answered (stored
// or refused) or found on the server after a cut.
func (j *Journal) Settled(key any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	id, ok := j.keys[key]
	if !ok {
		return
	}
	delete(j.keys, key)
	delete(j.open, id)
	j.write(line{Op: "-", Entry: Entry{ID: id}})
}

func (j *Journal) write(l line) {
	if j.f == nil || j.err != nil {
		return
	}
	b, _ := json.Marshal(l)
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		j.err = err
	}
}

// Close rewrites the journal with only the entries still open (this run's
// unanswered APPENDs, and the earlier runs' unless dropped), or removes it
// when none are.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	j.f.Close()
	j.f = nil
	left := append([]Entry(nil), j.old...)
	for _, e := range j.open {
		left = append(left, e)
	}
	if len(left) == 0 {
		if err := os.Remove(j.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return j.err
	}
	out, err := outfile.Create(j.path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	for _, e := range left {
		b, _ := json.Marshal(line{Op: "+", Entry: e})
		w.Write(append(b, '\n'))
	}
	if err := w.Flush(); err != nil {
		out.Abort()
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	return j.err
}

// read returns the entries of the journal at path not crossed out.
func read(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	open := map[string]int{}
	var entries []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var l line
		if json.Unmarshal(sc.Bytes(), &l) != nil || l.ID == "" {
			continue // a line cut short by a kill
		}
		switch l.Op {
		case "+":
			open[l.ID] = len(entries)
			entries = append(entries, l.Entry)
		case "-":
			if i, ok := open[l.ID]; ok {
				entries[i].ID = ""
				delete(open, l.ID)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var out []Entry
	for _, e := range entries {
		if e.ID != "" {
			out = append(out, e)
		}
	}
	return out, nil
}

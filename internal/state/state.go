// Package state remembers, between runs of `imapx sync`, which folder
// pairs were last seen in sync and what STATUS said of both sides then.
//
// A pair whose source and destination STATUS (UIDVALIDITY, UIDNEXT,
// MESSAGES, HIGHESTMODSEQ) are exactly what was recorded has not changed
// on either side: no message was added (UIDNEXT), removed (MESSAGES,
// HIGHESTMODSEQ) or re-flagged (HIGHESTMODSEQ, CONDSTORE) since a run
// found it in sync, so a re-run need not read its messages at all. Any
// difference, a missing HIGHESTMODSEQ, a changed option, or a file that is
// unreadable, corrupt or belongs to another account pair sends the run
// back to the full identity diff. State is an optimisation, never the
// truth: at worst it costs a re-read.
package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/imapx/imapx/internal/outfile"
	"github.com/imapx/imapx/internal/record"
)

// version changes whenever the meaning of the file changes.
const version = 1

// Status is what STATUS said of one folder.
type Status struct {
	UIDValidity   uint32 `json:"uidvalidity"`
	UIDNext       uint32 `json:"uidnext"`
	Messages      uint32 `json:"messages"`
	HighestModSeq uint64 `json:"highestmodseq"`
}

// StatusOf reads a folder record's STATUS; ok is false when the listing
// lacked any of UIDVALIDITY, UIDNEXT or MESSAGES.
func StatusOf(f *record.Folder) (Status, bool) {
	if f.Messages == nil || f.UIDValidity == 0 || f.UIDNext == 0 {
		return Status{}, false
	}
	return Status{UIDValidity: f.UIDValidity, UIDNext: f.UIDNext, Messages: *f.Messages, HighestModSeq: f.HighestModSeq}, true
}

// Pair is one source folder found in sync with its destination folder.
type Pair struct {
	Dst       string `json:"dst"`
	SrcStatus Status `json:"src_status"`
	DstStatus Status `json:"dst_status"`
	// SrcBytes and DstBytes are the pair's message bytes then (sync's
	// statistics count them for the pairs not read).
	SrcBytes int64 `json:"src_bytes,omitempty"`
	DstBytes int64 `json:"dst_bytes,omitempty"`
	// DstInv is the STATUS of the destination's stored inventory when it
	// is older than DstStatus: read then, and found in sync later with
	// every change since known (nil: read at DstStatus).
	DstInv *Status `json:"dst_inv,omitempty"`
}

// Altered is a source message whose copy the destination stored altered:
// with its line ends normalised (sizes differ, the text does not), or
// changed otherwise, as What says.
type Altered struct {
	SrcFolder      string `json:"src_folder"`
	SrcUID         uint32 `json:"src_uid"`
	DstFolder      string `json:"dst_folder"`
	DstUIDValidity uint32 `json:"dst_uidvalidity"`
	DstUID         uint32 `json:"dst_uid"`
	Ident          string `json:"ident"`
	SrcSize        int64  `json:"src_size"`
	DstSize        int64  `json:"dst_size"`
	// What the destination changed: "line ends normalised" (also when
	// empty, as entries written before it existed), "8-bit header bytes
	// replaced", "header changed", "body changed", or several of them.
	What string `json:"what,omitempty"`
}

// Change is what the destination changed.
func (a Altered) Change() string {
	if a.What == "" {
		return "line ends normalised"
	}
	return a.What
}

// Lost says whether the change lost information: all but line ends.
func (a Altered) Lost() bool { return a.Change() != "line ends normalised" }

// State is one account pair's file.
type State struct {
	Version int `json:"version"`
	// Key names the account pair; Fingerprint the options that decide
	// what "in sync" means (identity headers, --f1f2, --delete2…).
	Key         string          `json:"key"`
	Fingerprint string          `json:"fingerprint"`
	Pairs       map[string]Pair `json:"pairs"`
	// Altered are the messages the destination stored altered (line ends
	// normalised, or changed at the same size as their digests showed),
	// so that every run classifies them the same way without fetching
	// them again.
	Altered []Altered `json:"altered,omitempty"`
	// Sum guards against a file edited or cut short by hand or by a crash.
	Sum string `json:"sum"`
}

// Path is where the state of an account pair lives in dir.
func Path(dir, key string) string {
	h := sha256.Sum256([]byte(key))
	return filepath.Join(dir, hex.EncodeToString(h[:12])+".json")
}

// Fingerprint hashes the options that decide the outcome of a diff.
func Fingerprint(options ...any) string {
	b, err := json.Marshal(options)
	if err != nil {
		panic(err) // options are plain data
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// New is an empty state for key and fingerprint.
func New(key, fingerprint string) *State {
	return &State{Version: version, Key: key, Fingerprint: fingerprint, Pairs: map[string]Pair{}}
}

// Load reads the state at path. It never fails: a missing file gives an
// empty state, an unusable one an empty state and a warning saying why.
func Load(path, key, fingerprint string) (*State, error) {
	fresh := New(key, fingerprint)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fresh, nil
	}
	if err != nil {
		return fresh, fmt.Errorf("state %s: %w; doing a full comparison", path, err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return fresh, fmt.Errorf("state %s is not valid JSON (%v); doing a full comparison", path, err)
	}
	switch {
	case s.Sum != s.sum():
		return fresh, fmt.Errorf("state %s fails its checksum; doing a full comparison", path)
	case s.Version != version:
		return fresh, fmt.Errorf("state %s has version %d, not %d; doing a full comparison", path, s.Version, version)
	case s.Key != key:
		return fresh, fmt.Errorf("state %s belongs to %q; doing a full comparison", path, s.Key)
	case s.Fingerprint != fingerprint:
		// Other options: what was in sync then may not be now. Not worth
		// a warning: changing options is normal.
		return fresh, nil
	}
	if s.Pairs == nil {
		s.Pairs = map[string]Pair{}
	}
	return &s, nil
}

// sum is the checksum of everything but Sum itself.
func (s *State) sum() string {
	c := *s
	c.Sum = ""
	b, _ := json.Marshal(&c)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Unchanged reports whether the pair src → dst is exactly as recorded when
// it was last in sync. needModSeq demands HIGHESTMODSEQ on both sides:
// without CONDSTORE a flag change leaves STATUS as it was.
func (s *State) Unchanged(src, dst *record.Folder, needModSeq bool) bool {
	p, ok := s.Pairs[src.Name]
	if !ok || p.Dst != dst.Name {
		return false
	}
	ss, ok1 := StatusOf(src)
	ds, ok2 := StatusOf(dst)
	if !ok1 || !ok2 || ss != p.SrcStatus || ds != p.DstStatus {
		return false
	}
	return !needModSeq || ss.HighestModSeq != 0 && ds.HighestModSeq != 0
}

// Record notes that src and dst, as listed, were found in sync.
func (s *State) Record(src, dst *record.Folder) {
	ss, ok1 := StatusOf(src)
	ds, ok2 := StatusOf(dst)
	if !ok1 || !ok2 {
		delete(s.Pairs, src.Name)
		return
	}
	s.Pairs[src.Name] = Pair{Dst: dst.Name, SrcStatus: ss, DstStatus: ds}
}

// Forget drops a pair: it is not known to be in sync.
func (s *State) Forget(src string) { delete(s.Pairs, src) }

// Save writes the state atomically: a crash leaves the old file or the new
// one, never half of either.
func (s *State) Save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	s.Version = version
	s.Sum = s.sum()
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return err
	}
	f, err := outfile.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// Package links remembers which source message each rewritten copy on a
// destination is. A rewrite may change any header, so the copy's header
// identity can differ from its source's (a Message-Id added, a Subject
// changed with --useheader Subject): without help, the next diff sees a
// message missing and a stranger, and copies it again.
//
// push records, for each rewritten message it APPENDs, the destination
// (folder, UIDVALIDITY, UID from APPENDUID) and the source message's
// identity; whoever reads a destination inventory (fetch --links, sync's
// reads of host2) gives a message found there the linked identity, so
// diff, re-runs and the verify match it to its source without knowing
// about rewriting. A UID names one message for as long as its folder's
// UIDVALIDITY holds: a link of another UIDVALIDITY is never used, and the
// copy falls back to its header identity (at worst a reported duplicate,
// never a lost message).
//
// The file is JSON lines, one link a line, appended as each APPEND is
// confirmed; a line cut short by a crash is ignored when read.
package links

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/imapx/imapx/internal/record"
)

// link is one line of the file.
type link struct {
	Folder      string `json:"folder"`
	UIDValidity uint32 `json:"uidvalidity"`
	UID         uint32 `json:"uid"`
	Ident       string `json:"ident"`
}

type key struct {
	folder        string
	validity, uid uint32
}

// Links is a links file, loaded, and open for appending. A nil *Links
// holds nothing and records nothing. Safe for concurrent use.
type Links struct {
	path string
	mu   sync.Mutex
	m    map[key]string
	f    *os.File // opened at the first Add
}

// Open loads the links file at path (none yet: empty).
func Open(path string) (*Links, error) {
	l := &Links{path: path, m: map[key]string{}}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var k link
		if json.Unmarshal(sc.Bytes(), &k) != nil || k.UID == 0 || k.Ident == "" {
			continue // a line cut short by a crash
		}
		l.m[key{k.Folder, k.UIDValidity, k.UID}] = k.Ident
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return l, nil
}

// Len is how many links are known.
func (l *Links) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// Ident returns the source identity linked to a destination message.
func (l *Links) Ident(folder string, validity, uid uint32) (string, bool) {
	if l == nil {
		return "", false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	id, ok := l.m[key{folder, validity, uid}]
	return id, ok
}

// Apply gives an inventory record of the destination its linked
// identity, and reports whether it had one.
func (l *Links) Apply(m *record.Message) bool {
	id, ok := l.Ident(m.Folder, m.UIDValidity, m.UID)
	if ok {
		m.Ident = id
	}
	return ok
}

// Add links a destination message to its source's identity, written to
// the file at once (one write a line: a crash loses at most that line).
func (l *Links) Add(folder string, validity, uid uint32, ident string) error {
	if l == nil || uid == 0 || validity == 0 || ident == "" {
		return nil
	}
	b, err := json.Marshal(link{folder, validity, uid, ident})
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[key{folder, validity, uid}] = ident
	if l.f == nil {
		if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
			return err
		}
		if l.f, err = os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err != nil {
			return err
		}
	}
	_, err = l.f.Write(append(b, '\n'))
	return err
}

// Close syncs and closes the file.
func (l *Links) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Sync()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

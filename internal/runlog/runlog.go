// Package runlog is a sync's log file, named and placed as imapsync's:
// LOG_imapx/YYYY_MM_DD_HH_MM_SS_mmm_user1_user2.txt in the current
// directory by default. It holds what the run prints on stderr and the
// per-message lines only the file gets; it never holds a password.
package runlog

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// DefaultDir is the log directory when --logdir is not given (imapsync's
// is LOG_imapsync).
const DefaultDir = "LOG_imapx"

// Name is the default file name: the start time, to the millisecond, in
// local time as imapsync writes it, then both users.
func Name(start time.Time, user1, user2 string) string {
	ms := start.Nanosecond() / int(time.Millisecond)
	return fmt.Sprintf("%s_%03d_%s_%s.txt", start.Format("2006_01_02_15_04_05"), ms, safe(user1), safe(user2))
}

// Path is where the log goes, as imapsync's setlogfile decides: file
// (--logfile) under dir (--logdir) when both are given, file alone, or
// the default name under dir (DefaultDir when dir is empty).
func Path(dir, file string, start time.Time, user1, user2 string) string {
	switch {
	case file != "" && dir != "":
		return filepath.Join(dir, file)
	case file != "":
		return file
	case dir == "":
		dir = DefaultDir
	}
	return filepath.Join(dir, Name(start, user1, user2))
}

// safe turns a user name into file name characters as imapsync does:
// slashes, blanks, quotes, shell and Windows specials, control and
// non-ASCII characters become '_'.
func safe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0x80 || r < 0x20 || r == 0x7f || strings.ContainsRune(`/\*|?:"<>' `, r) {
			b.WriteByte('_')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// File is an open log file. Writes are whole (one mutex) and every
// secret given to Mask is replaced before it reaches the disk.
type File struct {
	path    string
	mu      sync.Mutex
	f       *os.File
	secrets []string
}

// Create opens path for appending (imapsync appends too), creating its
// directory; the file is private to the user (0600): it names accounts.
func Create(path string) (*File, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &File{path: path, f: f}, nil
}

// Path is the file's path as given.
func (l *File) Path() string { return l.path }

// Mask replaces every occurrence of each non-empty secret by "MASKED".
func (l *File) Mask(secrets ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range secrets {
		if s != "" {
			l.secrets = append(l.secrets, s)
		}
	}
}

func (l *File) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return len(p), nil
	}
	out := string(p)
	for _, s := range l.secrets {
		out = strings.ReplaceAll(out, s, "MASKED")
	}
	// A full disk must not stop the sync: the log is a copy of stderr.
	l.f.WriteString(out)
	return len(p), nil
}

// Close closes the file; later writes are dropped.
func (l *File) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Tee writes to w (stderr) and to the log file.
func Tee(w io.Writer, l *File) io.Writer {
	if l == nil {
		return w
	}
	return &tee{w, l}
}

type tee struct {
	w io.Writer
	l *File
}

func (t *tee) Write(p []byte) (int, error) {
	t.l.Write(p)
	return t.w.Write(p)
}

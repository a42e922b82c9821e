// Package outfile writes an output file atomically: into a temporary file
// beside it, renamed over the target only when the run succeeded, so a
// failed run never truncates an existing backup.
package outfile

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/imapx/imapx/internal/scratch"
)

// File is an output being written.
type File struct {
	path string
	tmp  *os.File
	bw   *bufio.Writer
}

// Create starts writing path. Nothing at path changes until Commit.
//
// The temporary file must be beside path (a rename does not cross file
// systems), so it cannot be unlinked at once: its name carries the PID
// (.FILE.tmp-PID-*), and Create first removes those of dead processes, so
// a killed run's leftover goes at the next run.
func Create(path string) (*File, error) {
	dir, base := filepath.Dir(path), "."+filepath.Base(path)+".tmp-"
	sweep(dir, base)
	tmp, err := os.CreateTemp(dir, base+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return nil, err
	}
	return &File{path: path, tmp: tmp, bw: bufio.NewWriterSize(tmp, 256<<10)}, nil
}

// Write implements io.Writer.
func (f *File) Write(p []byte) (int, error) { return f.bw.Write(p) }

// Commit flushes, syncs and renames the file into place.
func (f *File) Commit() error { return f.CommitTo(f.path) }

// CommitTo is Commit to another path (an incomplete run's ".partial").
func (f *File) CommitTo(path string) error {
	if err := f.bw.Flush(); err != nil {
		f.Abort()
		return err
	}
	if err := f.tmp.Sync(); err != nil {
		f.Abort()
		return err
	}
	if err := f.tmp.Close(); err != nil {
		os.Remove(f.tmp.Name())
		return err
	}
	return os.Rename(f.tmp.Name(), path)
}

// Abort removes the temporary file; the target is untouched. It is safe
// to call after Commit.
func (f *File) Abort() {
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}

var _ io.Writer = (*File)(nil)

// sweep removes the temporary files of base (".FILE.tmp-") in dir left by
// processes that are gone.
func sweep(dir, base string) {
	matches, _ := filepath.Glob(filepath.Join(dir, globEscape(base)+"[0-9]*-*"))
	for _, m := range matches {
		rest := strings.TrimPrefix(filepath.Base(m), base)
		digits, _, _ := strings.Cut(rest, "-")
		if pid, err := strconv.Atoi(digits); err == nil && pid > 0 && !scratch.Alive(pid) {
			os.Remove(m)
		}
	}
}

// globEscape quotes the glob metacharacters of a file name.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

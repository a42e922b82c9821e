// Package outfile writes an output file atomically: into a temporary file
// beside it, renamed over the target only when the run succeeded, so a
// failed run never truncates an existing backup.
package outfile

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
)

// File is an output being written.
type File struct {
	path string
	tmp  *os.File
	bw   *bufio.Writer
}

// Create starts writing path. Nothing at path changes until Commit.
func Create(path string) (*File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
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

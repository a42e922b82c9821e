package outfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAbortKeepsOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "backup.mbox")
	os.WriteFile(path, []byte("old"), 0o600)
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	f.Abort()
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("target = %q after Abort", b)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("temporary file left behind: %v", entries)
	}
}

func TestCommitReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	os.WriteFile(path, []byte("old"), 0o600)
	f, _ := Create(path)
	f.Write([]byte("new"))
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Fatalf("target = %q after Commit", b)
	}
}

package outfile

import (
	"os"
	"path/filepath"
	"strconv"
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

func TestCreateSweepsDeadRunsLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "backup[1].mbox")
	// A dead process's leftover (PID far above any pid_max), a live one's
	// (ours), and another file's: only the first goes.
	dead := filepath.Join(dir, ".backup[1].mbox.tmp-999999999-123")
	live := filepath.Join(dir, ".backup[1].mbox.tmp-"+strconv.Itoa(os.Getpid())+"-456")
	other := filepath.Join(dir, ".other.tmp-999999999-789")
	for _, p := range []string{dead, live, other} {
		os.WriteFile(p, []byte("x"), 0o600)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("dead run's leftover kept: %v", err)
	}
	for _, p := range []string{live, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
}

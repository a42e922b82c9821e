package runlock

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/imapx/imapx/internal/exitcode"
)

func TestSecondHolderRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pair.lock")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("lock file holds %q, want our PID", b)
	}
	// flock is per open file: a second open in this process conflicts
	// as another process would.
	_, err = Acquire(path)
	if exitcode.Of(err) != exitcode.PIDFile || !strings.Contains(err.Error(), "PID "+strconv.Itoa(os.Getpid())) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second Acquire: %v (code %d)", err, exitcode.Of(err))
	}
	l.Release()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("lock file left after Release: %v", err)
	}
	l2, err := Acquire(path)
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	l2.Release()
}

// A file left by a dead run (no flock held) is taken over.
func TestStaleFileTakenOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pair.lock")
	os.WriteFile(path, []byte("999999\n"), 0o600)
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	b, _ := os.ReadFile(path)
	if strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("lock file holds %q, want our PID", b)
	}
}

package runlock

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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

// A holder that is gone or exiting is waited for; a live one is not.
func TestDying(t *testing.T) {
	if dying(strconv.Itoa(os.Getpid())) {
		t.Fatal("this live process counts as dying")
	}
	if !dying("999999999") {
		t.Fatal("a process that does not exist does not count as dying")
	}
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer cmd.Wait()
	pid := strconv.Itoa(cmd.Process.Pid)
	if dying(pid) {
		t.Fatal("a sleeping child counts as dying")
	}
	cmd.Process.Kill()
	deadline := time.Now().Add(5 * time.Second)
	for !dying(pid) {
		if time.Now().After(deadline) {
			t.Fatal("a killed child, not reaped, does not count as dying")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

package scratch

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestRunDirectory(t *testing.T) {
	parent := t.TempDir()
	dead := filepath.Join(parent, prefix+"999999999-1")
	live := filepath.Join(parent, prefix+strconv.Itoa(os.Getppid())+"-2")
	foreign := filepath.Join(parent, "imapx-body-3")
	for _, d := range []string{dead, live, foreign} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, "f"), []byte("x"), 0o600)
	}
	stop, err := Start(parent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("a dead run's directory survived the sweep")
	}
	for _, d := range []string{live, foreign} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
	dir := Dir()
	if filepath.Dir(dir) != parent {
		t.Fatalf("run directory %s is not in %s", dir, parent)
	}
	if pid, ok := runPID(filepath.Base(dir)); !ok || pid != os.Getpid() {
		t.Fatalf("run directory %s does not carry our PID", dir)
	}
	f, err := CreateTemp("body-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("still usable"); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a temporary file has a name: %v (want it unlinked at once)", entries)
	}
	stop()
	stop() // twice is harmless
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("run directory left after stop")
	}
	if Dir() != os.TempDir() {
		t.Errorf("Dir after stop = %s", Dir())
	}
}

// A run killed and not yet reaped by its parent is a zombie: dead, its
// directory free to sweep (a shell or test harness may reap it late).
func TestZombieIsNotAlive(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer cmd.Wait()
	if !Alive(cmd.Process.Pid) {
		t.Fatal("a running process is not alive")
	}
	cmd.Process.Kill()
	deadline := time.Now().Add(5 * time.Second)
	for Alive(cmd.Process.Pid) {
		if time.Now().After(deadline) {
			t.Fatal("a killed, unreaped process still counts as alive")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

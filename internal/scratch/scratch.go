// Package scratch holds a run's temporary files (spooled bodies,
// inventories, plans) in one directory of its own, so that nothing a run
// leaves behind when it is killed outlives it:
//
//   - every file is unlinked right after it is created, where the
//     platform allows it (Linux and other Unixes): only the open handle
//     is used, and the kernel frees the space when the process ends,
//     however it ends;
//   - the files live under imapx-run-PID-* in --tmpdir (default
//     os.TempDir()), removed at the end of the run;
//   - a run starts by removing the directories of runs whose process is
//     gone (a kill leaves an empty one at most).
//
// The directory is the process's, like its environment: Start sets it
// once, and every CreateTemp of the process uses it.
package scratch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// prefix names a run's directory: prefix + PID + "-" + random.
const prefix = "imapx-run-"

var run struct {
	sync.Mutex
	dir   string
	users int
}

// Start makes the run's directory in parent (os.TempDir() when empty),
// after sweeping those of dead runs. The returned stop removes it; Start
// and stop nest (the directory lives until the last stop).
func Start(parent string) (stop func(), err error) {
	if parent == "" {
		parent = os.TempDir()
	}
	run.Lock()
	defer run.Unlock()
	if run.users == 0 {
		if st, err := os.Stat(parent); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("--tmpdir %s: not a directory", parent)
		}
		Sweep(parent)
		dir, err := os.MkdirTemp(parent, prefix+strconv.Itoa(os.Getpid())+"-")
		if err != nil {
			return nil, fmt.Errorf("--tmpdir: %w", err)
		}
		run.dir = dir
	}
	run.users++
	var once sync.Once
	return func() {
		once.Do(func() {
			run.Lock()
			defer run.Unlock()
			if run.users--; run.users == 0 {
				os.RemoveAll(run.dir)
				run.dir = ""
			}
		})
	}, nil
}

// Dir is the run's directory, or os.TempDir() before Start.
func Dir() string {
	run.Lock()
	defer run.Unlock()
	if run.dir == "" {
		return os.TempDir()
	}
	return run.dir
}

// CreateTemp creates a temporary file in the run's directory, unlinked at
// once where the platform allows it: the caller uses the handle only, and
// removing the name again (os.Remove) is harmless.
func CreateTemp(pattern string) (*os.File, error) {
	f, err := os.CreateTemp(Dir(), pattern)
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" {
		os.Remove(f.Name())
	}
	return f, nil
}

// Sweep removes the run directories in parent whose process is gone. Only
// names of imapx's own pattern are looked at.
func Sweep(parent string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, ok := runPID(e.Name())
		if !ok || !e.IsDir() || Alive(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(parent, e.Name()))
	}
}

// runPID reads the PID out of a run directory's name.
func runPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(digits)
	return pid, err == nil && pid > 0
}

// Alive reports whether process pid exists (signal 0). On doubt (another
// user's process: EPERM), it is alive.
func Alive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	return !zombie(pid)
}

// zombie reports whether pid has exited and only waits for its parent to
// reap it (state Z in /proc): its files are no one's any more. Where
// /proc cannot tell, it is not a zombie.
func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// "pid (comm) S …": the state follows the last ')' (comm may hold one).
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

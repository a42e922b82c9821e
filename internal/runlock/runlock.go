// Package runlock keeps two runs of `imapx sync` off the same account pair
// at once (imapsync's --pidfile and --pidfilelocking, on by default here):
// two runs reading the same destination before either copies would both
// copy every message.
//
// The lock is flock(2) on a file holding the PID of its owner. The kernel
// drops it when the process dies, however it dies, so a lock left by a
// killed run is simply taken over: there is no stale-PID guessing.
package runlock

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/imapx/imapx/internal/exitcode"
)

// Lock is a held lock file.
type Lock struct {
	f    *os.File
	path string
}

// Path is the lock file.
func (l *Lock) Path() string { return l.path }

// dyingGrace is how long Acquire waits for a dying holder to let go: a
// run killed a moment ago (kill -9, and at once the same command again)
// holds the lock until the kernel has closed its files. A live holder is
// refused at once.
const dyingGrace = 3 * time.Second

// dying reports whether the process pid (as written in the lock file) is
// gone or on its way out: no such process, a zombie, or exiting (the
// kernel's PF_EXITING in /proc/PID/stat's flags). Where /proc cannot
// tell, it is not.
func dying(pid string) bool {
	b, err := os.ReadFile("/proc/" + strings.TrimSpace(pid) + "/stat")
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	// "pid (comm) S ppid pgrp session tty tpgid flags …": fields after
	// the last ')' (comm may hold one).
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 7 {
		return false
	}
	if f[0] == "Z" || f[0] == "X" {
		return true
	}
	flags, err := strconv.ParseUint(f[6], 10, 64)
	return err == nil && flags&pfExiting != 0
}

// pfExiting is Linux's PF_EXITING task flag.
const pfExiting = 0x4

// Acquire takes the lock at path, creating the file, and writes the PID
// of this process into it. When another live process holds it, the error
// names that PID and exits 8 (imapsync's EXIT_PID_FILE_ERROR).
func Acquire(path string) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, exitcode.Newf(exitcode.PIDFile, "lock file %s: %v", path, err)
	}
	deadline := time.Now().Add(dyingGrace)
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, exitcode.Newf(exitcode.PIDFile, "lock file %s: %v", path, err)
		}
		if err := lock(f); err != nil {
			pid := readPID(f)
			f.Close()
			if errors.Is(err, errHeld) && dying(pid) && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if errors.Is(err, errHeld) {
				return nil, exitcode.WithHint(exitcode.PIDFile,
					fmt.Errorf("another imapx sync (PID %s) is running for this account pair (lock %s)", pid, path),
					"wait for it to end, or stop it; two runs at once would copy every message twice")
			}
			return nil, exitcode.Newf(exitcode.PIDFile, "lock file %s: %v", path, err)
		}
		// The holder we waited on may have removed the file as it ended:
		// then our lock is on a name nobody else opens. Take the new one.
		if !samePath(f, path) {
			f.Close()
			continue
		}
		if err := f.Truncate(0); err == nil {
			f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
		return &Lock{f: f, path: path}, nil
	}
}

// Release removes the file and drops the lock (in that order: a run
// waiting on it then retries on a fresh file).
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	os.Remove(l.path)
	l.f.Close()
	l.f = nil
}

var errHeld = errors.New("held by another process")

func readPID(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid := strings.TrimSpace(string(b[:n]))
	if _, err := strconv.Atoi(pid); err != nil {
		return "unknown"
	}
	return pid
}

func samePath(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// Command rusage runs a program and writes what the kernel accounted to
// it: `rusage OUT PATH ARGS...` writes "wall_ns user_ns sys_ns maxrss_kb"
// to OUT and exits as the program did (128+signal if killed).
//
// The bench measures its tools through this middleman, because on Linux a
// child's ru_maxrss includes the RSS high-water mark of the address space
// it was started from (Go starts children with clone(CLONE_VM|CLONE_VFORK)
// and the mark survives execve): started from the bench itself, every
// tool would "peak" at the bench's size. This program stays at about 2 MB,
// which is the floor of what it can report: it imports only os, strconv,
// syscall and time for that reason.
package main

import (
	"os"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		os.Stderr.WriteString("usage: rusage OUT PATH [ARGS...]\n")
		os.Exit(64)
	}
	start := time.Now()
	pid, err := syscall.ForkExec(os.Args[2], os.Args[2:], &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}})
	if err != nil {
		os.Stderr.WriteString("rusage: " + os.Args[2] + ": " + err.Error() + "\n")
		os.Exit(127)
	}
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	for {
		_, err = syscall.Wait4(pid, &ws, 0, &ru)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		os.Stderr.WriteString("rusage: wait: " + err.Error() + "\n")
		os.Exit(127)
	}
	wall := time.Since(start)
	out := ""
	for _, n := range []int64{wall.Nanoseconds(), ru.Utime.Nano(), ru.Stime.Nano(), ru.Maxrss} {
		out += strconv.FormatInt(n, 10) + " "
	}
	if err := os.WriteFile(os.Args[1], []byte(out+"\n"), 0o644); err != nil {
		os.Stderr.WriteString("rusage: " + err.Error() + "\n")
		os.Exit(127)
	}
	if ws.Signaled() {
		os.Exit(128 + int(ws.Signal()))
	}
	os.Exit(ws.ExitStatus())
}

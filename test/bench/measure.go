package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// rusageBin is the test/bench/rusage middleman (see its doc: a child's
// peak RSS is only its own when started from a small process), built by
// run into the bench's temp dir.
var rusageBin string

func buildRusage(work string) error {
	rusageBin = filepath.Join(work, "rusage")
	build := exec.Command("go", "build", "-o", rusageBin, "./test/bench/rusage")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building test/bench/rusage: %w", err)
	}
	return nil
}

// measure runs cmd with its stdout and stderr in log files named after
// logBase, kills it after timeout, and reports its wall time and the CPU
// time (user+sys) and peak RSS that the kernel accounted to it. On a
// failure the error carries the tail of both logs.
func measure(name string, cmd *exec.Cmd, logBase string, timeout time.Duration) (result, error) {
	stdout, err := os.Create(logBase + ".out")
	if err != nil {
		return result{}, err
	}
	defer stdout.Close()
	stderr, err := os.Create(logBase + ".err")
	if err != nil {
		return result{}, err
	}
	defer stderr.Close()
	if cmd.Err != nil {
		return result{}, fmt.Errorf("%s: %w", name, cmd.Err)
	}
	usageFile := logBase + ".rusage"
	os.Remove(usageFile)
	wrapper := exec.Command(rusageBin, append([]string{usageFile, cmd.Path}, cmd.Args[1:]...)...)
	wrapper.Env, wrapper.Dir = cmd.Env, cmd.Dir
	if wrapper.Dir == "" {
		// Beside its logs: a sync writes its LOG_imapx/ log file in the
		// current directory, which must not be the checkout.
		wrapper.Dir = filepath.Dir(logBase)
	}
	wrapper.Stdout, wrapper.Stderr = stdout, stderr
	// Its own process group, so that a timeout kills the tool too.
	wrapper.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := wrapper.Start(); err != nil {
		return result{}, fmt.Errorf("%s: %w", name, err)
	}
	timedOut := false
	timer := time.AfterFunc(timeout, func() {
		timedOut = true
		syscall.Kill(-wrapper.Process.Pid, syscall.SIGKILL)
	})
	err = wrapper.Wait()
	timer.Stop()
	r := result{name: name}
	b, rerr := os.ReadFile(usageFile)
	var wall, user, sys int64
	if rerr == nil {
		_, rerr = fmt.Sscan(string(b), &wall, &user, &sys, &r.maxRSSKB)
	}
	r.wall, r.cpu = time.Duration(wall), time.Duration(user+sys)
	if rerr != nil && err == nil {
		err = fmt.Errorf("no rusage from %s: %v", rusageBin, rerr)
	}
	if timedOut {
		err = fmt.Errorf("killed after %s", timeout)
	}
	if err != nil {
		return r, fmt.Errorf("%s (%s): %w\n%s", name, strings.Join(cmd.Args, " "), err, logTails(logBase))
	}
	return r, nil
}

// logTails is the end of a run's two logs, for error messages.
func logTails(logBase string) string {
	var out []string
	for _, ext := range []string{".out", ".err"} {
		b, _ := os.ReadFile(logBase + ext)
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		if len(b) > 3000 {
			b = append([]byte("…"), b[len(b)-3000:]...)
		}
		out = append(out, fmt.Sprintf("--- %s%s:\n%s", filepath.Base(logBase), ext, b))
	}
	return strings.Join(out, "\n")
}

// verdict is the lines of a log that start with one of prefixes, joined,
// or else its last line.
func verdict(path string, prefixes ...string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var out []string
	for _, l := range lines {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, strings.TrimSpace(l))
			}
		}
	}
	if len(out) == 0 {
		return strings.TrimSpace(lines[len(lines)-1])
	}
	return strings.Join(out, " / ")
}

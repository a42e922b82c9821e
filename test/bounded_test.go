package test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// interrupt SIGNALS PATTERN DELAYMS MAXMS CODE PROG ARGS...: run PROG;
// once its stderr matches PATTERN (- for at once) and DELAYMS more passed,
// send SIGNALS
// (INT, TERM, or INT,INT: a second one 100 ms later); it must then exit
// with CODE within MAXMS. SIGNALS "none" sends nothing and bounds the
// whole run instead. A run over its bound gets SIGQUIT (a goroutine dump
// in the log) and fails the script. Its output goes to run.stdout and
// run.stderr, for grep.
func cmdInterrupt(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 6 {
		ts.Fatalf("usage: interrupt SIGNALS PATTERN DELAYMS MAXMS CODE PROG [ARGS...]")
	}
	pattern, err := regexp.Compile(args[1])
	ts.Check(err)
	delay, maxMS, want := atoi(ts, args[2]), atoi(ts, args[3]), atoi(ts, args[4])
	cmd := exec.Command(lookPath(ts, args[5]), args[6:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = scriptEnv(ts)
	var stdout bytes.Buffer
	stderr := &watchWriter{re: pattern, seen: make(chan struct{})}
	if args[1] == "-" {
		stderr.once.Do(func() {})
	}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	ts.Check(cmd.Start())
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	save := func() {
		ts.Check(os.WriteFile(ts.MkAbs("run.stdout"), stdout.Bytes(), 0o644))
		ts.Check(os.WriteFile(ts.MkAbs("run.stderr"), stderr.bytes(), 0o644))
	}
	start := time.Now()
	if args[0] != "none" {
		if args[1] == "-" {
			close(stderr.seen) // DELAYMS from the start
		}
		select {
		case <-stderr.seen:
		case <-done:
			save()
			ts.Fatalf("%s exited before its stderr matched %q:\n%s", args[5], args[1], stderr.bytes())
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			<-done
			ts.Fatalf("stderr never matched %q", args[1])
		}
		time.Sleep(time.Duration(delay) * time.Millisecond)
		start = time.Now()
		for i, name := range strings.Split(args[0], ",") {
			if i > 0 {
				time.Sleep(100 * time.Millisecond)
			}
			sig := map[string]syscall.Signal{"INT": syscall.SIGINT, "TERM": syscall.SIGTERM}[name]
			if sig == 0 {
				ts.Fatalf("unknown signal %q", name)
			}
			cmd.Process.Signal(sig)
		}
	}
	select {
	case <-done:
	case <-time.After(time.Duration(maxMS) * time.Millisecond):
		cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		save()
		ts.Logf("stderr:\n%s", stderr.bytes())
		ts.Fatalf("%s did not exit within %d ms", args[5], maxMS)
	}
	took := time.Since(start)
	save()
	got := cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		got = 128 + int(ws.Signal())
	}
	ts.Logf("%s exited %d after %v", args[5], got, took.Round(time.Millisecond))
	if got != want {
		ts.Fatalf("%s exited %d, want %d; stderr:\n%s", args[5], got, want, stderr.bytes())
	}
}

func atoi(ts *testscript.TestScript, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		ts.Fatalf("%q is not a number", s)
	}
	return n
}

// scriptEnv is the environment a script's exec would give a program.
func scriptEnv(ts *testscript.TestScript) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "IMAPX_PASSWORD", "IMAPX_PASSWORD1", "IMAPX_PASSWORD2"} {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func lookPath(ts *testscript.TestScript, prog string) string {
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		p := filepath.Join(dir, prog)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	ts.Fatalf("%s not found in $PATH", prog)
	return ""
}

// watchWriter keeps what is written and says when it first matches re.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	re   *regexp.Regexp
	seen chan struct{}
	once sync.Once
}

func (w *watchWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	if w.re.Match(w.buf.Bytes()) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(b), nil
}

func (w *watchWriter) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.buf.Bytes())
}

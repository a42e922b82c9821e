// Package command is imapx's command line: flags → each stage's Options →
// the stage's Run. cmd/imapx's main is Run; tests run Main in-process and
// register Run as the `imapx` of their scripts (testscript.Main).
package command

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/imapx/imapx/internal/exitcode"
)

// memoryLimit is a soft limit on the runtime's memory, a safety net:
// imapx holds a bounded window of mail in memory (bodies in flight, sort
// runs: at most about 20 MiB live in a sync, whatever the account), which
// the default pacing (GOGC 100) lets grow to twice that between
// collections. The limit sits at that goal, so it does not pace the
// collector itself: measured on a 100,000-message sync, 40 MiB with 30 MiB
// live collected 3,050 times, most of the run's CPU; 48 MiB with under
// 20 MiB live, a tenth of the CPU in collection and a 53 MB peak RSS.
// GOMEMLIMIT overrides it.
const memoryLimit = 48 << 20

// interrupted is the cause of the run's context once a signal came: it is
// a context.Canceled (exit 130), and SIGTERM exits 143 like a shell's
// 128+15.
type interrupted struct{ sig os.Signal }

func (e interrupted) Error() string { return "interrupted by " + signalName(e.sig) }
func (e interrupted) Is(target error) bool {
	return target == context.Canceled
}

func signalName(sig os.Signal) string {
	if sig == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}

func signalCode(sig os.Signal) int {
	if sig == syscall.SIGTERM {
		return 128 + int(syscall.SIGTERM)
	}
	return exitcode.Interrupted
}

// Run is the process: os.Args and the standard streams, the first signal
// cancelling the run. It returns the exit code; a second signal exits at
// once.
func Run() int {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	// IMAPX_CPUPROFILE=FILE writes a CPU profile of the run (go tool pprof),
	// for reports of slow runs.
	if path := os.Getenv("IMAPX_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	// The first SIGINT/SIGTERM cancels the run, which then winds down
	// (answers in flight, state, report); a second one exits at once.
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		cancel(interrupted{sig})
		sig = <-sigs
		fmt.Fprintf(os.Stderr, "imapx: %s again: exiting now\n", signalName(sig))
		os.Exit(signalCode(sig))
	}()
	code := Main(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	signal.Stop(sigs)
	if cause, ok := context.Cause(ctx).(interrupted); ok && code != exitcode.OK {
		code = signalCode(cause.sig)
	}
	cancel(nil)
	return code
}

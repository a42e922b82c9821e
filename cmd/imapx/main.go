// Command imapx migrates, backs up and audits IMAP mailboxes as a pipeline
// of small stages that speak JSON lines.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
)

// memoryLimit is a soft heap limit: imapx holds at most a bounded window
// of mail in memory, and with the default GC pacing a 100 MB message
// still let the heap double past it. GOMEMLIMIT overrides it.
const memoryLimit = 40 << 20

func main() {
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if code != 0 {
		pprof.StopCPUProfile()
		os.Exit(code)
	}
}

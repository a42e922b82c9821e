// Command imapx migrates, backs up and audits IMAP mailboxes as a pipeline
// of small stages that speak JSON lines.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

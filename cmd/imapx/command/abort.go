package command

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/runlock"
	"github.com/imapx/imapx/internal/session"
)

// abortPatience is how long --abort waits for the running sync to stop.
const abortPatience = 60 * time.Second

// abort is imapsync's --abort: stop the sync running for this account
// pair (the PID in its lock, --pidfile), wait until it is gone, and exit.
// The sync stopped ends as on Ctrl-C: what it copied stays, the next run
// continues.
func (s *streams) abort(c *cli.Context, a1, a2 *session.Account) error {
	path := c.String("pidfile")
	if path == "" {
		path = pairPath(c, a1, a2, ".lock")
	}
	lock, err := runlock.Acquire(path)
	if err == nil {
		lock.Release()
		fmt.Fprintf(s.stderr, "imapx: --abort: no sync is running for this account pair (lock %s)\n", path)
		return nil
	}
	if exitcode.Of(err) != exitcode.PIDFile {
		return err
	}
	b, rerr := os.ReadFile(path)
	pid, aerr := strconv.Atoi(strings.TrimSpace(string(b)))
	if rerr != nil || aerr != nil || pid <= 0 {
		return exitcode.Newf(exitcode.PIDFile, "--abort: no PID in the lock file %s", path)
	}
	proc, err := os.FindProcess(pid)
	if err == nil {
		err = proc.Signal(syscall.SIGTERM)
	}
	if err != nil {
		return exitcode.Newf(exitcode.PIDFile, "--abort: cannot stop PID %d: %v", pid, err)
	}
	for deadline := time.Now().Add(abortPatience); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if lock, err := runlock.Acquire(path); err == nil {
			lock.Release()
			fmt.Fprintf(s.stderr, "imapx: --abort: stopped the sync of PID %d\n", pid)
			return nil
		}
	}
	return exitcode.Newf(exitcode.PIDFile, "--abort: PID %d still runs %s after SIGTERM", pid, abortPatience)
}

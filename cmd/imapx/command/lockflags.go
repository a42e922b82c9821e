package command

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/runlock"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/state"
)

// lockFlags: one sync at a time per account pair.
type lockFlags struct{}

func (lockFlags) flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "pidfile", Usage: "lock `FILE` holding this run's PID (default: one per account pair, beside the state)"},
		&cli.BoolFlag{Name: "pidfilelocking", Value: true, Usage: "refuse to run while another sync holds the lock (exit 8); " +
			"--pidfilelocking=false only writes the PID"},
	}
}

// runDir holds, per account pair, the lock and the journal of APPENDs in
// flight: the state dir, or where it would be with --nostate (the lock
// and the journal guard against duplicates, which --nostate must not
// turn off).
func runDir(c *cli.Context) string {
	if dir, ok := stateDir(c); ok {
		return dir
	}
	return filepath.Join(os.TempDir(), "imapx-state")
}

// pairPath is the file of the account pair in the run dir with suffix ext.
func pairPath(c *cli.Context, a1, a2 *session.Account, ext string) string {
	return strings.TrimSuffix(state.Path(runDir(c), a1.String()+" -> "+a2.String()), ".json") + ext
}

// take takes the account pair's lock (or --pidfile's). With
// --pidfilelocking=false the PID is written and nothing is refused.
func (lockFlags) take(c *cli.Context, a1, a2 *session.Account) (*runlock.Lock, error) {
	path := c.String("pidfile")
	if path == "" {
		path = pairPath(c, a1, a2, ".lock")
	}
	if !c.Bool("pidfilelocking") {
		os.MkdirAll(filepath.Dir(path), 0o700)
		os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
		return nil, nil
	}
	return runlock.Acquire(path)
}

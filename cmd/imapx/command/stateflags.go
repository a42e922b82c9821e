package command

import (
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/session"
)

// stateFlags keep, per account pair, which folders were last in sync.
type stateFlags struct{}

func (stateFlags) flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "statedir", Usage: "keep, per account pair, which folders were last in sync in `DIR`, so that a re-run " +
			"reads only folders whose STATUS changed (default: the user cache dir's imapx/state); state is only ever an optimisation"},
		&cli.BoolFlag{Name: "nostate", Usage: "keep no state: compare every folder in full"},
	}
}

// options returns the state directory (empty: none) and the key that
// names this account pair in it.
func (stateFlags) options(c *cli.Context, a1, a2 *session.Account) (dir, key string) {
	if c.Bool("nostate") {
		return "", ""
	}
	dir, ok := stateDir(c)
	if !ok {
		return "", "" // no home: run without state
	}
	return dir, a1.String() + " -> " + a2.String()
}

// stateDir is --statedir, else the user cache dir's imapx/state; false
// when there is no cache dir (no home).
func stateDir(c *cli.Context) (string, bool) {
	if dir := c.String("statedir"); dir != "" {
		return dir, true
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", false
	}
	return filepath.Join(cache, "imapx", "state"), true
}

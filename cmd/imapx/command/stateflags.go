package command

import (
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/session"
)

func stateFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "statedir", Usage: "keep, per account pair, which folders were last in sync in `DIR`, so that a re-run " +
			"reads only folders whose STATUS changed (default: the user cache dir's imapx/state); state is only ever an optimisation"},
		&cli.BoolFlag{Name: "nostate", Usage: "keep no state: compare every folder in full"},
	}
}

// stateOptions returns the state directory (empty: none) and the key that
// names this account pair in it.
func stateOptions(c *cli.Context, a1, a2 *session.Account) (dir, key string) {
	if c.Bool("nostate") {
		return "", ""
	}
	dir = c.String("statedir")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", "" // no home: run without state
		}
		dir = filepath.Join(cache, "imapx", "state")
	}
	return dir, a1.String() + " -> " + a2.String()
}

package command

import (
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/scratch"
)

// tmpdirCommands are the commands that make temporary files (spooled
// bodies, inventories, plans): they take imapsync's --tmpdir.
var tmpdirCommands = map[string]bool{"fetch": true, "diff": true, "push": true, "ident": true, "format": true, "sync": true, "demo": true}

func tmpdirFlag() cli.Flag {
	return &cli.StringFlag{Name: "tmpdir", Usage: "keep temporary files in a directory of this run's own in `DIR` (default $TMPDIR or /tmp); they are unlinked at once, and directories of killed runs are removed at the next start"}
}

// withTmpdir gives a command the flag, and the run's scratch directory
// for as long as it runs.
func withTmpdir(cmd *cli.Command) {
	cmd.Flags = append(cmd.Flags, tmpdirFlag())
	var stop func()
	cmd.Before = func(c *cli.Context) error {
		var err error
		if stop, err = scratch.Start(c.String("tmpdir")); err != nil {
			return exitcode.WithHint(exitcode.Usage, err, "give --tmpdir an existing, writable directory")
		}
		return nil
	}
	cmd.After = func(*cli.Context) error {
		if stop != nil {
			stop()
		}
		return nil
	}
}

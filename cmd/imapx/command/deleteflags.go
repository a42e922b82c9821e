package command

import (
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/pipeline"
)

// deleteFlags are imapsync's deletion options for sync beyond --delete1,
// --delete2 and the folder ones.
type deleteFlags struct{}

func (deleteFlags) flags() []cli.Flag {
	const cat = "Deletions"
	return []cli.Flag{
		&cli.BoolFlag{Name: "noexpunge2", Category: cat, Usage: "leave the messages --delete2 deletes on host2 marked \\Deleted, not expunged"},
		&cli.BoolFlag{Name: "nouidexpunge2", Category: cat, Usage: "do not UID EXPUNGE on host2 the messages --delete2 marks (same as --noexpunge2: imapx expunges only with UID EXPUNGE or around its own marks)"},
		&cli.BoolFlag{Name: "delete1emptyfolders", Category: cat, Usage: "delete the empty host1 folders (INBOX and parents excepted) before the sync and, with --delete1, after it"},
	}
}

func (deleteFlags) apply(c *cli.Context, o *pipeline.Options) {
	o.NoExpunge2 = c.Bool("noexpunge2") || c.Bool("nouidexpunge2")
	o.Delete1EmptyFolders = c.Bool("delete1emptyfolders")
}

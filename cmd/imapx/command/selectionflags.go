package command

import (
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/selection"
)

// selectionFlags are imapsync's folder selection options.
type selectionFlags struct{}

func (selectionFlags) flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "folder", Category: "Folders", Usage: "only this `FOLDER` (repeatable; UTF-8 name with the server's delimiter)"},
		&cli.StringSliceFlag{Name: "folderrec", Category: "Folders", Usage: "this `FOLDER` and all folders below it (repeatable)"},
		&cli.StringSliceFlag{Name: "include", Category: "Folders", Usage: "only folders whose name matches `REGEX` (repeatable: any)"},
		&cli.StringSliceFlag{Name: "exclude", Category: "Folders", Usage: "skip folders whose name matches `REGEX` (repeatable)"},
		&cli.BoolFlag{Name: "subscribed", Category: "Folders", Usage: "only subscribed folders"},
	}
}

// options are the selection's options; folders named as arguments are
// added to --folder's.
func (selectionFlags) options(c *cli.Context, folderArgs ...string) selection.Options {
	return selection.Options{
		Folders:    append(c.StringSlice("folder"), folderArgs...),
		FolderRec:  c.StringSlice("folderrec"),
		Include:    c.StringSlice("include"),
		Exclude:    c.StringSlice("exclude"),
		Subscribed: c.Bool("subscribed"),
	}
}

// selector compiles the selection (a bad --include/--exclude is a usage
// error).
func (g selectionFlags) selector(c *cli.Context, folderArgs ...string) (*selection.Selector, error) {
	return selection.New(g.options(c, folderArgs...))
}

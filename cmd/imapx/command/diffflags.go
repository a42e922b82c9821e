package command

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/diff"
)

// diffFlags are the plan options shared by diff and sync (imapsync's names).
type diffFlags struct{}

func (diffFlags) flags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringSliceFlag{Name: "f1f2", Category: "Plan", Usage: "map source folder to destination folder, `SRC=DST` (repeatable, full names)"},
		&cli.BoolFlag{Name: "noresyncflags", Category: "Plan", Usage: "do not plan flag changes for messages on both sides"},
		&cli.BoolFlag{Name: "resyncflags", Category: "Plan", Value: true, Usage: "plan flag changes for messages on both sides (default)"},
		&cli.BoolFlag{Name: "delete2", Category: "Plan", Usage: "plan deleting destination messages that are not in the source"},
		&cli.BoolFlag{Name: "delete2folders", Category: "Plan", Usage: "plan deleting destination folders that no source folder maps to"},
		&cli.BoolFlag{Name: "delete2duplicates", Category: "Plan", Usage: "plan deleting destination duplicates beyond the source's count"},
		&cli.BoolFlag{Name: "skip-duplicates", Category: "Plan", Usage: "copy one message per identity (imapsync's collapse of duplicates)"},
		&cli.BoolFlag{Name: "skipemptyfolders", Category: "Plan", Usage: "do not create destination folders for empty source folders"},
		&cli.BoolFlag{Name: "create-parents", Category: "Plan", Usage: "create the source's \\Noselect parents (Archive above Archive/2023) as real folders; by default the server makes them for their children"},
	}, mappingFlags{}.flags()...)
}

func (diffFlags) options(c *cli.Context) (diff.Options, error) {
	m, err := f1f2(c)
	if err != nil {
		return diff.Options{}, err
	}
	o := diff.Options{
		F1F2:              m,
		NoResyncFlags:     !c.Bool("resyncflags") || c.Bool("noresyncflags"),
		Delete2:           c.Bool("delete2"),
		Delete2Folders:    c.Bool("delete2folders"),
		Delete2Duplicates: c.Bool("delete2duplicates"),
		SkipDuplicates:    c.Bool("skip-duplicates"),
		SkipEmptyFolders:  c.Bool("skipemptyfolders"),
		CreateParents:     c.Bool("create-parents"),
	}
	return o, mappingFlags{}.apply(c, &o)
}

// f1f2 parses repeated --f1f2 SRC=DST folder mappings (diff, sync, push).
func f1f2(c *cli.Context) (map[string]string, error) {
	m := map[string]string{}
	for _, kv := range c.StringSlice("f1f2") {
		src, dst, ok := strings.Cut(kv, "=")
		if !ok || src == "" || dst == "" {
			return nil, usagef(c, "--f1f2 %q: want SRC=DST", kv)
		}
		m[src] = dst
	}
	return m, nil
}

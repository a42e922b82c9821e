package command

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/internal/exitcode"
)

// f1f2 parses repeated SRC=DST folder mappings.
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

// diffFlags are the plan options shared by diff and sync (imapsync's names).
func diffFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "f1f2", Category: "Plan", Usage: "map source folder to destination folder, `SRC=DST` (repeatable, full names)"},
		&cli.BoolFlag{Name: "noresyncflags", Category: "Plan", Usage: "do not plan flag changes for messages on both sides"},
		&cli.BoolFlag{Name: "resyncflags", Category: "Plan", Value: true, Usage: "plan flag changes for messages on both sides (default)"},
		&cli.BoolFlag{Name: "delete2", Category: "Plan", Usage: "plan deleting destination messages that are not in the source"},
		&cli.BoolFlag{Name: "delete2folders", Category: "Plan", Usage: "plan deleting destination folders that no source folder maps to"},
		&cli.BoolFlag{Name: "delete2duplicates", Category: "Plan", Usage: "plan deleting destination duplicates beyond the source's count"},
		&cli.BoolFlag{Name: "skip-duplicates", Category: "Plan", Usage: "copy one message per identity (imapsync's collapse of duplicates)"},
		&cli.BoolFlag{Name: "skipemptyfolders", Category: "Plan", Usage: "do not create destination folders for empty source folders"},
	}
}

func diffOptions(c *cli.Context) (diff.Options, error) {
	m, err := f1f2(c)
	if err != nil {
		return diff.Options{}, err
	}
	return diff.Options{
		F1F2:              m,
		NoResyncFlags:     !c.Bool("resyncflags") || c.Bool("noresyncflags"),
		Delete2:           c.Bool("delete2"),
		Delete2Folders:    c.Bool("delete2folders"),
		Delete2Duplicates: c.Bool("delete2duplicates"),
		SkipDuplicates:    c.Bool("skip-duplicates"),
		SkipEmptyFolders:  c.Bool("skipemptyfolders"),
	}, nil
}

func (s *streams) diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "compare two inventories and write a plan of operations (nothing is copied)",
		ArgsUsage: "SRC.jsonl DST.jsonl",
		Description: `Reads two inventories made by 'imapx fetch' ('-' for stdin) and writes a plan, one
"op" record per line: create_folder, copy, flags, and with --delete2/--delete2folders
delete and delete_folder. Messages compare by ident as multisets per folder: two
identical messages in the source mean two on the destination. Folder names map through
each side's delimiter and namespace prefix (INBOX. on Courier/Cyrus), then --f1f2.

A summary goes to stderr: = same, + only in source, - only in destination, * flags differ.

EXAMPLES:
   imapx fetch imaps://a@old > src.jsonl; imapx fetch imaps://a@new > dst.jsonl
   imapx diff src.jsonl dst.jsonl > plan.jsonl
   imapx diff --exit-code src.jsonl dst.jsonl > /dev/null || echo "accounts differ"
   imapx diff --format table src.jsonl dst.jsonl | less
   imapx fetch imaps://a@old | imapx diff - dst.jsonl | jq -c 'select(.op=="copy")'`,
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "exit-code", Usage: "exit 1 when the sides differ (an audit for scripts)"},
			&cli.StringFlag{Name: "format", Value: "jsonl", Usage: "output `FORMAT`: jsonl (a plan) or table (for people)"},
			&cli.StringFlag{Name: "report", Usage: "write the summary as JSON to `FILE`"},
			noEndFlag(),
		}, diffFlags()...),
		Action: func(c *cli.Context) error {
			args, err := positional(c, 2, 2, "SRC.jsonl and DST.jsonl")
			if err != nil {
				return err
			}
			if args[0] == "-" && args[1] == "-" {
				return usagef(c, "only one of SRC and DST can be stdin")
			}
			format := c.String("format")
			if format != "jsonl" && format != "table" {
				return usagef(c, "--format %q: want jsonl or table", format)
			}
			o, err := diffOptions(c)
			if err != nil {
				return err
			}
			o.NoEnd = s.noEnd(c)
			src, closeSrc, err := s.openInput(args[0])
			if err != nil {
				return err
			}
			defer closeSrc()
			dst, closeDst, err := s.openInput(args[1])
			if err != nil {
				return err
			}
			defer closeDst()

			out := s.stdout
			var plan strings.Builder
			if format == "table" {
				out = &plan
			}
			sum, err := diff.Run(src, dst, inputName(args[0]), inputName(args[1]), o, out)
			if err != nil {
				return err
			}
			if format == "table" {
				if err := diff.WriteTable(s.stdout, strings.NewReader(plan.String()), sum); err != nil {
					return err
				}
			}
			fmt.Fprintf(s.stderr, "imapx: diff: %s\n", sum)
			if path := c.String("report"); path != "" {
				if err := writeJSON(path, sum); err != nil {
					return err
				}
			}
			if c.Bool("exit-code") && sum.Differs() {
				return &silentError{code: exitcode.Differences}
			}
			return nil
		},
	}
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return exitcode.New(exitcode.NoInput, fmt.Errorf("--report: %w", err))
	}
	return nil
}

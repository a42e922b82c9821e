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
   imapx diff --format table src.jsonl dst.jsonl
   imapx fetch imaps://a@old | imapx diff - dst.jsonl | jq -c 'select(.op=="copy")'`,
		Flags: joinFlags([]cli.Flag{
			&cli.BoolFlag{Name: "exit-code", Usage: "exit 1 when the sides differ (an audit for scripts)"},
			&cli.StringFlag{Name: "format", Value: "jsonl", Usage: "output `FORMAT`: jsonl (a plan) or table (for people)"},
			&cli.StringFlag{Name: "report", Usage: "write the summary as JSON to `FILE`"},
		}, noEndFlag{}.flags(), diffFlags{}.flags()),
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
			o, err := diffFlags{}.options(c)
			if err != nil {
				return err
			}
			o.NoEnd = noEndFlag{}.warnings(s, c)
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

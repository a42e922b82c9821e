package command

import (
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/list"
)

func (s *streams) listCommand() *cli.Command {
	return &cli.Command{
		Name:      "list",
		Usage:     "list an account's folders (one JSON line per folder)",
		ArgsUsage: "ACCOUNT [DST]",
		Description: `Prints one "folder" record per folder: name (UTF-8), delim, attrs, special_use,
subscribed, and from STATUS messages, unseen, uidvalidity, uidnext, highestmodseq
(CONDSTORE servers). STATUS is asked with LIST-STATUS, or pipelined: never one round
trip per folder. With a destination account DST (or any folder mapping option), each
record also says "dst_name": where sync would copy the folder, with the same mapping
options (--automap, --regextrans2, --subfolder2, --f1f2…).

EXAMPLES:
   IMAPX_PASSWORD=secret imapx list imaps://alice@mail.example.org
   imapx list --passfile pw --sizes --format table imap://bob%40example.org@127.0.0.1:143
   imapx list --passfile pw imaps://alice@mail.example.org | jq -r 'select(.messages > 1000) | .name'
   imapx list --automap --passfile pw --passfile2 pw2 imaps://alice@old imaps://alice@new | jq -r '[.name, .dst_name] | @tsv'`,
		Flags: joinFlags([]cli.Flag{
			&cli.BoolFlag{Name: "sizes", Usage: "add each folder's total size in bytes (sum of RFC822.SIZE)"},
			&cli.StringFlag{Name: "format", Value: "jsonl", Usage: "output `FORMAT`: jsonl or table"},
		}, selectionFlags{}.flags(), accountFlags{}.flags(), listMappingFlags(), host2.flags()),
		Action: func(c *cli.Context) error {
			args, err := positional(c, 1, 2, "ACCOUNT")
			if err != nil {
				return err
			}
			o, err := listOptions(c)
			if err != nil {
				return err
			}
			a, err := accountFlags{}.account(s, c, args[0])
			if err != nil {
				return err
			}
			conn, err := dial(c.Context, a, 0)
			if err != nil {
				return err
			}
			defer logout(conn)
			if o.DstNames, err = s.listDstNames(c, args); err != nil {
				return err
			}
			return list.Run(c.Context, conn.Client, o, s.stdout)
		},
	}
}

func listOptions(c *cli.Context) (list.Options, error) {
	format := c.String("format")
	if format != "jsonl" && format != "table" {
		return list.Options{}, usagef(c, "--format %q: want jsonl or table", format)
	}
	sel, err := selectionFlags{}.selector(c)
	if err != nil {
		return list.Options{}, err
	}
	return list.Options{
		Folders: folders.Options{Selector: sel, Sizes: c.Bool("sizes")},
		Table:   format == "table",
	}, nil
}

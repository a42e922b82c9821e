package command

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/format"
	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/outfile"
)

func (s *streams) formatCommand() *cli.Command {
	return &cli.Command{
		Name:      "format",
		Usage:     "convert streams: JSON lines <-> mbox, and tables or summaries for people",
		ArgsUsage: "[FILE]",
		Description: `Reads JSON lines or an mbox (detected from the first bytes) from FILE or stdin.
   --to mbox     message records with raw bodies -> an mbox (byte-exact, flags and dates kept)
   --to jsonl    an mbox (or records) -> message records with raw bodies and idents
   --to table    one aligned line per record (messages, folders, plan ops, results)
   --to summary  per folder: messages, size, date range, duplicates, flags histogram

EXAMPLES:
   imapx format --to jsonl backup.mbox | jq -c 'select(.size > 1000000) | {folder, message_id, size}'
   imapx fetch --full imaps://a@host INBOX | imapx format --to mbox -o inbox.mbox
   imapx fetch imaps://a@host | imapx format --to summary`,
		Flags: []cli.Flag{
			noEndFlag(),
			&cli.StringFlag{Name: "to", Value: "table", Usage: "output `FORMAT`: jsonl, mbox, table or summary"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (atomically)"},
			&cli.StringFlag{Name: "folder", Usage: "folder for messages of an mbox that names none (default INBOX)"},
			useheaderFlag(),
		},
		Action: func(c *cli.Context) error {
			args, err := positional(c, 0, 1, "FILE")
			if err != nil {
				return err
			}
			path := "-"
			if len(args) == 1 {
				path = args[0]
			}
			to := c.String("to")
			switch to {
			case format.ToJSONL, format.ToMbox, format.ToTable, format.ToSummary:
			default:
				return usagef(c, "--to %q: want jsonl, mbox, table or summary", to)
			}
			ident, err := identityOptions(c)
			if err != nil {
				return err
			}
			in, closeIn, err := s.openInput(path)
			if err != nil {
				return err
			}
			defer closeIn()
			var out io.Writer = s.stdout
			var file *outfile.File
			if o := c.String("output"); o != "" && o != "-" {
				f, err := outfile.Create(o)
				if err != nil {
					return exitcode.New(exitcode.NoInput, fmt.Errorf("-o %s: %w", o, err))
				}
				defer f.Abort()
				out, file = f, f
			}
			err = format.Run(format.Options{To: to, Ident: ident, Folder: c.String("folder"), NoEnd: s.noEnd(c)}, in, inputName(path), out)
			if err != nil {
				return err
			}
			if file != nil {
				return file.Commit()
			}
			return nil
		},
	}
}

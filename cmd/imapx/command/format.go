package command

import (
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/format"
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
		Flags: joinFlags(noEndFlag{}.flags(), []cli.Flag{
			&cli.StringFlag{Name: "to", Value: "table", Usage: "output `FORMAT`: jsonl, mbox, table or summary"},
			outputFlag("write to `FILE` (atomically)"),
			&cli.StringFlag{Name: "folder", Usage: "folder for messages of an mbox that names none (default INBOX)"},
		}, identityFlags{}.flags()),
		Action: func(c *cli.Context) error {
			args, err := positional(c, 0, 1, "FILE")
			if err != nil {
				return err
			}
			path := inputArg(args, 0)
			o, err := formatOptions(c)
			if err != nil {
				return err
			}
			o.NoEnd = noEndFlag{}.warnings(s, c)
			in, closeIn, err := s.openInput(path)
			if err != nil {
				return err
			}
			defer closeIn()
			out, err := s.openOutput(c)
			if err != nil {
				return err
			}
			defer out.Close()
			if err := format.Run(o, in, inputName(path), out); err != nil {
				return err
			}
			return out.Commit()
		},
	}
}

func formatOptions(c *cli.Context) (format.Options, error) {
	to := c.String("to")
	switch to {
	case format.ToJSONL, format.ToMbox, format.ToTable, format.ToSummary:
	default:
		return format.Options{}, usagef(c, "--to %q: want jsonl, mbox, table or summary", to)
	}
	ident, err := identityFlags{}.options(c)
	if err != nil {
		return format.Options{}, err
	}
	return format.Options{To: to, Ident: ident, Folder: c.String("folder")}, nil
}

package command

import (
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/ident"
)

func (s *streams) identCommand() *cli.Command {
	return &cli.Command{
		Name:      "ident",
		Usage:     "set message identities (imapsync's header identity, and better)",
		ArgsUsage: "[FILE]",
		Description: `Reads message records (JSON lines) or an mbox from FILE or stdin and writes the
records with "ident" set. The header comes from the record's "raw" body, or from the
"headers" an inventory carries. Default identity: the Message-Id and Received lines,
normalised (bytes >= 0x80 -> X, tabs -> space, whitespace folded, trimmed, upper-cased),
sorted and hashed (h:…). A message with none of the chosen fields is identified by its
whole header block (a:…) instead of being left out. Same code as 'fetch', so
'fetch | ident --useheader X' and 'fetch --useheader X' agree.

EXAMPLES:
   imapx fetch imaps://a@host | imapx ident --useheader Message-Id > by-msgid.jsonl
   imapx ident backup.mbox | jq -r .ident | sort | uniq -d    # duplicates in a backup`,
		Flags: joinFlags(identityFlags{}.flags(), noEndFlag{}.flags()),
		Action: func(c *cli.Context) error {
			args, err := positional(c, 0, 1, "FILE")
			if err != nil {
				return err
			}
			path := inputArg(args, 0)
			o, err := identityFlags{}.options(c)
			if err != nil {
				return err
			}
			in, closeIn, err := s.openInput(path)
			if err != nil {
				return err
			}
			defer closeIn()
			_, err = ident.Run(ident.Options{Ident: o, NoEnd: noEndFlag{}.warnings(s, c)}, in, inputName(path), s.stdout)
			return err
		},
	}
}

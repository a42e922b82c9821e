package command

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/stream"
	"github.com/imapx/imapx/rewrite"
)

func (s *streams) rewriteCommand() *cli.Command {
	return &cli.Command{
		Name:      "rewrite",
		Usage:     "change messages in flight (imapsync's --pipemess, --regexmess, --addheader…)",
		ArgsUsage: "[FILE]",
		Description: `Reads message records with "raw" bodies (from 'imapx fetch --full' or 'fetch --plan …
--full'), or an mbox, from FILE or stdin, and writes them rewritten for 'imapx push', in the
same order; other records pass through as they are. Several messages are rewritten at once
(--workers); bodies stay spooled (memory stays bounded whatever the message size).

The operations run in imapsync's order: --skipmess, --pipemess, --regexmess, --wraplines,
--disarmreadreceipts, --truncmess, --addheader on the bytes, then --regexflag and
--filterbuggyflags on the flags, --idatefromheader on the internal date. Patterns work on
bytes: every byte is one character, nothing is decoded as UTF-8, and bytes no operation
targets come out as they went in.

A rewritten record keeps its source message's identity ("ident", computed from the bytes
as read when the record has none) and lists the operations that changed it ("rewritten"):
'imapx push --links FILE' records which destination UID holds which source message, and
'imapx fetch --links FILE' of the destination gives the copies their source's identity
back, so that diff, re-runs and verify match them whatever the rewrite changed.

A message a --pipemess command fails on (non-zero exit, empty output, --pipemess-timeout)
is left out with a result record saying why, and counted: the others go on, and rewrite
exits 111. A message --skipmess matches is left out and counted.

EXAMPLES:
   imapx fetch --plan plan.jsonl --full imaps://a@old \
     | imapx rewrite --pipemess 'sed -e "s/^Subject: /Subject: [migrated] /"' \
     | imapx push --links links.jsonl imaps://a@new
   imapx rewrite --regexmess 's/^X-Spam-Flag: YES\r?\n//mi' --addheader < msgs.jsonl > out.jsonl
   imapx rewrite --pipemess 'python3 examples/strip-attachments.py 10' backup.mbox | imapx push imaps://a@new`,
		Flags: joinFlags(rewriteFlags{}.flags(), identityFlags{}.flags(), noEndFlag{}.flags(), []cli.Flag{
			&cli.IntFlag{Name: "workers", Value: 4, Usage: "messages rewritten at once (`N` --pipemess commands running)"},
		}),
		Action: func(c *cli.Context) error {
			args, err := positional(c, 0, 1, "FILE")
			if err != nil {
				return err
			}
			o, err := rewriteFlags{}.options(c)
			if err != nil {
				return err
			}
			if o.Ident, err = (identityFlags{}).options(c); err != nil {
				return err
			}
			o.Workers, o.Log = c.Int("workers"), s.stderr
			r, err := rewrite.New(o)
			if err != nil {
				return err
			}
			inPath := inputArg(args, 0)
			in, closeIn, err := s.openInput(inPath)
			if err != nil {
				return err
			}
			defer closeIn()
			rd := stream.NewReader(in, inputName(inPath))
			rd.AcceptNoEnd(noEndFlag{}.warnings(s, c))
			start := time.Now()
			sum, err := r.Run(c.Context, rd, s.stdout)
			ops := sum.Ops()
			if ops != "" {
				ops = " (" + ops + ")"
			}
			fmt.Fprintf(s.stderr, "imapx: rewrite: %d messages, %d rewritten%s, %d skipped, %d errors in %s\n",
				sum.Messages, sum.Rewritten, ops, sum.Skipped, sum.Errors, time.Since(start).Round(time.Millisecond))
			if err != nil {
				return err
			}
			return sum.Err("messages")
		},
	}
}

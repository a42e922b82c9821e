package command

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/flags"
)

func (s *streams) flagsCommand() *cli.Command {
	return &cli.Command{
		Name:      "flags",
		Usage:     "apply a plan's flag changes and deletions to an account",
		ArgsUsage: "ACCOUNT [PLAN]",
		Description: `Reads a plan from 'imapx diff' (PLAN or stdin) and carries out its flags ops
(UID STORE +FLAGS/-FLAGS), delete ops (\Deleted then UID EXPUNGE of exactly those
messages; without UIDPLUS other \Deleted messages are protected around EXPUNGE) and
delete_folder ops. copy and create_folder ops are push's and are skipped. A message
whose folder's UIDVALIDITY changed since the plan is not touched.

With --delete1 it reads push's result records instead and deletes the SOURCE messages
whose copy the destination confirmed with a UID, and expunges exactly them (imapsync's
--delete1, which implies --expunge1); with --noexpunge1 they are only marked \Deleted.

Input is JSON lines ending with the end record every stage writes; one without it fails
(exit 66) after its changes were carried out, unless --no-end.

EXAMPLES:
   imapx diff src.jsonl dst.jsonl | imapx flags imaps://a@new
   imapx flags --dry-run imaps://a@new plan.jsonl
   imapx fetch --plan plan.jsonl --full imaps://a@old | imapx push imaps://a@new > results.jsonl
   imapx flags --delete1 imaps://a@old results.jsonl`,
		Flags: joinFlags([]cli.Flag{
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"dry"}, Usage: "report what would be done, change nothing"},
			&cli.BoolFlag{Name: "delete1", Usage: "read push results and delete the source messages they confirm"},
			&cli.BoolFlag{Name: "expunge1", Usage: "with --delete1, expunge the deleted source messages (the default, as imapsync's --delete1 implies --expunge1)"},
			&cli.BoolFlag{Name: "noexpunge1", Usage: "with --delete1, only mark the source messages \\Deleted, do not expunge them"},
		}, noEndFlag{}.flags(), accountFlags{}.flags()),
		Action: func(c *cli.Context) error {
			args, err := positional(c, 1, 2, "ACCOUNT")
			if err != nil {
				return err
			}
			inPath := inputArg(args, 1)
			o := flags.Options{DryRun: c.Bool("dry-run"), Delete1: c.Bool("delete1"), Expunge: !c.Bool("noexpunge1"), Log: s.stderr, NoEnd: noEndFlag{}.warnings(s, c)}
			in, closeIn, err := s.openInput(inPath)
			if err != nil {
				return err
			}
			defer closeIn()
			a, err := accountFlags{}.account(s, c, args[0])
			if err != nil {
				return err
			}
			sum, err := flags.Run(c.Context, dialer(a, 0), o, in, inputName(inPath), s.stdout)
			fmt.Fprintf(s.stderr, "imapx: flags: %d flag changes, %d messages deleted, %d folders deleted, %d errors\n",
				sum.FlagsChanged, sum.Deleted, sum.FoldersDeleted, sum.Errors)
			if err != nil {
				return err
			}
			return sum.Err("changes")
		},
	}
}

package command

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/stream"
	"github.com/imapx/imapx/internal/table"
	"github.com/imapx/imapx/push"
)

func (s *streams) pushCommand() *cli.Command {
	return &cli.Command{
		Name:      "push",
		Usage:     "append messages (records with raw bodies, or an mbox) to an account",
		ArgsUsage: "ACCOUNT [FILE]",
		Description: `Reads message records with "raw" bodies (from 'imapx fetch --full' or
'fetch --plan … --full'), or an mbox, from FILE or stdin, and APPENDs each one with its
flags (keywords included, \Recent dropped) and internal date. Missing folders are created
(and subscribed when the source folder was); create_folder ops of a plan are carried out.
Each message goes to its record's dst_folder (from a plan), else its folder mapped to the
destination's naming as sync maps it (the source's delimiter and prefix from its folder
records, the destination's read from the destination; --f1f2 first); --folder puts every
message into one folder.

Writes one "result" record per message: ok, the destination UID (APPENDUID), or the
error. A message the server refuses (over APPENDLIMIT or quota, NUL bytes without BINARY,
refused keywords) is reported and counted; the others go on. A dropped connection is
re-dialed, and APPENDs that already arrived are not sent twice.

JSON-lines input must end with the end record of the stage that wrote it: if it does
not (that stage failed, or the pipe was cut), what was read is appended and reported,
then push exits 66. --no-end accepts input written by hand.

EXAMPLES:
   imapx fetch --full imaps://a@old INBOX | imapx push imaps://a@new
   imapx push --folder Restored imaps://a@new backup.mbox
   imapx fetch --plan plan.jsonl --full imaps://a@old | imapx push imaps://a@new > results.jsonl`,
		Flags: joinFlags([]cli.Flag{
			&cli.StringFlag{Name: "folder", Usage: "append every message to `FOLDER` (e.g. restoring an mbox)"},
			&cli.StringSliceFlag{Name: "f1f2", Usage: "map a record's folder to a destination folder, `SRC=DST` (repeatable, full names)"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"dry"}, Usage: "report what would be done, change nothing"},
			&cli.IntFlag{Name: "window", Value: 128, Usage: "APPENDs in flight on each connection"},
			pushConnectionsFlag(),
			linksFlag("record in `FILE` which destination UID holds which source message, for each rewritten message appended (read by fetch --links)"),
		}, noEndFlag{}.flags(), throttleFlags{}.flags(), progressFlag{}.flags(), accountFlags{}.flags(), mappingFlags{}.nameFlags()),
		Action: func(c *cli.Context) error {
			args, err := positional(c, 1, 2, "ACCOUNT")
			if err != nil {
				return err
			}
			inPath := inputArg(args, 1)
			o, err := pushOptions(c)
			if err != nil {
				return err
			}
			d, err := progressFlag{}.display(s, c)
			if err != nil {
				return err
			}
			defer d.Close()
			o.Log, o.Progress = d, d
			in, closeIn, err := s.openInput(inPath)
			if err != nil {
				return err
			}
			defer closeIn()
			a, err := accountFlags{}.account(s, c, args[0])
			if err != nil {
				return err
			}
			if o.Links, err = openLinks(c); err != nil {
				return err
			}
			defer o.Links.Close()
			start := time.Now()
			d.Start("copy", 0, 0)
			rd := stream.NewReader(in, inputName(inPath))
			rd.AcceptNoEnd(noEndFlag{}.warnings(s, c))
			sum, err := push.RunParallel(c.Context, dialer(a, 0), c.Int("connections"), o, rd, s.stdout)
			d.Close() // the summary goes under the finished bar
			verb := "appended"
			if o.DryRun {
				verb = "would append (dry run)"
			}
			fmt.Fprintf(s.stderr, "imapx: push: %s %d messages (%s), created %d folders in %s, %d errors\n",
				verb, sum.Appended, table.Bytes(sum.Bytes), sum.FoldersCreated, time.Since(start).Round(time.Millisecond), sum.Errors)
			if err != nil {
				return err
			}
			return sum.Err("messages or folders")
		},
	}
}

func pushOptions(c *cli.Context) (push.Options, error) {
	t, err := throttleFlags{}.throttle(c)
	if err != nil {
		return push.Options{}, err
	}
	m, err := f1f2(c)
	if err != nil {
		return push.Options{}, err
	}
	mp, err := mappingFlags{}.mapping(c)
	if err != nil {
		return push.Options{}, err
	}
	return push.Options{Folder: c.String("folder"), F1F2: m, Mapping: mp, DryRun: c.Bool("dry-run"), Window: c.Int("window"), Throttle: t}, nil
}

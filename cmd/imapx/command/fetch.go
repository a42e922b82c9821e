package command

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/fetch"
	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/table"
)

func (s *streams) fetchCommand() *cli.Command {
	return &cli.Command{
		Name:      "fetch",
		Usage:     "read messages: an inventory, or full raw messages (JSON lines or mbox)",
		ArgsUsage: "ACCOUNT [FOLDER...]",
		Description: `Writes one "message" record per message: folder, uidvalidity, uid, flags (keywords
included, never \Recent), internaldate, size, message_id, ident. With --full the raw
message too (base64 "raw"); with --format mbox an mbox backup. Folders named after the
account are fetched (like --folder); with none, every selectable folder.

Messages are read in chunks of UIDs, one UID FETCH at a time per connection (more
connections read more folders at once), and streamed, never collected: memory stays
bounded whatever the size of a folder or a message. A dropped connection is re-dialed
and the fetch resumes where it stopped.

EXAMPLES:
   imapx fetch imaps://alice@mail.example.org > inventory.jsonl
   imapx fetch --full --format mbox -o backup.mbox imaps://alice@mail.example.org INBOX
   imapx fetch --maxage 30 --jq 'select(.size > 1000000) | {folder, uid, size}' imaps://alice@host
   imapx fetch --plan plan.jsonl --full imaps://alice@old | imapx push imaps://alice@new`,
		Flags: joinFlags([]cli.Flag{
			&cli.BoolFlag{Name: "full", Usage: "include the raw message (base64 \"raw\" field)"},
			&cli.BoolFlag{Name: "headers", Value: true, Usage: "include the fetched identity header lines in inventory records (\"headers\", \"header_fields\"; --headers=false omits them)"},
			&cli.StringFlag{Name: "format", Value: "jsonl", Usage: "output `FORMAT`: jsonl or mbox (mbox implies --full)"},
			outputFlag("write to `FILE` (atomically: an old file is replaced only on success)"),
			&cli.StringFlag{Name: "plan", Usage: "fetch only the messages of the copy ops in plan `FILE` (from imapx diff; - for stdin)"},
			fetchConnectionsFlag(),
			linksFlag("read a destination: its copies of rewritten messages take their source's identity from the links in `FILE` (written by push --links)"),
		}, identityFlags{}.flags(), jqFlag{}.flags(), noEndFlag{}.flags(), messageFlags{}.flags(),
			selectionFlags{}.flags(), accountFlags{}.flags()),
		Action: func(c *cli.Context) error {
			args, err := positional(c, 1, -1, "ACCOUNT")
			if err != nil {
				return err
			}
			o, err := s.fetchOptions(c, args[1:])
			if err != nil {
				return err
			}
			if path := c.String("plan"); path != "" {
				in, closeIn, err := s.openInput(path)
				if err != nil {
					return err
				}
				defer closeIn()
				o.Plan, o.PlanName, o.NoEnd = in, inputName(path), noEndFlag{}.warnings(s, c)
			}
			a, err := accountFlags{}.account(s, c, args[0])
			if err != nil {
				return err
			}
			l, err := openLinks(c)
			if err != nil {
				return err
			}
			if l != nil {
				o.Relabel = func(m *record.Message) { l.Apply(m) }
			}
			out, err := s.openOutput(c)
			if err != nil {
				return err
			}
			defer out.Close()
			return s.runFetch(c.Context, a, o, out)
		},
	}
}

func (s *streams) fetchOptions(c *cli.Context, folderArgs []string) (fetch.Options, error) {
	var o fetch.Options
	selector, err := selectionFlags{}.selector(c, folderArgs...)
	if err != nil {
		return o, err
	}
	o.Folders = folders.Options{Selector: selector}
	o.Full = c.Bool("full")
	o.Headers = c.Bool("headers")
	o.Connections = c.Int("connections")
	o.Format = c.String("format")
	switch o.Format {
	case fetch.FormatJSONL:
	case fetch.FormatMbox:
		o.Full = true
	default:
		return o, usagef(c, "--format %q: want jsonl or mbox", o.Format)
	}
	if o.Ident, err = (identityFlags{}).options(c); err != nil {
		return o, err
	}
	if o.Filter, err = (jqFlag{}).filter(c); err != nil {
		return o, err
	}
	if o.Criteria, err = (messageFlags{}).criteria(c, time.Now()); err != nil {
		return o, err
	}
	if c.String("plan") != "" && (o.Criteria != nil || len(folderArgs) > 0) {
		return o, usagef(c, "--plan chooses the messages: it does not combine with folders or message selection")
	}
	o.Log = s.stderr
	return o, nil
}

// runFetch fetches into out; a file of -o is put in place only when
// every message was fetched.
func (s *streams) runFetch(ctx context.Context, a *session.Account, o fetch.Options, out *output) error {
	start := time.Now()
	sum, err := fetch.Run(ctx, dialer(a, 0), o, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stderr, "imapx: fetched %d messages (%s) from %d folders in %s, %d errors\n",
		sum.Messages, table.Bytes(sum.Bytes), sum.Folders, time.Since(start).Round(time.Millisecond), sum.Errors)
	if err := sum.Err("messages or folders"); err != nil {
		if out.file != nil {
			// Never replace a good backup with an incomplete one: keep
			// what was fetched beside it.
			partial := out.path + ".partial"
			if cerr := out.file.CommitTo(partial); cerr != nil {
				return cerr
			}
			return exitcode.WithHint(exitcode.Of(err), err, out.path+" was left as it was; what could be fetched is in "+partial)
		}
		return err
	}
	return out.Commit()
}

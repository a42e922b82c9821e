package command

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/fetch"
	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/jq"
	"github.com/imapx/imapx/internal/outfile"
	"github.com/imapx/imapx/internal/searchkeys"
	"github.com/imapx/imapx/internal/selection"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/table"
)

func useheaderFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "useheader", Category: "Identity",
		Usage: "identify messages by header `NAME` (repeatable; default Message-Id and Received; ALL = whole header)"}
}

func identityOptions(c *cli.Context) (identity.Options, error) {
	o := identity.Options{Headers: c.StringSlice("useheader")}
	if err := o.Validate(); err != nil {
		return o, usagef(c, "--useheader: %v", err)
	}
	return o, nil
}

func jqFlag() cli.Flag {
	return &cli.StringFlag{Name: "jq", Usage: "apply jq `EXPR` to every record: select(…) filters, other expressions transform"}
}

func compileJQ(c *cli.Context) (*jq.Filter, error) {
	if expr := c.String("jq"); expr != "" {
		return jq.Compile(expr)
	}
	return nil, nil
}

func (s *streams) fetchCommand() *cli.Command {
	return &cli.Command{
		Name:      "fetch",
		Usage:     "read messages: an inventory, or full raw messages (JSON lines or mbox)",
		ArgsUsage: "ACCOUNT [FOLDER...]",
		Description: `Writes one "message" record per message: folder, uidvalidity, uid, flags (keywords
included, never \Recent), internaldate, size, message_id, ident. With --full the raw
message too (base64 "raw"); with --format mbox an mbox backup. Folders named after the
account are fetched (like --folder); with none, every selectable folder.

Messages are read with pipelined UID FETCH commands and streamed, never collected: memory
stays bounded whatever the size of a folder or a message. A dropped connection is
re-dialed and the fetch resumes where it stopped.

EXAMPLES:
   imapx fetch imaps://alice@mail.example.org > inventory.jsonl
   imapx fetch --full --format mbox -o backup.mbox imaps://alice@mail.example.org INBOX
   imapx fetch --maxage 30 --jq 'select(.size > 1000000) | {folder, uid, size}' imaps://alice@host
   imapx fetch --plan plan.jsonl --full imaps://alice@old | imapx push imaps://alice@new`,
		Flags: append(append([]cli.Flag{
			&cli.BoolFlag{Name: "full", Usage: "include the raw message (base64 \"raw\" field)"},
			&cli.BoolFlag{Name: "headers", Value: true, Usage: "include the fetched identity header lines in inventory records (\"headers\", \"header_fields\"; --headers=false omits them)"},
			&cli.StringFlag{Name: "format", Value: "jsonl", Usage: "output `FORMAT`: jsonl or mbox (mbox implies --full)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (atomically: an old file is replaced only on success)"},
			&cli.StringFlag{Name: "plan", Usage: "fetch only the messages of the copy ops in plan `FILE` (from imapx diff; - for stdin)"},
			fetchConnectionsFlag(),
			useheaderFlag(),
			jqFlag(),
			noEndFlag(),
			&cli.StringFlag{Name: "search", Category: "Messages", Usage: "only messages matching IMAP search `KEYS` (e.g. 'UNSEEN SINCE 1-Jan-2024')"},
			&cli.IntFlag{Name: "maxage", Category: "Messages", Usage: "only messages younger than `DAYS` (internal date)"},
			&cli.IntFlag{Name: "minage", Category: "Messages", Usage: "only messages older than `DAYS` (internal date)"},
			&cli.Int64Flag{Name: "maxsize", Category: "Messages", Usage: "only messages smaller than `BYTES`"},
			&cli.Int64Flag{Name: "minsize", Category: "Messages", Usage: "only messages larger than `BYTES`"},
			&cli.StringFlag{Name: "uid", Category: "Messages", Usage: "only messages whose UID is in `RANGE` (e.g. 1:500,900:*)"},
		}, selectionFlags()...), accountFlags()...),
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
				o.Plan, o.PlanName, o.NoEnd = in, inputName(path), s.noEnd(c)
			}
			a, err := s.account(c, args[0])
			if err != nil {
				return err
			}
			return s.runFetch(c.Context, a, o, c.String("output"))
		},
	}
}

func (s *streams) fetchOptions(c *cli.Context, folderArgs []string) (fetch.Options, error) {
	var o fetch.Options
	sel := selectionOptions(c)
	sel.Folders = append(sel.Folders, folderArgs...)
	selector, err := selection.New(sel)
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
	if o.Ident, err = identityOptions(c); err != nil {
		return o, err
	}
	if o.Filter, err = compileJQ(c); err != nil {
		return o, err
	}
	if o.Criteria, err = criteria(c, time.Now()); err != nil {
		return o, err
	}
	if c.String("plan") != "" && (o.Criteria != nil || len(folderArgs) > 0) {
		return o, usagef(c, "--plan chooses the messages: it does not combine with folders or message selection")
	}
	o.Log = s.stderr
	return o, nil
}

// criteria turns imapsync's message selection options into one search.
func criteria(c *cli.Context, now time.Time) (*imap.SearchCriteria, error) {
	var all *imap.SearchCriteria
	and := func(cr *imap.SearchCriteria) {
		if all == nil {
			all = &imap.SearchCriteria{}
		}
		searchkeys.And(all, cr)
	}
	if keys := c.String("search"); keys != "" {
		cr, err := searchkeys.Parse(keys)
		if err != nil {
			return nil, usagef(c, "--search: %v", err)
		}
		and(cr)
	}
	if r := c.String("uid"); r != "" {
		cr, err := searchkeys.Parse("UID " + r)
		if err != nil {
			return nil, usagef(c, "--uid %q: not a UID range (e.g. 1:500,900:*)", r)
		}
		and(cr)
	}
	day := 24 * time.Hour
	if d := c.Int("maxage"); d > 0 {
		and(&imap.SearchCriteria{Since: now.Add(-time.Duration(d) * day)})
	}
	if d := c.Int("minage"); d > 0 {
		and(&imap.SearchCriteria{Before: now.Add(-time.Duration(d) * day)})
	}
	if n := c.Int64("maxsize"); n > 0 {
		and(&imap.SearchCriteria{Smaller: n})
	}
	if n := c.Int64("minsize"); n > 0 {
		and(&imap.SearchCriteria{Larger: n})
	}
	return all, nil
}

func (s *streams) runFetch(ctx context.Context, a *session.Account, o fetch.Options, output string) error {
	dial := dialer(a, 0)
	var out io.Writer = s.stdout
	var file *outfile.File
	if output != "" && output != "-" {
		f, err := outfile.Create(output)
		if err != nil {
			return exitcode.New(exitcode.NoInput, fmt.Errorf("-o %s: %w", output, err))
		}
		defer f.Abort()
		out, file = f, f
	}
	start := time.Now()
	sum, err := fetch.Run(ctx, dial, o, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stderr, "imapx: fetched %d messages (%s) from %d folders in %s, %d errors\n",
		sum.Messages, table.Bytes(sum.Bytes), sum.Folders, time.Since(start).Round(time.Millisecond), sum.Errors)
	if sum.Errors > 0 {
		err := fmt.Errorf("%d messages or folders failed; first: %w", sum.Errors, sum.FirstError)
		if file != nil {
			// Never replace a good backup with an incomplete one: keep
			// what was fetched beside it.
			partial := output + ".partial"
			if cerr := file.CommitTo(partial); cerr != nil {
				return cerr
			}
			return exitcode.WithHint(exitcode.Of(sum.FirstError), err, output+" was left as it was; what could be fetched is in "+partial)
		}
		return exitcode.New(exitcode.Of(sum.FirstError), err)
	}
	if file != nil {
		return file.Commit()
	}
	return nil
}

// openInput opens a named input ("-" is stdin).
func (s *streams) openInput(path string) (io.Reader, func(), error) {
	if path == "-" {
		return s.stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, exitcode.New(exitcode.NoInput, err)
	}
	// A directory opens, then fails at the first read as an internal
	// error: say what it is, as bad input (66).
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, nil, exitcode.Newf(exitcode.NoInput, "%s: is a directory, not a file of JSON lines or mbox", path)
	}
	return f, func() { f.Close() }, nil
}

func inputName(path string) string {
	if path == "-" {
		return "<stdin>"
	}
	return path
}

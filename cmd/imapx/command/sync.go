package command

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/pipeline"
	"github.com/imapx/imapx/rewrite"
)

// sync's two accounts: imapsync's --host1… and --host2… options.
var host1, host2 = accountFlags{"1"}, accountFlags{"2"}

func (s *streams) syncCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.BoolFlag{Name: "dry", Aliases: []string{"dry-run"}, Usage: "plan and report, change nothing"},
		&cli.BoolFlag{Name: "justlogin", Usage: "log in to both accounts and stop"},
		&cli.BoolFlag{Name: "justfolders", Usage: "create (and with --delete2folders delete) folders only"},
		&cli.BoolFlag{Name: "justfoldersizes", Usage: "print both accounts' folder sizes and stop"},
		&cli.BoolFlag{Name: "delete1", Usage: "delete (mark \\Deleted and expunge) source messages once their copy is confirmed"},
		&cli.BoolFlag{Name: "expunge1", Usage: "expunge the source folders' messages flagged \\Deleted before reading them (--delete1 alone expunges the messages it deletes)"},
		&cli.BoolFlag{Name: "noexpunge1", Usage: "with --delete1, leave the source messages marked \\Deleted, not expunged"},
		&cli.BoolFlag{Name: "syncinternaldates", Value: true, Usage: "keep internal dates (always on; accepted for imapsync command lines)"},
		&cli.BoolFlag{Name: "syncduplicates", Usage: "copy duplicates as often as the source has them (the default; see --skip-duplicates)"},
		&cli.IntFlag{Name: "errorsmax", Usage: "stop after `N` errors (exit 112)"},
		&cli.StringFlag{Name: "report", Usage: "write the run summary as JSON to `FILE`"},
		&cli.StringFlag{Name: "verify", Value: "header", Usage: "what the verify compares of the messages written: `MODE` header (sizes and a digest of the header section), full (also the whole text), sizes"},
		&cli.BoolFlag{Name: "insecure", Usage: "do not verify TLS certificates (both hosts)"},
		&cli.StringFlag{Name: "ca-file", Usage: "trust the CA certificates in `FILE` (both hosts)"},
		&cli.DurationFlag{Name: "timeout", Value: session.DefaultTimeout, Usage: "connect and login timeout"},
	}
	flags = joinFlags(flags, identityFlags{}.flags(), throttleFlags{}.flags(), progressFlag{}.flags(), diffFlags{}.flags(),
		stateFlags{}.flags(), lockFlags{}.flags(), logFlags{}.flags(), []cli.Flag{connectionsFlag()}, selectionFlags{}.flags(), syncSelectFlags{}.flags(), deleteFlags{}.flags(),
		rewriteFlags{}.flags(), host1.flags(), host2.flags(), providerFlags(), accountsFlags{}.flags(), imapsyncFlags())
	return &cli.Command{
		Name:      "sync",
		Usage:     "sync SRC to DST in one process (imapsync-compatible options)",
		ArgsUsage: "[SRC DST]",
		Description: `Runs fetch (both inventories) → diff → fetch --plan --full → push → flags in one process,
then re-reads the destination folders it changed and prints imapsync's verdict: "The sync
looks good, all N identified messages in host1 are on host2." only when that re-read proves it:
sizes and a digest of the header section of every message written (--verify full: the whole
text too); a copy host2 altered is reported as altered, an error unless only its line ends changed.
Folders whose STATUS is as when last found in sync are not read (--statedir; --nostate).
One run at a time per account pair: a second one exits 8 naming the PID of the first
(--pidfile, --pidfilelocking).
A re-run copies nothing; a run killed at any moment finishes on the next run without
duplicates. Accounts are two URLs, or imapsync's --host1/--user1/--passfile1… options
(passwords also from IMAPX_PASSWORD1/2 or IMAPSYNC_PASSWORD1/2).

EXAMPLES:
   imapx sync --passfile1 p1 --passfile2 p2 imaps://alice@old.example imaps://alice@new.example
   imapx sync --host1 old.example --user1 alice --passfile1 p1 \
              --host2 new.example --user2 alice --passfile2 p2 --delete2 --report run.json
   imapx sync --dry --justfolders imaps://a@old imaps://a@new
   imapx sync --maxbytespersecond 200000 --exitwhenover 450000000 --progress json imaps://a@old imaps://a@new`,
		Flags: flags,
		Action: func(c *cli.Context) error {
			if err := applyPresets(c, s.stderr); err != nil {
				return usagef(c, "%v", err)
			}
			noteMoot(c, s.stderr)
			if c.Bool("version") {
				fmt.Fprintln(s.stdout, version)
				return nil
			}
			args, err := positional(c, 0, 2, "SRC and DST")
			if err != nil {
				return err
			}
			if file := c.String("accounts"); file != "" {
				pairs, err := readAccounts(file)
				if err != nil {
					return err
				}
				if c.Bool("list-accounts") {
					s.listAccounts(pairs)
					return nil
				}
				if len(args) > 0 {
					return usagef(c, "--accounts gives both accounts: no SRC DST arguments")
				}
				if !c.IsSet("account") {
					return usagef(c, "--accounts needs --account N, the line of the pair to sync (--list-accounts lists them)")
				}
				if err := s.applyAccount(c, pairs, c.Int("account")); err != nil {
					return err
				}
			} else if c.IsSet("account") || c.Bool("list-accounts") {
				return usagef(c, "--account and --list-accounts need --accounts FILE")
			}
			if len(args) == 1 {
				return usagef(c, "give both SRC and DST URLs, or neither (with --host1/--host2)")
			}
			src, dst := "", ""
			if len(args) == 2 {
				src, dst = args[0], args[1]
			}
			a1, err := host1.account(s, c, src)
			if err != nil {
				return err
			}
			a2, err := host2.account(s, c, dst)
			if err != nil {
				return err
			}
			if done, err := s.imapsyncMode(c, a1, a2); done {
				return err
			}
			return s.logged(c, a1, a2, func(s *streams) error { return s.runSync(c, a1, a2) })
		},
	}
}

func (s *streams) runSync(c *cli.Context, a1, a2 *session.Account) error {
	ctx := c.Context
	t, err := throttleFlags{}.throttle(c)
	if err != nil {
		return err
	}
	disp, err := progressFlag{}.display(s, c)
	if err != nil {
		return err
	}
	defer disp.Close()
	if c.Bool("justfoldersizes") {
		return s.justFolderSizes(c, a1, a2)
	}
	if c.Bool("justlogin") {
		if err := loginCheck(ctx, a1, 1); err != nil {
			return err
		}
		if err := loginCheck(ctx, a2, 2); err != nil {
			return err
		}
		fmt.Fprintf(s.stderr, "imapx: host1 %s and host2 %s: logged in\n", a1, a2)
		return nil
	}
	// A full sync logs in to both at once before reading anything, so a
	// wrong password still fails fast, without a round of extra logins.
	ident, err := identityFlags{}.options(c)
	if err != nil {
		return err
	}
	d, err := diffFlags{}.options(c)
	if err != nil {
		return err
	}
	sel1, sel2, err := syncSelectFlags{}.selections(c, time.Now())
	if err != nil {
		return err
	}
	o := pipeline.Options{
		Select1:     sel1,
		Select2:     sel2,
		Selection:   selectionFlags{}.options(c),
		Ident:       ident,
		Diff:        d,
		DryRun:      c.Bool("dry"),
		DryList:     s.stdout,
		JustFolders: c.Bool("justfolders"),
		Delete1:     c.Bool("delete1"),
		Expunge1:    c.Bool("delete1") && !c.Bool("noexpunge1"),
		// --expunge1 given: also expunge what was already \Deleted at the
		// source, before reading it, as imapsync does.
		ExpungeSource: c.Bool("expunge1") && !c.Bool("noexpunge1"),
		ErrorsMax:     c.Int("errorsmax"),
		Log:           s.logTee(disp),
		MessageLog:    s.messageLog(),
		Throttle:      t,
		Progress:      disp,
	}
	deleteFlags{}.apply(c, &o)
	o.ACL = aclOptions(c, a1, a2)
	if err := providerOptions(c, &o); err != nil {
		return err
	}
	o.StateDir, o.StateKey = stateFlags{}.options(c, a1, a2)
	ro, err := rewriteFlags{}.options(c)
	if err != nil {
		return err
	}
	if ro.Active() {
		ro.Ident = ident
		if o.Rewrite, err = rewrite.New(ro); err != nil {
			return err
		}
	}
	// The links are read by every run (a run without rewriting still
	// matches the copies an earlier one rewrote).
	o.LinksPath = pairPath(c, a1, a2, ".links")
	o.UseUID = c.Bool("useuid")
	slots, err := accountsFlags{}.takeSlots(s, c, a1, a2)
	if err != nil {
		return err
	}
	defer slots.Release()
	if !o.DryRun {
		// One run per account pair: two at once would both copy everything.
		lock, err := lockFlags{}.take(c, a1, a2)
		if err != nil {
			return err
		}
		defer lock.Release()
		if lock != nil {
			o.JournalPath = pairPath(c, a1, a2, ".journal")
		}
	}
	o.Connections = c.Int("connections")
	switch c.String("verify") {
	case "header":
		o.Verify = pipeline.VerifyHeader
	case "full":
		o.Verify = pipeline.VerifyFull
	case "sizes":
		o.Verify = pipeline.VerifySizes
	default:
		return usagef(c, "--verify takes header, full or sizes, not %q", c.String("verify"))
	}
	rep, err := pipeline.Sync(ctx, dialer(a1, host1.host()), dialer(a2, host2.host()), o)
	rep.Source, rep.Destination = a1.String(), a2.String()
	s.runErrors = rep.Errors
	pipeline.PrintStats(o.Log, rep)
	if path := c.String("report"); path != "" {
		if werr := writeJSON(path, rep); werr != nil && err == nil {
			err = werr
		}
	}
	if ctx.Err() != nil {
		// Interrupted (SIGINT/SIGTERM): whatever error the cancellation
		// caused on the way (a closed connection…) is not the story.
		fmt.Fprintf(s.logTee(s.stderr), "imapx: interrupted: copied %d messages; run the same command again to continue\n", rep.Copied)
		return &silentError{code: exitcode.Interrupted}
	}
	if err != nil {
		return err
	}
	if rep.ExitCode != exitcode.OK {
		return exitcode.Newf(rep.ExitCode, "sync finished with %d errors (exit %s); first: %s", rep.Errors, strconv.Itoa(rep.ExitCode), rep.FirstError)
	}
	return nil
}

func loginCheck(ctx context.Context, a *session.Account, host int) error {
	conn, err := dial(ctx, a, host)
	if err != nil {
		return err
	}
	logout(conn)
	return nil
}

package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/runlog"
	"github.com/imapx/imapx/internal/session"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// streams are the process's three streams and environment, injected so that
// tests run the whole CLI in-process.
type streams struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// runLog is sync's log file (nil: none), runErrors its error count.
	runLog    *runlog.File
	runErrors int
	alerts    *session.Alerts // the servers' [ALERT]s, for every account
}

// exitCodesHelp is appended to every command's help.
const exitCodesHelp = `EXIT CODES (imapsync's table):
   0 ok · 1 differences found (diff --exit-code) · 8 another sync holds the account pair's lock
   10 connection failure (101 host1, 102 host2) · 12 TLS failure · 16 authentication failure (161 host1, 162 host2) · 64 usage error
   66 cannot open or parse input · 70 internal error · 111 finished with errors
   112 --errorsmax reached · 113 over quota · 114 append · 115 fetch · 116 create · 117 select
   118 --exitwhenover reached · 130 interrupted (SIGINT) · 143 terminated (SIGTERM)`

// Main runs imapx with args (args[0] is the program name) and returns the
// exit code. It never calls os.Exit.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := &streams{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, alerts: session.NewAlerts(stderr)}
	return s.run(ctx, args)
}

func (s *streams) run(ctx context.Context, args []string) int {
	app := s.app()
	notFound := false
	app.CommandNotFound = func(c *cli.Context, name string) {
		notFound = true
		fmt.Fprintf(s.stderr, "imapx: error: unknown command %q\nimapx: hint: run 'imapx --help' for the list of commands\n", name)
	}
	err := app.RunContext(ctx, interleave(app, args))
	s.alerts.Close()
	if notFound {
		return exitcode.Usage
	}
	if err == nil {
		return exitcode.OK
	}
	return s.report(err)
}

// report prints err as `imapx: error: …` (and a hint) and returns its code.
func (s *streams) report(err error) int {
	var silent *silentError
	if errors.As(err, &silent) {
		return silent.code
	}
	code := exitcode.Of(err)
	if code == exitcode.Interrupted {
		fmt.Fprintln(s.stderr, "imapx: error: interrupted")
		return code
	}
	fmt.Fprintf(s.stderr, "imapx: error: %s\n", oneLine(err.Error()))
	if hint := exitcode.HintOf(err); hint != "" {
		fmt.Fprintf(s.stderr, "imapx: hint: %s\n", hint)
	}
	return code
}

// silentError carries an exit code for a failure that was already reported.
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

func (s *streams) app() *cli.App {
	app := &cli.App{
		Name:    "imapx",
		Usage:   "migrate, back up and audit IMAP mailboxes, one composable stage at a time",
		Version: version,
		Description: `Each stage reads and writes JSON lines (or mbox), so a sync is a pipeline:

   imapx fetch SRC > src.jsonl; imapx fetch DST > dst.jsonl
   imapx diff src.jsonl dst.jsonl > plan.jsonl          # an audit: nothing is copied
   imapx fetch SRC --plan plan.jsonl --full | imapx push DST

Accounts are URLs: imaps://user@host[:port] (TLS), imap://user@host[:port] (STARTTLS),
imap://user@host[:port]?tls=none (no encryption). Percent-encode '@' in user names (%40).
Passwords: --passfile FILE, IMAPX_PASSWORD, a prompt on a terminal, or --password.

Every JSON-lines stream ends with {"type":"end",…}, written only by a stage that wrote all
it was asked to: a stage whose input ends without it exits 66 ("input ended before its end
record"), so a pipeline cut short never looks done. A jq filter between stages must keep it
(jq -c 'select(.type=="end" or …)'); --no-end accepts input written by hand.

` + exitCodesHelp,
		Reader:                    s.stdin,
		Writer:                    s.stdout,
		ErrWriter:                 s.stderr,
		HideHelpCommand:           true,
		DisableSliceFlagSeparator: true,
		Suggest:                   true,
		// urfave must never exit the process: Main returns the code.
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{
			s.listCommand(),
			s.fetchCommand(),
			s.identCommand(),
			s.diffCommand(),
			s.rewriteCommand(),
			s.pushCommand(),
			s.flagsCommand(),
			s.formatCommand(),
			s.syncCommand(),
			s.demoCommand(),
			s.completionCommand(),
			s.manCommand(),
		},
	}
	app.OnUsageError = s.usageError
	for _, cmd := range app.Commands {
		if tmpdirCommands[cmd.Name] {
			withTmpdir(cmd)
		}
		cmd.OnUsageError = s.usageError
		cmd.CustomHelpTemplate = cli.CommandHelpTemplate + "\n" + exitCodesHelp + "\n"
	}
	return app
}

// usageError turns urfave's flag errors into exit 64 with a hint.
func (s *streams) usageError(c *cli.Context, err error, _ bool) error {
	name := "imapx"
	if c.Command != nil && c.Command.Name != "" && c.Command.Name != c.App.Name {
		name = "imapx " + c.Command.Name
	}
	if msg, hint, ok := unknownOption(c, err); ok {
		return exitcode.WithHint(exitcode.Usage, errors.New(msg), hint+"run '"+name+" --help' for the options")
	}
	return exitcode.WithHint(exitcode.Usage, err, "run '"+name+" --help' for usage")
}

// usagef is a usage error for a command.
func usagef(c *cli.Context, format string, args ...any) error {
	return exitcode.WithHint(exitcode.Usage, fmt.Errorf(format, args...),
		"run 'imapx "+c.Command.Name+" --help' for usage")
}

// positional returns the command's arguments (its flags, wherever they
// were written, were taken out by interleave).
func positional(c *cli.Context, min, max int, what string) ([]string, error) {
	args := c.Args().Slice()
	if len(args) < min {
		return nil, usagef(c, "missing %s", what)
	}
	if max >= 0 && len(args) > max {
		return nil, usagef(c, "too many arguments: %s", strings.Join(args[max:], " "))
	}
	return args, nil
}

// joinFlags lists a command's own flags then its flag groups', in order
// (the order of --help).
func joinFlags(lists ...[]cli.Flag) []cli.Flag {
	var all []cli.Flag
	for _, l := range lists {
		all = append(all, l...)
	}
	return all
}

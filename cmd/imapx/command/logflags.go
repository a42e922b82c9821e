package command

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/runlog"
	"github.com/imapx/imapx/internal/session"
)

// logFlags: sync's log file, as imapsync's (--logdir, --logfile, --nolog).
// The single stages keep none: they are a pipeline's parts, whose stderr
// is the caller's to keep.
type logFlags struct{}

func (logFlags) flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "logdir", Usage: "put the run's log file in `DIR` (default " + runlog.DefaultDir + ", in the current directory)"},
		&cli.StringFlag{Name: "logfile", Usage: "write the run's log to `FILE` (under --logdir when given; default DATE_user1_user2.txt)"},
		&cli.BoolFlag{Name: "nolog", Usage: "write no log file"},
	}
}

// open creates the run's log file, nil with --nolog.
func (logFlags) open(c *cli.Context, a1, a2 *session.Account, start time.Time) (*runlog.File, error) {
	if c.Bool("nolog") {
		return nil, nil
	}
	path := runlog.Path(c.String("logdir"), c.String("logfile"), start, a1.User, a2.User)
	f, err := runlog.Create(path)
	if err != nil {
		return nil, exitcode.WithHint(exitcode.Usage, fmt.Errorf("log file: %w", err),
			"choose another place with --logdir DIR or --logfile FILE, or write none with --nolog")
	}
	f.Mask(a1.Password, a2.Password)
	return f, nil
}

// logged runs a sync with its log file: what sync prints on stderr goes
// to the file too, and the run ends with imapsync's last lines, "Exiting
// with return value N (meaning)" and where the log is.
func (s *streams) logged(c *cli.Context, a1, a2 *session.Account, run func(*streams) error) error {
	lf, err := logFlags{}.open(c, a1, a2, time.Now())
	if err != nil {
		return err
	}
	if lf != nil {
		// Said first too, as imapsync does: a run that hangs has its log.
		fmt.Fprintf(runlog.Tee(s.stderr, lf), "%s\n", logFileLine(lf))
	}
	ls := *s
	ls.runLog = lf
	err = run(&ls)
	// The error line, then the last lines, in the log too.
	rs := *s
	rs.stderr = runlog.Tee(s.stderr, lf)
	code := exitcode.OK
	if err != nil {
		code = rs.report(err)
	}
	if cause, ok := context.Cause(c.Context).(interrupted); ok && code != exitcode.OK {
		code = signalCode(cause.sig) // 143 for SIGTERM, as the process exits
	}
	max := "none"
	if n := c.Int("errorsmax"); n > 0 {
		max = fmt.Sprint(n)
	}
	fmt.Fprintf(rs.stderr, "Exiting with return value %d (%s) %d/%s nb_errors/max_errors PID %d\n",
		code, exitcode.Meaning(code), ls.runErrors, max, os.Getpid())
	if lf != nil {
		fmt.Fprintln(rs.stderr, logFileLine(lf))
		lf.Close()
	} else {
		fmt.Fprintln(rs.stderr, "No log file because of option --nolog")
	}
	if code == exitcode.OK {
		return nil
	}
	return &silentError{code: code}
}

// logTee is w, and the run's log file when there is one.
func (s *streams) logTee(w io.Writer) io.Writer { return runlog.Tee(w, s.runLog) }

// messageLog is where the per-message lines go: the log file only.
func (s *streams) messageLog() io.Writer {
	if s.runLog == nil {
		return nil
	}
	return s.runLog
}

// logFileLine is imapsync's line naming the log file.
func logFileLine(lf *runlog.File) string {
	return "Log file is " + lf.Path() + " ( to change it, use --logfile filepath ; or use --nolog to turn off logging )"
}

package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/session"
)

// job is what to fetch from one folder.
type job struct {
	folder string
	// uids, when set, are exactly the messages wanted (a plan); otherwise
	// the folder is searched with Options.Criteria.
	uids []imap.UID
	// validity, when set, must still be the folder's UIDVALIDITY.
	validity uint32
	// dst maps a UID to its destination folder (a plan), and idents to
	// the identity the plan was made with: a UID's message never changes
	// under one UIDVALIDITY, so it need not be computed again.
	dst    map[imap.UID]string
	idents map[imap.UID]string
	// weight orders parallel work: biggest folders first.
	weight int
}

// fetcher holds the one connection a fetch works on and re-dials it.
type fetcher struct {
	o    *Options
	dial session.Dialer
	conn *imapclient.Client
	sink Sink
	sum  *Summary
}

// Run fetches the selected folders (or the plan's messages) to out, as
// JSON lines or mbox (Options.Format).
func Run(ctx context.Context, dial session.Dialer, o Options, out io.Writer) (Summary, error) {
	o.defaults()
	s, err := newSink(&o, out)
	if err != nil {
		return Summary{}, err
	}
	sum, err := RunTo(ctx, dial, o, s)
	// A fetch that missed messages wrote an incomplete stream: without
	// its end record, the stage reading it fails too.
	closeOut := s.close
	if err == nil && sum.Errors == 0 {
		closeOut = s.end
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	return sum, err
}

// RunTo fetches to a Sink: `imapx sync` hands records to push this way,
// without encoding them.
func RunTo(ctx context.Context, dial session.Dialer, o Options, s Sink) (Summary, error) {
	o.defaults()
	var sum Summary
	f := &fetcher{o: &o, dial: dial, sink: s, sum: &sum}
	err := f.run(ctx)
	f.endConn(err)
	return sum, err
}

func (f *fetcher) run(ctx context.Context) error {
	if f.o.Plan != nil {
		return f.runPlan(ctx)
	}
	jobs, err := f.folderJobs(ctx)
	if err != nil {
		return err
	}
	if f.o.Connections > 1 && len(jobs) > 1 {
		return f.runParallel(ctx, jobs)
	}
	for _, j := range jobs {
		f.sum.Folders++
		if err := f.runJob(ctx, j); err != nil {
			return err
		}
	}
	return nil
}

// runPlan fetches the messages of the plan's copy ops, a batch at a time.
func (f *fetcher) runPlan(ctx context.Context) error {
	p, err := f.readPlan()
	if err != nil {
		return err
	}
	defer p.close()
	f.sum.Folders = p.folders
	batch := planBatch * f.o.ChunkSize
	if f.o.Connections > 1 && p.folders > 1 {
		err = f.runPlanParallel(ctx, p, batch)
	} else {
		err = p.jobs(batch, func(j job) error { return f.runJob(ctx, j) })
	}
	if err == nil {
		err = p.err
	}
	return err
}

// runJob fetches one job; a folder's failure is counted, and only what
// stops the whole fetch is returned.
func (f *fetcher) runJob(ctx context.Context, j job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := f.folder(ctx, j); err != nil {
		if ctx.Err() != nil {
			// What the cancellation broke (a connection closed under a
			// command) is no error of its own.
			return ctx.Err()
		}
		if errors.Is(err, context.Canceled) || isFatal(err) {
			return err
		}
		f.fail(err)
	}
	return nil
}

func (f *fetcher) fail(err error) {
	f.sum.Add(err)
	fmt.Fprintf(f.o.Log, "imapx: error: %s\n", err)
	if f.o.OnError != nil {
		f.o.OnError(err)
	}
}

func (f *fetcher) folderJobs(ctx context.Context) ([]job, error) {
	fs := f.o.Listed
	if fs == nil {
		c, err := f.client(ctx)
		if err != nil {
			return nil, err
		}
		if fs, err = folders.List(ctx, c, f.o.Folders); err != nil {
			return nil, err
		}
	}
	// Folder records go first: diff needs empty folders, \Noselect
	// parents, delimiters and subscriptions, which messages do not tell.
	var jobs []job
	for i := range fs {
		b, err := record.Marshal(&fs[i])
		if err != nil {
			return nil, err
		}
		if err := f.sink.Passthrough(record.TypeFolder, b); err != nil {
			return nil, fatalError{err}
		}
		if folders.Selectable(&fs[i]) && !f.o.Skip[fs[i].Name] {
			j := job{folder: fs[i].Name}
			if fs[i].Messages != nil {
				j.weight = int(*fs[i].Messages)
			}
			jobs = append(jobs, j)
		}
	}
	return jobs, nil
}

func (f *fetcher) client(ctx context.Context) (*imapclient.Client, error) {
	if f.conn != nil {
		select {
		case <-f.conn.Closed():
			f.conn = nil
		default:
			return f.conn, nil
		}
	}
	c, err := f.dial(ctx)
	if err != nil {
		return nil, err
	}
	f.conn = c
	return c, nil
}

func (f *fetcher) closeConn() {
	if f.conn != nil {
		f.conn.Close()
		f.conn = nil
	}
}

// endConn gives the connection back (session.Release: to its pool, if
// any) after a fetch that went through, and closes it after a failure.
func (f *fetcher) endConn(err error) {
	if err != nil {
		f.closeConn()
		return
	}
	session.Release(f.conn)
	f.conn = nil
}

// folder fetches one job, re-dialing and resuming after a dropped
// connection: UIDs already written are never fetched again.
func (f *fetcher) folder(ctx context.Context, j job) error {
	st := &folderState{}
	r := session.Retry{Retries: f.o.Retries, Log: f.o.Log, Hangup: f.closeConn, Final: isFatal}
	err := r.Do(ctx, fmt.Sprintf("folder %q", j.folder), func() (bool, error) {
		before := st.done.len()
		err := f.tryFolder(ctx, j, st)
		return st.done.len() > before, err
	})
	var gaveUp *session.GaveUp
	if errors.As(err, &gaveUp) {
		// Reconnects that keep failing without progress are the host's
		// problem, not this folder's: the whole fetch stops, with the
		// connection's exit code.
		return fatalError{err}
	}
	return err
}

// fatalError stops the whole fetch (output can no longer be trusted).
type fatalError struct{ error }

func (e fatalError) Unwrap() error { return e.error }

func isFatal(err error) bool {
	var fe fatalError
	return errors.As(err, &fe)
}

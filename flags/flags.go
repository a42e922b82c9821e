// Package flags is the `imapx flags` stage: it carries out a plan's flags,
// delete and delete_folder ops on the destination (UID STORE, UID EXPUNGE),
// or, with Delete1, deletes source messages whose copy a push confirmed.
//
// Ops are grouped per folder; STOREs with the same change share one UID
// set, and all of a folder's commands are pipelined. Messages are expunged
// with UID EXPUNGE where the server has UIDPLUS; elsewhere other messages
// already marked \Deleted are unmarked around a plain EXPUNGE, so that only
// what imapx marked is removed.
package flags

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/mutate"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/session"
)

// Options for applying a plan.
type Options struct {
	DryRun bool
	// Delete1 reads push results and deletes the source messages of those
	// that were appended (imapsync's --delete1).
	Delete1 bool
	// Expunge removes messages marked \Deleted (always for delete ops;
	// with Delete1 only when set, like imapsync's --expunge1).
	Expunge bool
	// NoExpunge leaves deleted messages marked \Deleted (sync's
	// --noexpunge2); it wins over Expunge.
	NoExpunge bool
	Log       io.Writer
	// NoEnd accepts input without an end record, warning there.
	NoEnd io.Writer
}

// Summary counts what was done.
type Summary struct {
	FlagsChanged   int `json:"flags_changed"`
	Deleted        int `json:"deleted"`
	FoldersDeleted int `json:"folders_deleted"`
	// Tally counts the changes that failed ("errors"); it decides the
	// exit code.
	exitcode.Tally
}

// change is one op as applied to one message.
type change struct {
	op     string
	ref    record.Ref
	add    []string
	remove []string
	ident  string
}

// Run reads ops (or, with Delete1, push results) and applies them.
func Run(ctx context.Context, dial session.Dialer, o Options, in io.Reader, inName string, out io.Writer) (Summary, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	var sum Summary
	byFolder, order, folderDeletes, inErr := readChanges(in, inName, o.Delete1, o.NoEnd)
	if inErr != nil && !record.MissingEnd(inErr) {
		return sum, inErr
	}
	// An input cut short (its end record missing) still holds whole
	// records: they are carried out, then the run fails with exit 66.
	a := &applier{o: &o, dial: dial, gate: mutate.Gate{Dry: o.DryRun}, w: record.NewWriter(out), sum: &sum}
	defer a.w.Flush()
	err := a.run(ctx, byFolder, order, folderDeletes, inErr)
	a.endConn(err)
	return sum, err
}

func (a *applier) run(ctx context.Context, byFolder map[string][]change, order, folderDeletes []string, inErr error) error {
	if len(order) == 0 && len(folderDeletes) == 0 {
		return a.end(inErr)
	}
	// A server that cannot be reached at all fails the run at once; one
	// lost later is dialled again (retry).
	if err := a.client(ctx); err != nil {
		return err
	}
	for _, folder := range order {
		if err := a.retry(ctx, "folder "+folder, func() error { return a.folder(folder, byFolder[folder]) }); err != nil {
			var imapErr *imap.Error
			if ctx.Err() != nil || !errors.As(err, &imapErr) && exitcode.Of(err) != exitcode.Select {
				return err // cannot connect, or interrupted
			}
			a.failAll(byFolder[folder], err)
		}
	}
	for _, f := range folderDeletes {
		if err := a.retry(ctx, "deleting folder "+f, func() error { return a.deleteFolder(f) }); err != nil {
			return err
		}
	}
	return a.end(inErr)
}

// end finishes the result stream: with its end record when the input was
// whole, without one (so that a reader after this stage fails too) when
// it was not.
func (a *applier) end(inErr error) error {
	if inErr != nil {
		a.w.Flush()
		return inErr
	}
	return a.w.End("flags")
}

// retries bounds the reconnects for one folder.
const retries = 5

// retry runs step on a live connection, re-dialing after a dropped one
// as fetch and push do: a folder's STOREs and EXPUNGE are idempotent, so
// the folder is simply applied again.
func (a *applier) retry(ctx context.Context, what string, step func() error) error {
	r := session.Retry{Retries: retries, Log: a.o.Log, Hangup: a.closeConn}
	return r.Do(ctx, what, func() (bool, error) {
		if err := a.client(ctx); err != nil {
			return false, err
		}
		return false, step()
	})
}

// client makes sure a.c is a live connection, closed when ctx ends.
func (a *applier) client(ctx context.Context) error {
	if a.c != nil {
		select {
		case <-a.c.Closed():
			a.closeConn()
		default:
			return nil
		}
	}
	c, err := a.dial(ctx)
	if err != nil {
		return err
	}
	a.c, a.stop = c, context.AfterFunc(ctx, func() { c.Close() })
	return nil
}

func (a *applier) closeConn() {
	if a.c != nil {
		a.stop()
		a.c.Close()
		a.c = nil
	}
}

// endConn gives the connection back (session.Release: to its pool, if
// any) when the run went through, and closes it after a failure.
func (a *applier) endConn(err error) {
	if err != nil || a.c == nil {
		a.closeConn()
		return
	}
	a.stop()
	session.Release(a.c)
	a.c = nil
}

// readChanges reads the plan (or push results). An input without its end
// record returns what it held with the error.
func readChanges(in io.Reader, name string, delete1 bool, noEnd io.Writer) (map[string][]change, []string, []string, error) {
	byFolder := map[string][]change{}
	var order, folderDeletes []string
	add := func(ch change) {
		if _, ok := byFolder[ch.ref.Folder]; !ok {
			order = append(order, ch.ref.Folder)
		}
		byFolder[ch.ref.Folder] = append(byFolder[ch.ref.Folder], ch)
	}
	r := record.NewReader(in, name)
	r.NoEnd = noEnd
	for {
		l, err := r.Next()
		if err == io.EOF {
			break
		}
		if record.MissingEnd(err) {
			return byFolder, order, folderDeletes, err
		}
		if err != nil {
			return nil, nil, nil, err
		}
		l.Raw.Close()
		if delete1 {
			if l.Type != record.TypeResult {
				continue
			}
			var res record.Result
			if err := l.Decode(&res); err != nil {
				return nil, nil, nil, err
			}
			// Only a confirmed copy (the destination gave it a UID) lets
			// the source message go.
			if res.Op != "append" || !res.OK || res.DryRun || res.Error != "" || res.Src == nil || res.Dst == nil || res.Dst.UID == 0 {
				continue
			}
			add(change{op: record.OpDelete, ref: *res.Src, ident: res.Ident})
			continue
		}
		if l.Type != record.TypeOp {
			return nil, nil, nil, l.Errorf("a plan holds op records, not %q", l.Type)
		}
		var op record.Op
		if err := l.Decode(&op); err != nil {
			return nil, nil, nil, err
		}
		switch op.Op {
		case record.OpFlags, record.OpDelete:
			if op.Dst == nil || op.Dst.Folder == "" || op.Dst.UID == 0 {
				return nil, nil, nil, l.Errorf("%s op needs dst.folder and dst.uid", op.Op)
			}
			add(change{op: op.Op, ref: *op.Dst, add: op.FlagsAdd, remove: op.FlagsRemove, ident: op.Ident})
		case record.OpDeleteFolder:
			if op.Dst == nil || op.Dst.Folder == "" {
				return nil, nil, nil, l.Errorf("delete_folder op needs dst.folder")
			}
			folderDeletes = append(folderDeletes, op.Dst.Folder)
		case record.OpCopy, record.OpCreateFolder:
			// push's work
		default:
			return nil, nil, nil, l.Errorf("unknown op %q", op.Op)
		}
	}
	return byFolder, order, folderDeletes, nil
}

type applier struct {
	o    *Options
	dial session.Dialer
	// gate sends every change: none under --dry-run.
	gate mutate.Gate
	c    *imapclient.Client
	stop func() bool
	w    *record.Writer
	sum  *Summary
}

// folder applies one folder's changes. Its results are written only once
// it went through: after a lost connection nothing is written, and the folder is applied again on a new connection.
func (a *applier) folder(name string, changes []change) error {
	// A pooled connection that has the folder open read-write already is
	// only brought up to date.
	sel, err := session.Select(a.c, name, a.gate.DryRun())
	if err != nil {
		return exitcode.New(exitcode.Select, fmt.Errorf("SELECT %q: %w", name, err))
	}
	var results []func()
	var ok []change
	for _, ch := range changes {
		if err := session.CheckValidity(name, sel.UIDValidity, ch.ref.UIDValidity); err != nil {
			results = append(results, func() { a.fail(ch, err) })
			continue
		}
		ok = append(ok, ch)
	}
	write := func() {
		for _, r := range results {
			r()
		}
	}
	if a.gate.DryRun() {
		for _, ch := range ok {
			results = append(results, func() { a.done(ch, true) })
		}
		write()
		return nil
	}

	// Group STOREs that make the same change into one UID set each.
	type group struct {
		store   imap.StoreFlags
		uids    imap.UIDSet
		changes []change
	}
	groups := map[string]*group{}
	var keys []string
	put := func(op imap.StoreFlagsOp, flags []string, ch change) {
		if len(flags) == 0 {
			return
		}
		fl := make([]imap.Flag, len(flags))
		for i, f := range flags {
			fl[i] = imap.Flag(f)
		}
		key := fmt.Sprint(op, flags)
		g, found := groups[key]
		if !found {
			g = &group{store: imap.StoreFlags{Op: op, Silent: true, Flags: fl}}
			groups[key] = g
			keys = append(keys, key)
		}
		g.uids.AddNum(imap.UID(ch.ref.UID))
		g.changes = append(g.changes, ch)
	}
	var deletes imap.UIDSet
	var deleted []change
	for _, ch := range ok {
		switch ch.op {
		case record.OpFlags:
			put(imap.StoreFlagsAdd, record.CleanFlags(ch.add), ch)
			put(imap.StoreFlagsDel, record.CleanFlags(ch.remove), ch)
		case record.OpDelete:
			deletes.AddNum(imap.UID(ch.ref.UID))
			deleted = append(deleted, ch)
		}
	}
	cmds := make([]*imapclient.FetchCommand, len(keys))
	for i, k := range keys {
		if cmds[i], err = a.gate.Store(a.c, groups[k].uids, &groups[k].store); err != nil {
			return err
		}
	}
	// A refused STORE is reported once per folder and server text; one
	// that adds keywords is sent again with those the folder takes (its
	// SELECT answer, and the keywords the other STOREs stored), so the
	// system flags and accepted keywords still arrive.
	known := folderKeywords(sel)
	type refusedGroup struct {
		*group
		err error
	}
	var refusedGroups []refusedGroup
	var connErr error
	for i, k := range keys {
		err := cmds[i].Close()
		switch {
		case err != nil && session.IsConnError(err):
			connErr = err
		case err != nil:
			refusedGroups = append(refusedGroups, refusedGroup{groups[k], err})
		case groups[k].store.Op == imap.StoreFlagsAdd:
			for _, f := range groups[k].store.Flags {
				known[strings.ToLower(string(f))] = true
			}
		}
	}
	if connErr != nil {
		return connErr
	}
	refused := &refusals{folder: name}
	why := map[uint32]*refusal{}
	for _, g := range refusedGroups {
		var dropped []string
		if g.store.Op == imap.StoreFlagsAdd {
			var err error
			if dropped, err = a.storeAccepted(g.uids, g.store, known, g.err); err != nil {
				return err
			}
		}
		for _, ch := range g.changes {
			why[ch.ref.UID] = refused.add(g.err, ch.ref.UID, dropped)
		}
	}
	for _, key := range refused.order {
		a.count(refused.errFor(refused.byText[key]))
	}
	for _, ch := range ok {
		if ch.op != record.OpFlags {
			continue
		}
		if x := why[ch.ref.UID]; x != nil {
			err := refused.errFor(x)
			results = append(results, func() { a.failed(ch, err) })
			continue
		}
		results = append(results, func() { a.sum.FlagsChanged++; a.done(ch, false) })
	}
	if len(deleted) > 0 {
		if err := a.expunge(deletes); session.IsConnError(err) {
			return err
		} else if err != nil {
			err := exitcode.New(exitcode.WithErrors, fmt.Errorf("deleting in %q: %w", name, err))
			for _, ch := range deleted {
				results = append(results, func() { a.fail(ch, err) })
			}
		} else {
			for _, ch := range deleted {
				results = append(results, func() { a.sum.Deleted++; a.done(ch, false) })
			}
		}
	}
	write()
	return nil
}

// expunge marks uids \Deleted and removes exactly them.
func (a *applier) expunge(uids imap.UIDSet) error {
	mark := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if err := a.store(uids, mark); err != nil {
		return err
	}
	if a.o.Delete1 && !a.o.Expunge || a.o.NoExpunge {
		return nil // imapsync's --delete1 without --expunge1, --noexpunge2: only mark
	}
	if a.c.Caps().Has(imap.CapUIDPlus) || a.c.Caps().Has(imap.CapIMAP4rev2) {
		cmd, err := a.gate.UIDExpunge(a.c, uids)
		if err != nil {
			return err
		}
		return cmd.Close()
	}
	// No UID EXPUNGE: unmark the other \Deleted messages, EXPUNGE, and
	// mark them again, so that nobody else's deletions are made final.
	data, err := a.c.UIDSearch(&imap.SearchCriteria{Flag: []imap.Flag{imap.FlagDeleted}}, nil).Wait()
	if err != nil {
		return err
	}
	var others imap.UIDSet
	for _, u := range data.AllUIDs() {
		if !uids.Contains(u) {
			others.AddNum(u)
		}
	}
	unmark := &imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if len(others) > 0 {
		if err := a.store(others, unmark); err != nil {
			return err
		}
	}
	cmd, err := a.gate.Expunge(a.c)
	if err == nil {
		err = cmd.Close()
	}
	if len(others) > 0 {
		if rerr := a.store(others, mark); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// store sends one STORE and waits for its answer.
func (a *applier) store(uids imap.UIDSet, flags *imap.StoreFlags) error {
	cmd, err := a.gate.Store(a.c, uids, flags)
	if err != nil {
		return err
	}
	return cmd.Close()
}

func (a *applier) deleteFolder(name string) error {
	res := &record.Result{Type: record.TypeResult, Op: record.OpDeleteFolder, OK: true, Dst: &record.Ref{Folder: name}, DryRun: a.gate.DryRun()}
	if !a.gate.DryRun() {
		if err := session.Leave(a.c, name); session.IsConnError(err) {
			return err
		}
		if err := a.gate.Delete(a.c, name); session.IsConnError(err) {
			return err
		} else if err != nil {
			a.count(exitcode.New(exitcode.WithErrors, fmt.Errorf("DELETE %q: %w", name, err)))
			res.OK, res.Error, res.Code = false, err.Error(), exitcode.WithErrors
		} else {
			a.sum.FoldersDeleted++
		}
	}
	a.w.Write(res)
	return nil
}

func (a *applier) done(ch change, dry bool) {
	ref := ch.ref
	a.w.Write(&record.Result{Type: record.TypeResult, Op: ch.op, OK: true, DryRun: dry, Dst: &ref, Ident: ch.ident})
}

func (a *applier) fail(ch change, err error) {
	a.count(err)
	ref := ch.ref
	a.w.Write(&record.Result{Type: record.TypeResult, Op: ch.op, Dst: &ref, Ident: ch.ident, Error: err.Error(), Code: exitcode.Of(err)})
}

// storeAccepted makes a refused STORE that adds keywords again with what
// the folder takes: the keywords it holds (known) and the system flags,
// or the system flags alone. It returns the keywords left out, none if
// the refusal was not about keywords (then nothing was stored); the error
// is a lost connection's.
func (a *applier) storeAccepted(uids imap.UIDSet, store imap.StoreFlags, known map[string]bool, refusal error) ([]string, error) {
	keep, dropped := accepted(store.Flags, known)
	system, keywords := accepted(store.Flags, nil)
	if len(dropped) == 0 && aboutKeywords(refusal) {
		// The folder lists them all yet refuses (Cyrus at its limit after
		// a crash): its words say keywords, so none are sent.
		keep, dropped = system, keywords
	}
	if len(dropped) == 0 {
		return nil, nil
	}
	tries := [][]imap.Flag{keep, system}
	if len(keep) == len(system) {
		tries = tries[1:]
	}
	for _, flags := range tries {
		if len(flags) == 0 {
			// Nothing else to store: the change stays without the keywords.
			return keywordsOf(store.Flags, flags), nil
		}
		retry := store
		retry.Flags = flags
		err := a.store(uids, &retry)
		if err == nil {
			return keywordsOf(store.Flags, flags), nil
		}
		if session.IsConnError(err) {
			return nil, err
		}
	}
	return nil, nil
}

// failed writes ch's result with err, counted already (once for its
// folder).
func (a *applier) failed(ch change, err error) {
	ref := ch.ref
	a.w.Write(&record.Result{Type: record.TypeResult, Op: ch.op, Dst: &ref, Ident: ch.ident, Error: err.Error(), Code: exitcode.Of(err)})
}

func (a *applier) failAll(changes []change, err error) {
	for _, ch := range changes {
		a.fail(ch, err)
	}
}

func (a *applier) count(err error) {
	a.sum.Add(err)
	fmt.Fprintf(a.o.Log, "imapx: error: %v\n", err)
}

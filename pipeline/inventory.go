package pipeline

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/emersion/go-imap/v2/imapclient"
	"golang.org/x/sync/errgroup"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/fetch"
	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/selection"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/state"
)

// inventory is both sides' inventories of one pass, and what was listed.
type inventory struct {
	src, dst *tempFile
	// srcFolders and dstFolders are the listings (with STATUS) the pass
	// read from; mapping takes source names to destination names.
	srcList                []record.Folder
	srcFolders, dstFolders map[string]*record.Folder
	// sharedSrc: src belongs to another pass's inventory.
	sharedSrc bool
	mapping   map[string]string
	// read are the source folders whose messages were read (with their
	// destination folders); the others were only listed.
	read map[string]bool
	// skippedMessages and skippedDst count the messages of the folders
	// not read, from their STATUS.
	skippedMessages, skippedDst int
	// skippedBytes and skippedDstBytes are their bytes, as the state
	// recorded them.
	skippedBytes, skippedDstBytes int64
	// narrow is the run's narrowed pairs (narrow.go), or nil.
	narrow *narrowing
}

// withSkipped adds the pairs not read, known in sync, to a diff summary.
func (inv *inventory) withSkipped(sum diff.Summary) diff.Summary {
	sum.SrcMessages += inv.skippedMessages
	sum.DstMessages += inv.skippedDst
	sum.Same += inv.skippedMessages
	// Each pair was in sync: its destination holds its source's messages
	// and maybe more (never fewer), which are only there.
	sum.OnlyDst += max(0, inv.skippedDst-inv.skippedMessages)
	sum.Unchanged += inv.skippedMessages
	sum.SrcBytes += inv.skippedBytes
	sum.DstBytes += inv.skippedDstBytes
	sum.SameBytes += inv.skippedBytes
	return sum
}

func (inv *inventory) Close() {
	if !inv.sharedSrc {
		inv.src.Close()
	}
	inv.dst.Close()
}

// readBoth lists both sides at once, then reads both inventories at
// once, each on the connection that listed it: the first read of a run.
// The folder pairs st vouches are unchanged since they were last in sync
// are only listed.
func (s *syncer) readBoth(ctx context.Context, st *state.State) (*inventory, error) {
	var srcList, dstList []record.Folder
	var srcConn, dstConn *imapclient.Client
	g, gctx := errgroup.WithContext(ctx)
	// warmed is closed when the source's connection is free again: the
	// destination's read need not wait for warm.
	warmed := make(chan struct{})
	g.Go(func() error {
		sel, err := selection.New(s.o.Selection)
		if err != nil {
			close(warmed)
			return err
		}
		srcConn, srcList, err = list(gctx, s.src, folders.Options{Selector: sel}, 1)
		srcList = underSubfolder1(srcList, s.o.Diff.Mapping.Subfolder1)
		if err != nil {
			close(warmed)
			return err
		}
		go func(c *imapclient.Client, listed []record.Folder) {
			defer close(warmed)
			warm(c, listed, st)
		}(srcConn, srcList)
		return nil
	})
	g.Go(func() error {
		var err error
		dstConn, dstList, err = list(gctx, s.dst, folders.Options{}, 2)
		return err
	})
	if err := g.Wait(); err != nil {
		closeAll(srcConn, dstConn)
		return nil, err
	}
	inv, pick := s.newInventory(srcList, dstList, nil, nil, st)
	s.narrowable(inv, st)
	inv.narrow = s.narrow
	var err error
	if inv.src, err = newTemp("imapx-src-*.jsonl"); err != nil {
		closeAll(srcConn, dstConn)
		return nil, err
	}
	if inv.dst, err = newTemp("imapx-dst-*.jsonl"); err != nil {
		inv.src.Close()
		closeAll(srcConn, dstConn)
		return nil, err
	}
	g, gctx = errgroup.WithContext(ctx)
	g.Go(func() error {
		<-warmed
		n, err := s.readSide(gctx, srcConn, s.src, srcList, pick.srcSkip, nil, inv.src, 1)
		s.rep.SourceMessages = n + inv.skippedMessages
		if s.o.Select1.Active() {
			s.rep.NotSelected = notSelected(srcList, pick.srcSkip, n)
		}
		return err
	})
	g.Go(func() error {
		_, err := s.readSide(gctx, dstConn, s.dst, pick.dstListed, pick.dstSkip, nil, inv.dst, 2)
		return err
	})
	if err := g.Wait(); err != nil {
		inv.Close()
		return nil, err
	}
	return inv, nil
}

// rereadDst reads the destination again for the verify: only the pairs
// of the source folders in only, against the source as first read (its
// listing and inventory are first's, shared, not read again). known gives
// the identities of destination messages already known (knownIdents).
func (s *syncer) rereadDst(ctx context.Context, first *inventory, only map[string]bool, known *table) (*inventory, error) {
	dstConn, dstList, err := list(ctx, s.dst, folders.Options{}, 2)
	if err != nil {
		return nil, err
	}
	inv, pick := s.newInventory(first.srcList, dstList, first.mapping, only, nil)
	inv.src, inv.sharedSrc = first.src, true
	inv.narrow = s.narrow
	if inv.dst, err = newTemp("imapx-dst-*.jsonl"); err != nil {
		closeAll(dstConn)
		return nil, err
	}
	if _, err := s.readSide(ctx, dstConn, s.dst, pick.dstListed, pick.dstSkip, known, inv.dst, 2); err != nil {
		inv.Close()
		return nil, err
	}
	return inv, nil
}

// list dials one side and lists its folders; the connection is handed
// back open, for the read that follows.
// A listing cut short (a lost connection, a throttling server) is
// listed again on a new connection.
func list(ctx context.Context, dial session.Dialer, o folders.Options, host int) (*imapclient.Client, []record.Folder, error) {
	for attempt := 0; ; attempt++ {
		c, err := dial(ctx)
		if err != nil {
			return nil, nil, exitcode.ForHost(err, host)
		}
		fs, err := folders.List(ctx, c, o)
		if err == nil {
			return c, fs, nil
		}
		c.Close()
		if !session.IsConnError(err) || attempt >= listRetries || ctx.Err() != nil {
			return nil, nil, exitcode.ForHost(err, host)
		}
		if err := session.Sleep(ctx, session.ThrottleWait(attempt, err)); err != nil {
			return nil, nil, err
		}
	}
}

// listRetries bounds the listings tried again in a row.
const listRetries = 5

// readSide fetches one side's inventory of the listed folders, less skip,
// to out, starting on c (the connection that listed them); known, when
// set, gives identities not to read again. It returns the messages read.
func (s *syncer) readSide(ctx context.Context, c *imapclient.Client, dial session.Dialer, listed []record.Folder, skip map[string]bool, known *table, out io.Writer, host int) (int, error) {
	r := &reuser{c: c, dial: dial}
	defer r.close()
	sel := s.o.Select1
	if host == 2 {
		sel = s.o.Select2
	}
	o := fetch.Options{
		Listed: nonNil(listed), Skip: skip, Ident: s.o.Ident, Connections: s.o.Connections, Log: s.hostLog(host), OnError: s.countError, Progress: s.o.Progress,
		Criteria: sel.Criteria, Keep: sel.Keep, Earlier: s.earlierFor(host, listed),
		// host2's folders are selected read-write when the run writes
		// there next: push and flags then find them selected.
		ReadWrite: host == 2 && !s.o.DryRun,
	}
	o.Relabel = s.relabel(host)
	if known != nil {
		o.KnownIdent = func(folder string, validity, uid uint32) (string, bool) {
			return known.lookupString(msgKey{folder, validity, uid})
		}
	}
	sum, err := fetch.Run(ctx, r.Dial, o, out)
	if sum.Incremental > 0 {
		fmt.Fprintf(s.log, "imapx: host%d: %d folders read incrementally, only what changed since the last read (CONDSTORE)\n", host, sum.Incremental)
	}
	return sum.Messages, exitcode.ForHost(err, host)
}

// picked is what choose decided to read.
type picked struct {
	srcSkip, dstSkip map[string]bool
	// dstListed are the destination folders the read shows.
	dstListed []record.Folder
}

// newInventory maps the listings (with mapping, when given: the verify
// keeps the first read's, --automap would look at a destination the copy
// changed) and chooses what is read: the pairs in only (all when nil),
// less those st vouches for.
func (s *syncer) newInventory(srcList, dstList []record.Folder, mapping map[string]string, only map[string]bool, st *state.State) (*inventory, picked) {
	if mapping == nil {
		mapping = diff.MapFolders(srcList, dstList, s.o.Diff)
	}
	inv := &inventory{srcList: srcList, srcFolders: byName(srcList), dstFolders: byName(dstList), read: map[string]bool{},
		mapping: mapping}
	var p picked
	var dstShown map[string]bool
	p.srcSkip, p.dstSkip, dstShown = s.choose(inv, srcList, dstList, only, st)
	for _, f := range dstList {
		if dstShown[f.Name] {
			p.dstListed = append(p.dstListed, f)
		}
	}
	return inv, p
}

// choose decides which folders are read. A destination folder is read
// only when every source folder mapping to it is: a pair read on one side
// and not the other would look like missing (or extra) mail.
func (s *syncer) choose(inv *inventory, srcList, dstList []record.Folder, only map[string]bool, st *state.State) (srcSkip, dstSkip, dstShown map[string]bool) {
	needModSeq := !s.o.Diff.NoResyncFlags
	wanted := map[string]bool{} // destination folders some read source maps to
	groupSkip := map[string]bool{}
	for _, f := range srcList {
		if !folders.Selectable(&f) {
			continue
		}
		d := inv.mapping[f.Name]
		df := inv.dstFolders[d]
		skip := only != nil && !only[f.Name] ||
			st != nil && df != nil && st.Unchanged(&f, df, needModSeq)
		if v, seen := groupSkip[d]; !seen || v {
			groupSkip[d] = skip
		}
	}
	srcSkip, dstSkip, dstShown = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, f := range srcList {
		if !folders.Selectable(&f) {
			continue
		}
		d := inv.mapping[f.Name]
		if groupSkip[d] {
			srcSkip[f.Name] = true
			if f.Messages != nil {
				inv.skippedMessages += int(*f.Messages)
			}
			s.skipBytes(inv, st, &f, false)
			continue
		}
		inv.read[f.Name] = true
		wanted[d] = true
	}
	mapped := map[string]bool{}
	for _, d := range inv.mapping {
		mapped[d] = true
	}
	allDst := s.o.Diff.Delete2Folders && !explicit(s.o.Selection)
	for _, f := range dstList {
		switch {
		case wanted[f.Name] && folders.Selectable(&f):
			dstShown[f.Name] = true
		case mapped[f.Name]:
			dstShown[f.Name], dstSkip[f.Name] = true, true
			if groupSkip[f.Name] && f.Messages != nil {
				inv.skippedDst += int(*f.Messages)
				s.skipBytes(inv, st, &f, true)
			}
		case allDst:
			// --delete2folders needs to see folders the source lacks,
			// not their messages.
			dstShown[f.Name], dstSkip[f.Name] = true, true
		}
	}
	return srcSkip, dstSkip, dstShown
}

// reuser hands out c first (the connection that listed the folders),
// then new connections; close closes c if nobody took it. Parallel
// folder workers dial at once: c must go to exactly one of them, or two
// would SELECT on one connection and read each other's folder.
type reuser struct {
	mu   sync.Mutex
	c    *imapclient.Client
	dial session.Dialer
}

func (r *reuser) Dial(ctx context.Context) (*imapclient.Client, error) {
	if c := r.take(); c != nil {
		return c, nil
	}
	return r.dial(ctx)
}

func (r *reuser) take() *imapclient.Client {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.c
	r.c = nil
	return c
}

// close gives c back to its pool (session.Release) if nobody took it.
func (r *reuser) close() { session.Release(r.take()) }

func closeAll(cs ...*imapclient.Client) {
	for _, c := range cs {
		if c != nil {
			c.Close()
		}
	}
}

func byName(fs []record.Folder) map[string]*record.Folder {
	m := make(map[string]*record.Folder, len(fs))
	for i := range fs {
		m[fs[i].Name] = &fs[i]
	}
	return m
}

// nonNil keeps "listed, and nothing there" apart from "not listed".
func nonNil(fs []record.Folder) []record.Folder {
	if fs == nil {
		return []record.Folder{}
	}
	return fs
}

func explicit(o selection.Options) bool {
	return len(o.Folders)+len(o.FolderRec)+len(o.Include)+len(o.Exclude) > 0 || o.Subscribed
}

// addClean appends to inv's destination inventory the message records of
// from's destination inventory in the folders of keep: a verify re-reads
// only what the run changed and takes the rest from the first read.
func (inv *inventory) addClean(from *inventory, keep map[string]bool) error {
	if len(keep) == 0 {
		return nil
	}
	r, err := from.dst.rewind()
	if err != nil {
		return err
	}
	if _, err := inv.dst.Seek(0, io.SeekEnd); err != nil {
		return err
	}
	w := record.NewWriter(inv.dst)
	err = readScratch(r, "destination inventory").Each(func(l *record.Line) error {
		if l.Type != record.TypeMessage {
			return nil
		}
		var m struct {
			Folder string `json:"folder"`
		}
		if err := l.DecodeOnly(&m); err != nil {
			return err
		}
		if !keep[m.Folder] {
			return nil
		}
		return w.WriteLine(l.JSON)
	})
	if err != nil {
		return err
	}
	return w.Flush()
}

// warm opens, on the connection that listed the source, the biggest
// source folder whose STATUS moved since st last found its pair in sync:
// it is read whatever the destination's listing says, and a server may
// take a while to open it (Dovecot rescans a changed Maildir: 0.1 s at
// 50,000 messages), time better spent while the destination is still
// being listed. Errors are left to the read.
func warm(c *imapclient.Client, listed []record.Folder, st *state.State) {
	if st == nil || len(st.Pairs) == 0 {
		return
	}
	var best *record.Folder
	for i := range listed {
		f := &listed[i]
		p, ok := st.Pairs[f.Name]
		cur, ok2 := state.StatusOf(f)
		if !ok || !ok2 || cur == p.SrcStatus || !folders.Selectable(f) {
			continue
		}
		if best == nil || *f.Messages > *best.Messages {
			best = f
		}
	}
	if best != nil && *best.Messages >= minStored {
		session.Select(c, best.Name, true)
	}
}

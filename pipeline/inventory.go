package pipeline

import (
	"context"
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
}

// withSkipped adds the pairs not read, known in sync, to a diff summary.
func (inv *inventory) withSkipped(sum diff.Summary) diff.Summary {
	sum.SrcMessages += inv.skippedMessages
	sum.DstMessages += inv.skippedDst
	sum.Same += inv.skippedMessages
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

// inventories lists both sides at once, then reads both inventories at
// once, each on the connection that listed it. Only the folder pairs in
// only (all when nil) are read, less those st vouches are unchanged since
// they were last in sync. With srcFrom, the source is not read again: its
// listing and inventory are srcFrom's (the verify after a copy checks the
// destination against what was copied).
func (s *syncer) inventories(ctx context.Context, only map[string]bool, st *state.State, srcFrom *inventory) (*inventory, error) {
	var srcList, dstList []record.Folder
	var srcConn, dstConn *imapclient.Client
	g, gctx := errgroup.WithContext(ctx)
	if srcFrom != nil {
		srcList = srcFrom.srcList
	} else {
		g.Go(func() error {
			sel, err := selection.New(s.o.Selection)
			if err != nil {
				return err
			}
			if srcConn, err = s.src(gctx); err != nil {
				return exitcode.ForHost(err, 1)
			}
			srcList, err = folders.List(gctx, srcConn, folders.Options{Selector: sel})
			return exitcode.ForHost(err, 1)
		})
	}
	g.Go(func() error {
		var err error
		if dstConn, err = s.dst(gctx); err != nil {
			return exitcode.ForHost(err, 2)
		}
		dstList, err = folders.List(gctx, dstConn, folders.Options{})
		return exitcode.ForHost(err, 2)
	})
	err := g.Wait()
	if err != nil {
		closeAll(srcConn, dstConn)
		return nil, err
	}

	inv := &inventory{srcList: srcList, srcFolders: byName(srcList), dstFolders: byName(dstList), read: map[string]bool{},
		mapping: diff.MapFolders(srcList, dstList, s.o.Diff.F1F2)}
	srcSkip, dstSkip, dstShown := s.choose(inv, srcList, dstList, only, st)
	var dstListed []record.Folder
	for _, f := range dstList {
		if dstShown[f.Name] {
			dstListed = append(dstListed, f)
		}
	}

	if srcFrom != nil {
		inv.src, inv.sharedSrc = srcFrom.src, true
	} else if inv.src, err = newTemp("imapx-src-*.jsonl"); err != nil {
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
		if srcFrom != nil {
			return nil
		}
		r := &reuser{c: srcConn, dial: fetch.Dialer(s.src)}
		defer r.close()
		sum, err := fetch.Run(gctx, r.Dial, fetch.Options{
			Listed: nonNil(srcList), Skip: srcSkip, Ident: s.o.Ident, Connections: s.o.Connections, Log: s.hostLog(1), OnError: s.countError, Progress: s.o.Progress,
		}, inv.src)
		s.rep.SourceMessages = sum.Messages + inv.skippedMessages
		return exitcode.ForHost(err, 1)
	})
	g.Go(func() error {
		r := &reuser{c: dstConn, dial: fetch.Dialer(s.dst)}
		defer r.close()
		o := fetch.Options{
			Listed: nonNil(dstListed), Skip: dstSkip, Ident: s.o.Ident, Connections: s.o.Connections, Log: s.hostLog(2), OnError: s.countError, Progress: s.o.Progress,
		}
		if known := s.knownDst; known != nil {
			o.KnownIdent = func(folder string, validity, uid uint32) (string, bool) {
				id, ok := known[msgKey{folder, validity, uid}]
				return id, ok
			}
		}
		_, err := fetch.Run(gctx, r.Dial, o, inv.dst)
		return exitcode.ForHost(err, 2)
	})
	if err := g.Wait(); err != nil {
		inv.Close()
		return nil, err
	}
	return inv, nil
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
	dial fetch.Dialer
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

func (r *reuser) close() { closeAll(r.take()) }

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

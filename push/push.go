package push

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/mutate"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/stream"
)

// pending is an APPEND sent and not yet answered.
type pending struct {
	cmd    *imapclient.AppendCommand // nil when it must be (re)sent
	it     *stream.Item
	folder string
	flags  []imap.Flag
	// batch is the MULTIAPPEND pd went out in, index its place there;
	// single sends it alone.
	batch  *batch
	index  int
	single bool
	// binary sends the body as a literal8 (RFC 3516): it holds NUL bytes,
	// which a plain literal cannot carry.
	binary bool
	// kwRefusal is the server's refusal of pd's message with its keywords,
	// when pd sends it again without them.
	kwRefusal error
	// since is the folder's UIDNEXT before pd was first sent: where
	// recovery looks for it if its answer is lost.
	since imap.UID
	// written: pd's command was written to its end (a MULTIAPPEND
	// closed), so the server may store pd even if the connection is cut
	// before its answer. doubt: it was, cut off unanswered, the check
	// after the cut did not find it, and it must be sent again.
	written bool
	doubt   bool
}

// conn is what holds for one connection only: it is set up at each dial
// and dropped with the connection, as a unit.
type conn struct {
	c *imapclient.Client
	// selected is the mailbox selected on c: APPENDs go there fastest.
	selected string
	// open is the MULTIAPPEND being written on c, if any.
	open *batch
	// uidNext is each folder's UIDNEXT before this connection's first
	// APPEND to it: where to look for what arrived when a connection drops.
	uidNext map[string]imap.UID
}

type pusher struct {
	o    *Options
	dial session.Dialer
	// gate sends every write: none under --dry-run.
	gate mutate.Gate
	conn
	out *record.Writer
	sum *Summary

	folders map[string]bool // destination folders known to exist
	// folderErr holds why a folder cannot take messages (CREATE or SELECT
	// refused): its messages fail with it, without asking again.
	folderErr map[string]error
	// src and dst are the naming of the records' folders and of the
	// destination; dst is read from the destination at the first
	// connection (nil before).
	src      folders.Naming
	srcKnown bool
	dst      *folders.Naming
	// confirmed are the UIDs this push's APPENDs were given, so that a
	// message appended twice on purpose (a duplicate) is not mistaken for
	// an unanswered APPEND that arrived. Sets of ranges: APPENDUIDs of a
	// folder follow each other, so a million take a few bytes.
	confirmed map[string]*imap.UIDSet
	// keywords gathers, per folder, the keywords the server refused:
	// reported once per folder at the end, not once per message.
	keywords map[string]*refusedKeywords
	kwOrder  []string
	// known are, per folder, the keywords it holds (lower-cased): from its
	// SELECT answers and the APPENDs it took with keywords.
	known map[string]map[string]bool
	// stop, once set (over quota), sends nothing more: what is in flight
	// is settled and the push ends with it.
	stop error
	// quotaMore counts APPENDs in flight refused after stop: one line.
	quotaMore int
	// connected is set at the first connection: before it, a refused dial
	// is retried for a while (a server restarting), after it recover does.
	connected bool
	watch     *watchdog
	// unlinked are the copies to link that the server stored without
	// telling their UID (no APPENDUID): linkFound looks them up.
	unlinked []unlinked
	inFlight []*pending
	memBytes int64
	failures int // consecutive reconnects
}

// Source yields the items to push: a stream.Reader over JSON lines or
// mbox, or (in `imapx sync`) records handed over in process.
type Source interface {
	Next() (*stream.Item, error)
}

// Run appends the messages read from in and writes result records to out.
func Run(ctx context.Context, dial session.Dialer, o Options, in io.Reader, inName string, out io.Writer) (Summary, error) {
	return RunFrom(ctx, dial, o, stream.NewReader(in, inName), out)
}

// RunFrom appends the messages of src and writes result records to out.
func RunFrom(ctx context.Context, dial session.Dialer, o Options, src Source, out io.Writer) (Summary, error) {
	o.defaults()
	var sum Summary
	p := &pusher{o: &o, dial: dial, gate: mutate.Gate{Dry: o.DryRun}, out: record.NewWriter(out), sum: &sum,
		folderErr: map[string]error{}, confirmed: map[string]*imap.UIDSet{}}
	p.watch = watch(ctx)
	var err error
	defer func() { p.endConn(err) }()
	err = p.run(ctx, src)
	p.linkFound(ctx)
	p.reportKeywords()
	if p.stop != nil && (err == nil || errors.Is(err, p.stop)) {
		err = p.stopped()
	}
	if ferr := p.out.Flush(); err == nil {
		err = ferr
	}
	return sum, err
}

func (p *pusher) run(ctx context.Context, rd Source) error {
	for {
		if err := ctx.Err(); err != nil {
			p.drain(ctx)
			return err
		}
		it, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			// Bad input stops the push, but what was sent is settled and
			// reported first: nothing is left half-done.
			if derr := p.drain(ctx); derr != nil {
				return derr
			}
			return err
		}
		if err := p.item(ctx, it); err != nil {
			it.Close()
			if derr := p.drain(ctx); derr != nil {
				return derr
			}
			return err
		}
	}
	return p.drain(ctx)
}

// item handles one input record.
func (p *pusher) item(ctx context.Context, it *stream.Item) error {
	switch it.Type {
	case record.TypeMessage:
		if it.Body == nil {
			return it.Errorf("message record has no \"raw\" body: fetch with --full")
		}
		return p.message(ctx, it)
	case record.TypeFolder:
		var f record.Folder
		if err := it.Line.Decode(&f); err != nil {
			return err
		}
		if f.Delim != "" && !p.srcKnown {
			p.src, p.srcKnown = folders.Naming{Delim: f.Delim, Prefix: f.Prefix}, true
		}
		if p.o.Folder != "" || !selectable(f.Attrs) {
			// A \Noselect parent is not created: creating its children
			// makes it where the server needs it.
			return nil
		}
		name, err := p.dstName(ctx, f.Name)
		if err != nil {
			return err
		}
		return p.ensureFolder(ctx, name, folderSpec{subscribe: f.Subscribed, specialUse: f.SpecialUse})
	case record.TypeOp:
		var op record.Op
		if err := it.Line.Decode(&op); err != nil {
			return err
		}
		if op.Op != record.OpCreateFolder {
			return it.Errorf("push carries out messages and create_folder ops; %q ops are for 'imapx flags' (copy ops need 'imapx fetch --plan' first)", op.Op)
		}
		if op.Dst == nil || op.Dst.Folder == "" {
			return it.Errorf("create_folder op has no dst.folder")
		}
		return p.ensureFolder(ctx, op.Dst.Folder, folderSpec{subscribe: op.Subscribed, specialUse: op.SpecialUse, src: op.Src})
	case record.TypeResult:
		return nil // a previous stage's results pass by
	}
	return it.Errorf("push reads message records, not %q", it.Type)
}

func (p *pusher) message(ctx context.Context, it *stream.Item) error {
	if p.stop != nil {
		return p.stop
	}
	m := it.Msg
	folder, err := p.folderOf(ctx, m)
	if err != nil {
		return err
	}
	if err := p.ensureFolder(ctx, folder, folderSpec{}); err != nil {
		return err
	}
	if ferr := p.folderErr[folder]; ferr != nil {
		p.result(it, folder, 0, 0, ferr)
		it.Close()
		return nil
	}
	flags := appendFlags(m.Flags)
	nul := hasNUL(it.Body)
	if reason, code := p.refuse(it.Body, nul); reason != "" {
		p.result(it, folder, 0, 0, exitcode.Newf(code, "%s", reason))
		it.Close()
		return nil
	}
	if p.gate.DryRun() {
		p.sum.Appended++
		p.sum.Bytes += it.Body.Size()
		p.write(&record.Result{Type: record.TypeResult, Op: "append", OK: true, DryRun: true,
			Src: srcRef(m), Dst: &record.Ref{Folder: folder}, Ident: m.Ident, Size: it.Body.Size()})
		it.Close()
		return nil
	}
	if err := p.o.Throttle.wait(ctx, it.Body.Size()); err != nil {
		return err
	}
	// Counted when sent: answers come in batches (pipelining).
	p.o.Progress.Add(1, it.Body.Size())
	// Only a message with NUL bytes goes as a literal8: servers take plain
	// literals from every client, and refuse pays its price only when needed.
	pd := &pending{it: it, folder: folder, flags: flags, binary: nul}
	if p.o.OnSending != nil {
		p.o.OnSending(m, folder, it.Body)
	}
	p.inFlight = append(p.inFlight, pd)
	if it.Body.Bytes() != nil {
		p.memBytes += it.Body.Size()
	}
	if err := p.dispatch(ctx, pd); err != nil {
		return err
	}
	for len(p.inFlight) > 0 && (len(p.inFlight) >= p.o.Window || p.memBytes > p.o.MemoryBudget || p.synchronizing(pd)) {
		if err := p.settleOldest(ctx); err != nil {
			return err
		}
	}
	return nil
}

// synchronizing reports whether pd went alone, as a literal the server had
// to invite with "+" (no LITERAL+; LITERAL- covers 4,096 bytes at most):
// such an APPEND is answered before the next is sent. Pipelined, a server
// that writes one APPEND's OK and the next one's "+" as two small packets
// holds the second until the first is acknowledged (Nagle against delayed
// ACK): Courier took 45 ms an APPEND pipelined, 1.4 ms one at a time.
func (p *pusher) synchronizing(pd *pending) bool {
	if p.c == nil || pd.cmd == nil || pd.batch != nil {
		return false // not sent, or part of a MULTIAPPEND: no OK in between
	}
	caps := p.c.Caps()
	if caps.Has(imap.CapLiteralPlus) {
		return false
	}
	return pd.it.Body.Size() > 4096 || pd.binary || !caps.Has(imap.CapLiteralMinus)
}

// refuse says why the destination cannot take a body, before sending it:
// over APPENDLIMIT, or NUL bytes (nul) without BINARY (RFC 3516), which a
// plain literal cannot carry (Cyrus: "NO Message contains NUL characters").
func (p *pusher) refuse(b *record.Body, nul bool) (string, int) {
	if p.c == nil {
		return "", 0 // learnt at the first connection; the server decides then
	}
	caps := p.c.Caps()
	if limit, ok := caps.AppendLimit(); ok && limit != nil && b.Size() > int64(*limit) {
		return fmt.Sprintf("message of %d bytes is over the server's APPENDLIMIT of %d", b.Size(), *limit), exitcode.Append
	}
	if nul && !caps.Has(imap.CapBinary) {
		return "message contains NUL bytes and the server has no BINARY extension", exitcode.Append
	}
	return "", 0
}

func hasNUL(b *record.Body) bool {
	if mem := b.Bytes(); mem != nil {
		return bytes.IndexByte(mem, 0) >= 0
	}
	buf := make([]byte, 64<<10)
	r := b.Reader()
	for {
		n, err := r.Read(buf)
		if bytes.IndexByte(buf[:n], 0) >= 0 {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// appendFlags are the flags an APPEND sets: those records carry
// (\Recent, which no client can set, dropped).
func appendFlags(in []string) []imap.Flag {
	out := make([]imap.Flag, 0, len(in))
	for _, f := range in {
		if record.Carried(f) {
			out = append(out, imap.Flag(f))
		}
	}
	return out
}

func (p *pusher) appended(pd *pending, uid imap.UID, validity uint32) {
	p.sum.Appended++
	if uid != 0 && p.confirmed != nil {
		if p.confirmed[pd.folder] == nil {
			p.confirmed[pd.folder] = &imap.UIDSet{}
		}
		p.confirmed[pd.folder].AddNum(uid)
	}
	p.sum.Bytes += pd.it.Body.Size()
	if m := pd.it.Msg; len(m.Rewritten) > 0 || p.o.LinkAll {
		if uid == 0 && p.o.Links != nil && !p.o.DryRun {
			p.awaitLink(pd) // no APPENDUID: found after the push
		} else if err := p.o.Links.Add(pd.folder, validity, uint32(uid), m.Ident); err != nil {
			fmt.Fprintf(p.o.Log, "imapx: warning: --links: %v\n", err)
		}
	}
	if p.o.OnSettled != nil {
		p.o.OnSettled(pd.it.Msg)
	}
	r := &record.Result{Type: record.TypeResult, Op: "append", OK: true, Src: srcRef(pd.it.Msg),
		Dst: &record.Ref{Folder: pd.folder, UID: uint32(uid), UIDValidity: validity}, Ident: pd.it.Msg.Ident, Size: pd.it.Body.Size()}
	for _, f := range pd.flags {
		p.folderKeyword(pd.folder, string(f))
	}
	if kws := droppedKeywords(pd); len(kws) > 0 {
		// Stored without some keywords: said in its result, printed and
		// counted once per folder (reportKeywords).
		p.keywordsRefused(pd.folder, kws, pd.kwRefusal)
		r.Error, r.Code = fmt.Sprintf("the server refused keywords %v: appended without them (%v)", kws, pd.kwRefusal), exitcode.Append
	}
	p.write(r)
}

// droppedKeywords are the keywords of pd's message its APPEND left out.
func droppedKeywords(pd *pending) []string {
	var out []string
	for _, f := range appendFlags(pd.it.Msg.Flags) {
		if !strings.HasPrefix(string(f), `\`) && !slices.Contains(pd.flags, f) {
			out = append(out, string(f))
		}
	}
	return out
}

// result reports a failed message: a result record, a line on the log,
// and the count that decides the exit code.
func (p *pusher) result(it *stream.Item, folder string, uid imap.UID, validity uint32, err error) {
	if p.o.OnSettled != nil && it.Msg != nil {
		p.o.OnSettled(it.Msg)
	}
	p.countError(err)
	what := it.Pos
	if m := it.Msg; m != nil && m.UID != 0 {
		what = fmt.Sprintf("%s UID %d", m.Folder, m.UID)
	}
	shown := folder
	if badName(folder) != "" {
		shown = strconv.Quote(folder) // no control character on the terminal
	}
	fmt.Fprintf(p.o.Log, "imapx: error: %s → %s: %v\n", what, shown, err)
	r := &record.Result{Type: record.TypeResult, Op: "append", OK: uid != 0, Src: srcRef(it.Msg),
		Dst: &record.Ref{Folder: folder, UID: uint32(uid), UIDValidity: validity}, Error: err.Error(), Code: exitcode.Of(err)}
	if it.Msg != nil {
		r.Ident, r.Size = it.Msg.Ident, it.Msg.Size
	}
	p.write(r)
}

func (p *pusher) write(r *record.Result) {
	if err := p.out.Write(r); err != nil {
		fmt.Fprintf(p.o.Log, "imapx: error: writing results: %v\n", err)
	}
}

func srcRef(m *record.Message) *record.Ref {
	if m == nil || m.UID == 0 {
		return nil
	}
	return &record.Ref{Folder: m.Folder, UID: m.UID, UIDValidity: m.UIDValidity}
}

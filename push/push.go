package push

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/record"
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
}

type pusher struct {
	o    *Options
	dial Dialer
	c    *imapclient.Client
	out  *record.Writer
	sum  *Summary

	folders map[string]bool // destination folders known to exist
	// uidNext is each folder's UIDNEXT before this connection's first
	// APPEND to it: where to look for what arrived when a connection drops.
	uidNext map[string]imap.UID
	// confirmed are the UIDs this connection's APPENDs were given, so that
	// a message appended twice on purpose (a duplicate) is not mistaken
	// for an unanswered APPEND that arrived.
	confirmed map[string]map[imap.UID]bool
	inFlight  []*pending
	// selected is the mailbox selected on c: APPENDs go there fastest.
	selected string
	// open is the MULTIAPPEND being written on c, if any.
	open     *batch
	memBytes int64
	failures int // consecutive reconnects
}

// Source yields the items to push: a stream.Reader over JSON lines or
// mbox, or (in `imapx sync`) records handed over in process.
type Source interface {
	Next() (*stream.Item, error)
}

// Run appends the messages read from in and writes result records to out.
func Run(ctx context.Context, dial Dialer, o Options, in io.Reader, inName string, out io.Writer) (Summary, error) {
	return RunFrom(ctx, dial, o, stream.NewReader(in, inName), out)
}

// RunFrom appends the messages of src and writes result records to out.
func RunFrom(ctx context.Context, dial Dialer, o Options, src Source, out io.Writer) (Summary, error) {
	o.defaults()
	var sum Summary
	p := &pusher{o: &o, dial: dial, out: record.NewWriter(out), sum: &sum, uidNext: map[string]imap.UID{}}
	defer p.closeConn()
	err := p.run(ctx, src)
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
		name := f.Name
		if p.o.Folder != "" {
			return nil
		}
		return p.ensureFolder(ctx, name, f.Subscribed, nil)
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
		return p.ensureFolder(ctx, op.Dst.Folder, op.Subscribed, op.Src)
	case record.TypeResult:
		return nil // a previous stage's results pass by
	}
	return it.Errorf("push reads message records, not %q", it.Type)
}

func (p *pusher) message(ctx context.Context, it *stream.Item) error {
	m := it.Msg
	folder := p.o.Folder
	if folder == "" {
		folder = m.DstFolder
	}
	if folder == "" {
		folder = m.Folder
	}
	if folder == "" {
		folder = "INBOX"
	}
	if err := p.ensureFolder(ctx, folder, false, nil); err != nil {
		return err
	}
	flags := appendFlags(m.Flags)
	if reason, code := p.refuse(it.Body); reason != "" {
		p.result(it, folder, 0, 0, exitcode.Newf(code, "%s", reason))
		it.Close()
		return nil
	}
	if p.o.DryRun {
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
	pd := &pending{it: it, folder: folder, flags: flags}
	if p.o.OnSending != nil {
		p.o.OnSending(m, folder, it.Body.Size())
	}
	p.inFlight = append(p.inFlight, pd)
	if it.Body.Bytes() != nil {
		p.memBytes += it.Body.Size()
	}
	if err := p.send(ctx, pd); err != nil {
		if err := p.recover(ctx, err); err != nil {
			return err
		}
	}
	for len(p.inFlight) > 0 && (len(p.inFlight) >= p.o.Window || p.memBytes > p.o.MemoryBudget) {
		if err := p.settleOldest(ctx); err != nil {
			return err
		}
	}
	return nil
}

// refuse says why the destination cannot take a body, before sending it.
func (p *pusher) refuse(b *record.Body) (string, int) {
	if p.c == nil {
		return "", 0 // learnt at the first connection; the server decides then
	}
	caps := p.c.Caps()
	if limit, ok := caps.AppendLimit(); ok && limit != nil && b.Size() > int64(*limit) {
		return fmt.Sprintf("message of %d bytes is over the server's APPENDLIMIT of %d", b.Size(), *limit), exitcode.Append
	}
	if !caps.Has(imap.CapBinary) && hasNUL(b) {
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

// appendFlags drops \Recent, which a client cannot set.
func appendFlags(in []string) []imap.Flag {
	out := make([]imap.Flag, 0, len(in))
	for _, f := range in {
		if strings.EqualFold(f, `\Recent`) || f == "" {
			continue
		}
		out = append(out, imap.Flag(f))
	}
	return out
}

// client returns the live connection, dialing when there is none.
func (p *pusher) client(ctx context.Context) (*imapclient.Client, error) {
	if p.c != nil {
		select {
		case <-p.c.Closed():
			p.c = nil
		default:
			return p.c, nil
		}
	}
	c, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	p.c = c
	p.selected = ""
	p.open = nil
	p.uidNext = map[string]imap.UID{}
	p.confirmed = map[string]map[imap.UID]bool{}
	return c, nil
}

func (p *pusher) closeConn() {
	p.open = nil
	if p.c != nil {
		p.c.Close()
		p.c = nil
	}
}

// send writes one APPEND; the answer is read later (pipelining).
func (p *pusher) send(ctx context.Context, pd *pending) error {
	c, err := p.client(ctx)
	if err != nil {
		return err
	}
	if p.selected != pd.folder {
		if err := p.closeBatch(); err != nil {
			return err
		}
		// Servers append far faster into the selected mailbox: Dovecot
		// keeps it open instead of opening and syncing it for every APPEND
		// (measured: 1,240 against 230 msg/s on one connection). Its
		// UIDNEXT is where recovery looks for unanswered APPENDs.
		sel, err := c.Select(pd.folder, nil).Wait()
		if err != nil {
			return err
		}
		p.selected = pd.folder
		if _, ok := p.uidNext[pd.folder]; !ok {
			if sel.UIDNext == 0 {
				return exitcode.Newf(exitcode.Select, "SELECT %q: the server gave no UIDNEXT", pd.folder)
			}
			p.uidNext[pd.folder] = sel.UIDNext
		}
	}
	m := pd.it.Msg
	opts := &imap.AppendOptions{Flags: pd.flags}
	if !m.InternalDate.IsZero() {
		opts.Time = m.InternalDate
	}
	return p.appendTo(c, pd, opts)
}

// settleOldest waits for the oldest APPEND's answer and reports it.
func (p *pusher) settleOldest(ctx context.Context) error {
	pd := p.inFlight[0]
	if pd.batch != nil && pd.batch == p.open {
		if err := p.closeBatch(); err != nil {
			return p.recover(ctx, err)
		}
	}
	data, err := pd.cmd.Wait()
	if err != nil && isConnError(err) {
		return p.recover(ctx, err)
	}
	if err != nil && pd.batch != nil && pd.batch.n > 1 {
		for _, m := range p.unbatch(pd.batch) {
			if err := p.send(ctx, m); err != nil {
				return p.recover(ctx, err)
			}
		}
		return nil
	}
	p.pop()
	if err != nil {
		err = p.retryWithoutKeywords(ctx, pd, err)
	}
	if err != nil {
		p.result(pd.it, pd.folder, 0, 0, classify(err))
	} else {
		p.failures = 0
		p.appended(pd, uidIn(pd, data), data.UIDValidity)
	}
	pd.it.Close()
	return nil
}

func (p *pusher) pop() {
	pd := p.inFlight[0]
	p.inFlight = p.inFlight[1:]
	if pd.it.Body.Bytes() != nil {
		p.memBytes -= pd.it.Body.Size()
	}
}

// retryWithoutKeywords appends again without keywords when the server
// refused the message with keywords: the mail must not be lost for a
// keyword, but the refusal is still reported as an error.
func (p *pusher) retryWithoutKeywords(ctx context.Context, pd *pending, first error) error {
	var imapErr *imap.Error
	if !errors.As(first, &imapErr) || imapErr.Code == imap.ResponseCodeOverQuota || imapErr.Code == imap.ResponseCodeTooBig {
		return first
	}
	var system, keywords []imap.Flag
	for _, f := range pd.flags {
		if strings.HasPrefix(string(f), `\`) {
			system = append(system, f)
		} else {
			keywords = append(keywords, f)
		}
	}
	if len(keywords) == 0 {
		return first
	}
	retry := &pending{it: pd.it, folder: pd.folder, flags: system, single: true}
	if err := p.send(ctx, retry); err != nil {
		return first
	}
	data, err := retry.cmd.Wait()
	if err != nil {
		return first
	}
	p.appended(retry, data.UID, data.UIDValidity)
	return nil
}

func (p *pusher) appended(pd *pending, uid imap.UID, validity uint32) {
	if p.o.OnSettled != nil {
		p.o.OnSettled(pd.it.Msg)
	}
	p.sum.Appended++
	if uid != 0 && p.confirmed != nil {
		if p.confirmed[pd.folder] == nil {
			p.confirmed[pd.folder] = map[imap.UID]bool{}
		}
		p.confirmed[pd.folder][uid] = true
	}
	p.sum.Bytes += pd.it.Body.Size()
	if len(pd.flags) < len(appendFlags(pd.it.Msg.Flags)) {
		p.result(pd.it, pd.folder, uid, validity, exitcode.Newf(exitcode.Append,
			"the server refused keywords %v: appended without them", keywordsOf(pd.it.Msg.Flags)))
		return
	}
	p.write(&record.Result{Type: record.TypeResult, Op: "append", OK: true, Src: srcRef(pd.it.Msg),
		Dst: &record.Ref{Folder: pd.folder, UID: uint32(uid), UIDValidity: validity}, Ident: pd.it.Msg.Ident, Size: pd.it.Body.Size()})
}

func keywordsOf(flags []string) []string {
	var out []string
	for _, f := range flags {
		if !strings.HasPrefix(f, `\`) {
			out = append(out, f)
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
	p.sum.Errors++
	if p.sum.FirstError == nil {
		p.sum.FirstError = err
	}
	what := it.Pos
	if m := it.Msg; m != nil && m.UID != 0 {
		what = fmt.Sprintf("%s UID %d", m.Folder, m.UID)
	}
	fmt.Fprintf(p.o.Log, "imapx: error: %s → %s: %v\n", what, folder, err)
	if p.o.OnError != nil {
		p.o.OnError(err)
	}
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

// classify maps a refused APPEND to the exit code table.
func classify(err error) error {
	var imapErr *imap.Error
	if errors.As(err, &imapErr) {
		switch imapErr.Code {
		case imap.ResponseCodeOverQuota:
			return exitcode.New(exitcode.OverQuota, err)
		case imap.ResponseCodeTryCreate, imap.ResponseCodeNonExistent:
			return exitcode.New(exitcode.Create, err)
		}
	}
	if exitcode.Of(err) != exitcode.Internal {
		return err
	}
	return exitcode.New(exitcode.Append, err)
}

// drain settles every APPEND still in flight.
func (p *pusher) drain(ctx context.Context) error {
	if err := p.closeBatch(); err != nil {
		if len(p.inFlight) > 0 {
			if err := p.recover(ctx, err); err != nil {
				return err
			}
		}
	}
	for len(p.inFlight) > 0 {
		if err := p.settleOldest(ctx); err != nil {
			return err
		}
	}
	return nil
}

func isConnError(err error) bool {
	var imapErr *imap.Error
	return err != nil && !errors.As(err, &imapErr)
}

func backoff(attempt int) time.Duration {
	d := 200 * time.Millisecond << attempt
	if d > 10*time.Second {
		d = 10 * time.Second
	}
	return d
}

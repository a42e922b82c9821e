package pipeline

import (
	"context"
	"io"

	"golang.org/x/sync/semaphore"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/stream"
)

// bridge hands fetched messages to push in process: a fetch.Sink on one
// side, a push.Source on the other. Bodies held in memory are bounded by a
// byte budget; larger ones are already spooled to temporary files.
type bridge struct {
	ctx    context.Context
	items  chan *stream.Item
	budget *semaphore.Weighted
	max    int64
	n      int
	// sent, when set, takes a digest of every body for the verify.
	sent *sentDigests
	// rewrite, when set, rewrites each message before it goes on; a
	// message it leaves out (nil body) is not handed to push.
	rewrite func(*record.Message, *record.Body) (*record.Body, error)
	// keywords, when set, are added to a message's flags: its Gmail
	// labels as keywords (--synclabels), which host1 does not store.
	keywords map[msgKey][]string
	// skip, when set, keeps a message from push (--maxlinelength).
	skip func(*record.Message, *record.Body) (bool, error)
}

// newBridge bounds the bodies in memory to budget bytes, of which push may
// hold up to pushBudget (its MemoryBudget) while it waits for more: one
// body counts at most budget-pushBudget, so that the next body can always
// be admitted while push holds its share, however large it is.
func newBridge(ctx context.Context, budget, pushBudget int64) *bridge {
	return &bridge{ctx: ctx, items: make(chan *stream.Item, 64), budget: semaphore.NewWeighted(budget), max: max(1, budget-pushBudget)}
}

// Message implements fetch.Sink.
func (b *bridge) Message(m *record.Message, body *record.Body) error {
	b.n++
	if b.skip != nil {
		if skipped, err := b.skip(m, body); skipped || err != nil {
			body.Close()
			return err
		}
	}
	if kws := b.keywords[msgKey{m.Folder, m.UIDValidity, m.UID}]; kws != nil {
		m.Flags = addFlags(m.Flags, kws)
	}
	if b.rewrite != nil && body != nil {
		nb, err := b.rewrite(m, body)
		if err != nil {
			if b.ctx.Err() != nil {
				return b.ctx.Err() // the copy is stopping: not this message's fault
			}
			return nil // counted and said by rewrite; the others go on
		}
		body = nb
	}
	// The digest of what is sent: the rewritten bytes, when rewritten.
	b.sent.add(m, body)
	it := &stream.Item{Type: record.TypeMessage, Msg: m, Body: body, Pos: "message " + m.Folder}
	if body != nil && body.Bytes() != nil {
		w := min(body.Size(), b.max)
		if err := b.budget.Acquire(b.ctx, w); err != nil {
			body.Close()
			return err
		}
		it.OnClose = func() { b.budget.Release(w) }
	}
	select {
	case b.items <- it:
		return nil
	case <-b.ctx.Done():
		it.Close()
		return b.ctx.Err()
	}
}

// Passthrough implements fetch.Sink: plan ops (create_folder) go to push.
func (b *bridge) Passthrough(typ string, js []byte) error {
	it := &stream.Item{Type: typ, Line: &record.Line{Name: "plan", Type: typ, JSON: js}, Pos: "plan"}
	select {
	case b.items <- it:
		return nil
	case <-b.ctx.Done():
		return b.ctx.Err()
	}
}

// close ends the stream for push.
func (b *bridge) close() { close(b.items) }

// Next implements push.Source. Once the run is cancelled it returns at
// once: what fetch still hands over is new work, not to be started.
func (b *bridge) Next() (*stream.Item, error) {
	select {
	case it, ok := <-b.items:
		if !ok {
			return nil, io.EOF
		}
		return it, nil
	case <-b.ctx.Done():
		return nil, b.ctx.Err()
	}
}

// drain closes what push did not take (after an error), releasing memory.
// It never waits on a cancelled run: fetch, which stops on the same
// context, closes the channel when it returns, and what it still sends
// until then is closed in the background.
func (b *bridge) drain() {
	for {
		select {
		case it, ok := <-b.items:
			if !ok {
				return
			}
			it.Close()
		case <-b.ctx.Done():
			go func() {
				for it := range b.items {
					it.Close()
				}
			}()
			return
		}
	}
}

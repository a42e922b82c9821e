package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/imapx/imapx/internal/record"
)

// Once the run is cancelled, neither side of the bridge waits for the
// other: push's Next and drain return at once although fetch has not
// closed the stream (it may still be winding down its connection).
func TestBridgeNeverBlocksOnceCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	b := newBridge(ctx, 1<<20, 1<<19)
	for i := 0; i < cap(b.items); i++ { // a full channel: fetch would block
		if err := b.Passthrough(record.TypeOp, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := b.Passthrough(record.TypeOp, []byte(`{}`)); !errors.Is(err, context.Canceled) {
			t.Errorf("Passthrough after cancel: %v", err)
		}
		b.drain()
		// Next may still hand over an item already queued, but never
		// blocks: once the queue is empty it reports the cancellation.
		for {
			_, err := b.Next()
			if errors.Is(err, context.Canceled) {
				return
			}
			if err != nil {
				t.Errorf("Next: %v", err)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("the bridge blocked after the run was cancelled")
	}
	b.close() // fetch returns later; the background drain ends then
}

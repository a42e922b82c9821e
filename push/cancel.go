package push

import (
	"context"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// drainGrace is how long a cancelled push (Ctrl-C, another stage
// failing) lets the APPENDs in flight be answered before it closes the
// connection: long enough for a healthy server to confirm them, short
// enough that a stalled one cannot hold the run.
const drainGrace = 3 * time.Second

// watchdog closes the live connection drainGrace after ctx ends, which
// ends every wait and every write on it: a cancelled push never blocks.
type watchdog struct {
	mu     sync.Mutex
	c      *imapclient.Client
	fired  bool
	timer  *time.Timer
	cancel func() bool
}

func watch(ctx context.Context) *watchdog {
	w := &watchdog{}
	w.cancel = context.AfterFunc(ctx, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.timer = time.AfterFunc(drainGrace, w.fire)
	})
	return w
}

func (w *watchdog) fire() {
	w.mu.Lock()
	c := w.c
	w.fired = true
	w.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// set makes c the connection to close.
func (w *watchdog) set(c *imapclient.Client) {
	w.mu.Lock()
	w.c = c
	fired := w.fired
	w.mu.Unlock()
	if fired {
		c.Close()
	}
}

func (w *watchdog) stop() {
	w.cancel()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer != nil {
		w.timer.Stop()
	}
	w.c = nil
}

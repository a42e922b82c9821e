package push

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/imapx/imapx/internal/exitcode"
)

// ErrTransferLimit ends a push that reached Limits.ExitWhenOver; it
// carries exit code 118 (imapsync's EXIT_TRANSFER_EXCEEDED).
var ErrTransferLimit = errors.New("transfer limit reached")

// Limits are imapsync's pacing options for APPENDs. Zero means no limit.
type Limits struct {
	// MessagesPerSecond bounds the average APPEND rate
	// (--maxmessagespersecond).
	MessagesPerSecond float64
	// BytesPerSecond bounds the average byte rate (--maxbytespersecond),
	// from the moment BytesAfter bytes were sent (--maxbytesafter).
	BytesPerSecond, BytesAfter int64
	// ExitWhenOver stops the push once this many bytes were sent
	// (--exitwhenover): the APPENDs already sent finish, no other starts,
	// and the push returns ErrTransferLimit.
	ExitWhenOver int64
	// MaxSleep caps each pause the rates ask for (--maxsleep; imapsync's
	// default is 2 s, set here by --gmail1/--gmail2); 0: no cap.
	MaxSleep time.Duration
}

// Throttle paces the APPENDs of a push and counts the bytes it sent. The
// pushes it is given to, in turn or at once (parallel connections), share
// its rates and its count.
type Throttle struct {
	l           Limits
	msgs, bytes *rate.Limiter

	mu   sync.Mutex
	sent int64
}

// NewThrottle returns a Throttle for l, or nil when l limits nothing.
func NewThrottle(l Limits) *Throttle {
	if l == (Limits{}) {
		return nil
	}
	t := &Throttle{l: l}
	if l.MessagesPerSecond > 0 {
		// A burst of one spaces the APPENDs evenly.
		t.msgs = rate.NewLimiter(rate.Limit(l.MessagesPerSecond), 1)
	}
	if l.BytesPerSecond > 0 {
		// A message waits in pieces of a tenth of a second's worth (a
		// limiter refuses more than its burst at once), from an empty
		// bucket: the average holds from the first byte.
		burst := int(max(l.BytesPerSecond/10, 1))
		t.bytes = rate.NewLimiter(rate.Limit(l.BytesPerSecond), burst)
		t.bytes.AllowN(time.Now(), burst)
	}
	return t
}

// Sent is how many bytes the pushes given t sent.
func (t *Throttle) Sent() int64 {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sent
}

// wait comes before each APPEND of size bytes: it refuses once the
// transfer limit was reached, else sleeps as long as the rates require.
func (t *Throttle) wait(ctx context.Context, size int64) error {
	if t == nil {
		return nil
	}
	// Counted before the wait, so that a push running beside this one
	// sees it at once.
	t.mu.Lock()
	before := t.sent
	over := t.l.ExitWhenOver > 0 && before >= t.l.ExitWhenOver
	if !over {
		t.sent += size
	}
	t.mu.Unlock()
	if over {
		return exitcode.WithHint(exitcode.TransferExceeded,
			fmt.Errorf("%w: %d bytes sent, --exitwhenover %d", ErrTransferLimit, before, t.l.ExitWhenOver),
			"run the same command again (once the provider's quota allows) to copy the rest")
	}
	// Reserve what the message takes of each rate; the reservations add
	// up, so the longest delay is the pause (capped by MaxSleep).
	now := time.Now()
	var pause time.Duration
	if t.msgs != nil {
		pause = max(pause, t.msgs.ReserveN(now, 1).DelayFrom(now))
	}
	if t.bytes != nil {
		// Bytes up to BytesAfter go unthrottled.
		n := min(size, before+size-t.l.BytesAfter)
		for burst := int64(t.bytes.Burst()); n > 0; n -= burst {
			pause = max(pause, t.bytes.ReserveN(now, int(min(n, burst))).DelayFrom(now))
		}
	}
	if t.l.MaxSleep > 0 {
		pause = min(pause, t.l.MaxSleep)
	}
	if pause <= 0 {
		return nil
	}
	timer := time.NewTimer(pause)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

package push

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/stream"
)

// items is a Source of n messages of size bytes each, for INBOX.
type items struct {
	n, size int
	next    int
}

func (s *items) Next() (*stream.Item, error) {
	if s.next == s.n {
		return nil, io.EOF
	}
	s.next++
	head := fmt.Sprintf("Message-ID: <t-%d@example.org>\r\nSubject: %d\r\n\r\n", s.next, s.next)
	body, err := record.Spool(strings.NewReader(head + strings.Repeat("x", s.size-len(head))))
	if err != nil {
		return nil, err
	}
	m := &record.Message{Type: record.TypeMessage, Folder: "INBOX", Flags: []string{}, Size: body.Size()}
	return &stream.Item{Type: record.TypeMessage, Msg: m, Body: body, Pos: fmt.Sprint("message ", s.next)}, nil
}

func startDst(t *testing.T) (session.Dialer, func() uint32) {
	t.Helper()
	srv, err := imaptest.StartMem([]imaptest.MemUser{{Name: "bob", Password: "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dial := func(ctx context.Context) (*imapclient.Client, error) {
		return srv.Login("bob", "pw")
	}
	count := func() uint32 {
		c, err := dial(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		return *st.NumMessages
	}
	return dial, count
}

func TestMaxMessagesPerSecond(t *testing.T) {
	dial, count := startDst(t)
	start := time.Now()
	sum, err := RunFrom(context.Background(), dial, Options{
		Throttle: NewThrottle(Limits{MessagesPerSecond: 100}),
	}, &items{n: 20, size: 500}, io.Discard)
	elapsed := time.Since(start)
	if err != nil || sum.Appended != 20 {
		t.Fatalf("push: %d appended, %v", sum.Appended, err)
	}
	// The first goes at once, then one every 10 ms.
	if elapsed < 180*time.Millisecond || elapsed > 3*time.Second {
		t.Errorf("20 messages at 100/s took %v, want about 190 ms", elapsed)
	}
	if n := count(); n != 20 {
		t.Errorf("destination has %d messages, want 20", n)
	}
}

func TestMaxBytesPerSecond(t *testing.T) {
	ctx := context.Background()
	// From the first byte, and a message larger than the limiter's burst
	// (a tenth of a second's worth) waits in pieces: 3000 bytes at
	// 10000 B/s take 300 ms.
	th := NewThrottle(Limits{BytesPerSecond: 10000})
	start := time.Now()
	if err := th.wait(ctx, 3000); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 280*time.Millisecond || d > 2*time.Second {
		t.Errorf("3000 bytes at 10000 B/s took %v, want about 300 ms", d)
	}

	// The first --maxbytesafter bytes are not throttled: of 6000 bytes
	// (600 ms), only the last 1000 count (100 ms).
	th = NewThrottle(Limits{BytesPerSecond: 10000, BytesAfter: 5000})
	start = time.Now()
	for _, size := range []int64{3000, 3000} {
		if err := th.wait(ctx, size); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 80*time.Millisecond || d > 400*time.Millisecond {
		t.Errorf("--maxbytesafter 5000: 6000 bytes at 10000 B/s took %v, want about 100 ms", d)
	}
	if th.Sent() != 6000 {
		t.Errorf("Sent() = %d, want 6000", th.Sent())
	}
	if NewThrottle(Limits{}) != nil {
		t.Error("a throttle without limits is not nil")
	}
}

// counting is a progress.Reporter that remembers what it was told.
type counting struct {
	mu    sync.Mutex
	msgs  int
	bytes int64
}

func (c *counting) Start(string, int, int64) {}
func (c *counting) Done()                    {}
func (c *counting) Add(m int, b int64) {
	c.mu.Lock()
	c.msgs, c.bytes = c.msgs+m, c.bytes+b
	c.mu.Unlock()
}

func TestExitWhenOver(t *testing.T) {
	dial, count := startDst(t)
	var results bytes.Buffer
	prog := &counting{}
	th := NewThrottle(Limits{ExitWhenOver: 2500})
	sum, err := RunFrom(context.Background(), dial, Options{Throttle: th, Progress: prog},
		&items{n: 10, size: 1000}, &results)
	// 1000 and 2000 bytes are under the limit, so a third message starts;
	// after it, 3000 >= 2500: no fourth.
	if !errors.Is(err, ErrTransferLimit) || exitcode.Of(err) != exitcode.TransferExceeded {
		t.Fatalf("err = %v (exit %d), want the transfer limit, exit 118", err, exitcode.Of(err))
	}
	if sum.Appended != 3 || sum.Bytes != 3000 || sum.Errors != 0 {
		t.Errorf("summary = %+v, want 3 appended, 3000 bytes, no error", sum)
	}
	if n := count(); n != 3 {
		t.Errorf("destination has %d messages, want 3", n)
	}
	if got := strings.Count(results.String(), `"ok":true`); got != 3 {
		t.Errorf("%d ok results, want 3:\n%s", got, results.String())
	}
	if prog.msgs != 3 || prog.bytes != 3000 {
		t.Errorf("progress told %d messages, %d bytes; want 3, 3000", prog.msgs, prog.bytes)
	}
	if !strings.Contains(exitcode.HintOf(err), "again") {
		t.Errorf("hint = %q", exitcode.HintOf(err))
	}
}

func TestThrottleShared(t *testing.T) {
	// Four pushes at once (parallel connections) share the rate and the
	// count: 20 messages at 100/s still take about 190 ms, and once 1000
	// bytes were sent, none of them starts another.
	th := NewThrottle(Limits{MessagesPerSecond: 100, ExitWhenOver: 1000})
	var wg sync.WaitGroup
	var mu sync.Mutex
	started := 0
	start := time.Now()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if err := th.wait(context.Background(), 50); err != nil {
					return
				}
				mu.Lock()
				started++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if started != 20 || th.Sent() != 1000 {
		t.Errorf("%d messages started, %d bytes counted; want 20, 1000", started, th.Sent())
	}
	if d := time.Since(start); d < 180*time.Millisecond {
		t.Errorf("20 messages at 100/s over 4 pushes took %v, want about 190 ms", d)
	}
}

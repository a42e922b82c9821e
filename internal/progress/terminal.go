package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/imapx/imapx/internal/table"
)

// terminal draws one bar per phase with mpb. Each phase has a container
// of its own, shut down when the phase ends, so the finished bar stays on
// screen and log lines between phases need no redrawing.
type terminal struct {
	c    counter
	w    io.Writer
	opts []mpb.ContainerOption

	mu  sync.Mutex // guards p and bar; held while a phase ends
	p   *mpb.Progress
	bar *mpb.Bar
}

func newTerminal(w io.Writer, opts ...mpb.ContainerOption) *terminal {
	return &terminal{w: w, opts: append([]mpb.ContainerOption{mpb.WithOutput(w)}, opts...)}
}

func (t *terminal) Start(phase string, messages int, bytes int64) {
	t.Done()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.c.begin(phase, messages, bytes)
	var style mpb.BarFillerBuilder = mpb.BarStyle()
	if messages <= 0 {
		style = mpb.SpinnerStyle().PositionLeft() // an unknown total
	}
	t.p = mpb.New(t.opts...)
	t.bar = t.p.New(0, style,
		mpb.PrependDecorators(decor.Name(fmt.Sprintf("%-10s", phase)), decor.Any(t.counts, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.Any(t.rates)), mpb.BarWidth(30))
	// The total is shown but does not complete the bar: only Done does,
	// and its last frame flushes the log lines written before.
	t.bar.SetTotal(int64(messages), false)
}

func (t *terminal) Add(messages int, bytes int64) {
	t.c.add(messages, bytes)
	t.mu.Lock()
	bar := t.bar
	t.mu.Unlock()
	if bar != nil && messages != 0 {
		bar.IncrBy(messages)
	}
}

func (t *terminal) Done() {
	if !t.c.end() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.c.snapshot(); s.MessagesTotal == 0 || s.Messages >= s.MessagesTotal {
		t.bar.SetTotal(-1, true)
	} else {
		t.bar.Abort(false) // fewer than planned (errors): shown as they are
	}
	t.p.Wait()
	t.p, t.bar = nil, nil
}

func (t *terminal) Close() { t.Done() }

// Write prints log lines above the bar while a phase runs.
func (t *terminal) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.p != nil {
		return t.p.Write(b)
	}
	return t.w.Write(b)
}

func (t *terminal) counts(decor.Statistics) string {
	s := t.c.snapshot()
	if s.MessagesTotal > 0 {
		return fmt.Sprintf("%d/%d msgs", s.Messages, s.MessagesTotal)
	}
	return fmt.Sprintf("%d msgs", s.Messages)
}

func (t *terminal) rates(st decor.Statistics) string {
	s := t.c.snapshot()
	var parts []string
	switch {
	case s.BytesTotal > 0:
		parts = append(parts, table.Bytes(s.Bytes)+"/"+table.Bytes(s.BytesTotal), table.Bytes(s.Rate)+"/s")
	case s.Bytes > 0:
		parts = append(parts, table.Bytes(s.Bytes), table.Bytes(s.Rate)+"/s")
	}
	switch {
	case s.Done || st.Completed || st.Aborted:
		parts = append(parts, "in "+s.elapsed.Round(time.Second).String())
	case s.ETA != nil:
		parts = append(parts, "ETA "+(time.Duration(*s.ETA)*time.Second).String())
	default:
		parts = append(parts, s.elapsed.Round(time.Second).String())
	}
	return strings.Join(parts, " · ")
}

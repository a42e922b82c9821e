package progress

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// JSON writes a Snapshot line every interval while a phase runs, and one
// (with "done":true) when it ends: --progress json.
type JSON struct {
	c        counter
	interval time.Duration

	mu   sync.Mutex // one whole line at a time on w
	w    io.Writer
	stop chan struct{}
	wg   sync.WaitGroup
}

// NewJSON writes to w every interval (a second when 0).
func NewJSON(w io.Writer, interval time.Duration) *JSON {
	if interval <= 0 {
		interval = time.Second
	}
	return &JSON{w: w, interval: interval}
}

func (j *JSON) Start(phase string, messages int, bytes int64) {
	j.Done()
	j.c.begin(phase, messages, bytes)
	j.stop = make(chan struct{})
	j.wg.Add(1)
	go j.tick(j.stop)
}

func (j *JSON) tick(stop chan struct{}) {
	defer j.wg.Done()
	t := time.NewTicker(j.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			j.emit()
		case <-stop:
			return
		}
	}
}

func (j *JSON) Add(messages int, bytes int64) { j.c.add(messages, bytes) }

func (j *JSON) Done() {
	if !j.c.end() {
		return
	}
	close(j.stop)
	j.wg.Wait()
	j.emit()
}

func (j *JSON) Close() { j.Done() }

func (j *JSON) emit() {
	b, _ := json.Marshal(j.c.snapshot())
	j.Write(append(b, '\n'))
}

// Write passes log lines through, never inside a progress line.
func (j *JSON) Write(p []byte) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.w.Write(p)
}

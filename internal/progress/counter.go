package progress

import (
	"sync"
	"time"
)

// counter is the state of the current phase, shared by the goroutines
// that add to it and the one that shows it.
type counter struct {
	mu     sync.Mutex
	now    func() time.Time
	phase  string
	start  time.Time
	open   bool
	msgs   int
	bytes  int64
	tmsgs  int
	tbytes int64
}

// Snapshot is a phase's progress at one moment; it is also the JSON line
// of --progress json.
type Snapshot struct {
	Type          string `json:"type"` // always "progress"
	Phase         string `json:"phase"`
	Messages      int    `json:"messages"`
	MessagesTotal int    `json:"messages_total"` // 0: unknown
	Bytes         int64  `json:"bytes"`
	BytesTotal    int64  `json:"bytes_total"` // 0: unknown
	Rate          int64  `json:"rate_bytes_per_second"`
	// ETA is null while it cannot be estimated (no total, nothing done).
	ETA  *int64 `json:"eta_seconds"`
	Done bool   `json:"done,omitempty"`

	elapsed time.Duration
}

func (c *counter) begin(phase string, msgs int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now == nil {
		c.now = time.Now
	}
	c.phase, c.start, c.open = phase, c.now(), true
	c.msgs, c.bytes, c.tmsgs, c.tbytes = 0, 0, msgs, bytes
}

func (c *counter) add(msgs int, bytes int64) {
	c.mu.Lock()
	c.msgs += msgs
	c.bytes += bytes
	c.mu.Unlock()
}

// end closes the phase and reports whether one was open.
func (c *counter) end() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	was := c.open
	c.open = false
	return was
}

func (c *counter) snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Snapshot{Type: "progress", Phase: c.phase, Messages: c.msgs, MessagesTotal: c.tmsgs,
		Bytes: c.bytes, BytesTotal: c.tbytes, Done: !c.open}
	if c.now == nil {
		return s
	}
	s.elapsed = c.now().Sub(c.start)
	secs := s.elapsed.Seconds()
	if secs > 0 {
		s.Rate = int64(float64(c.bytes) / secs)
	}
	// What is left, at the pace so far: by bytes when both are known
	// (messages vary in size), else by messages.
	left := -1.0
	switch {
	case s.Done:
		left = 0
	case c.tbytes > 0 && c.bytes > 0:
		left = secs * float64(max(c.tbytes-c.bytes, 0)) / float64(c.bytes)
	case c.tmsgs > 0 && c.msgs > 0:
		left = secs * float64(max(c.tmsgs-c.msgs, 0)) / float64(c.msgs)
	}
	if left >= 0 {
		eta := int64(left + 0.5)
		s.ETA = &eta
	}
	return s
}

package pipeline

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/imapx/imapx/internal/session"
)

// Stats are imapsync's end-of-run statistics ("++++ Statistics"), in the
// report as "stats" and printed by PrintStats.
type Stats struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Transferred are the messages copied; Skipped those already on
	// host2; Duplicates the source duplicates not copied
	// (--skip-duplicates); NotSelected those message selection left out;
	// Failed those whose copy failed.
	Transferred      int   `json:"messages_transferred"`
	Skipped          int   `json:"messages_skipped"`
	Duplicates       int   `json:"messages_skipped_duplicates"`
	NotSelected      int   `json:"messages_not_selected"`
	Failed           int   `json:"messages_failed"`
	BytesTransferred int64 `json:"bytes_transferred"`
	BytesSkipped     int64 `json:"bytes_skipped"`
	// MessageRate is messages transferred per second, Bandwidth KiB/s.
	MessageRate    float64 `json:"message_rate"`
	Bandwidth      float64 `json:"bandwidth_kib_per_second"`
	Reconnections1 int     `json:"reconnections_host1"`
	Reconnections2 int     `json:"reconnections_host2"`
	// Throttled1 and Throttled2 count the commands each host refused as
	// throttling (waited for, re-dialed, resumed).
	Throttled1 int   `json:"throttled_host1"`
	Throttled2 int   `json:"throttled_host2"`
	Biggest    int64 `json:"biggest_message_transferred"`
	// StartDiff and EndDiff are host2 − host1 before the copy and at the
	// verify (nil when the run did not get there).
	StartDiff *Difference `json:"start_difference,omitempty"`
	EndDiff   *Difference `json:"final_difference,omitempty"`
	Errors    int         `json:"errors"`
	DryRun    bool        `json:"dry_run,omitempty"`
}

// Difference is host2 − host1. Bytes count the folders read: those the
// state vouched unchanged are counted in Messages only (PartialBytes).
type Difference struct {
	Messages     int   `json:"messages"`
	Bytes        int64 `json:"bytes"`
	PartialBytes bool  `json:"bytes_partial,omitempty"`
}

// msgStats gathers, as push reports each message, what the statistics
// need beyond push's summary.
type msgStats struct {
	mu      sync.Mutex
	failed  int
	biggest int64
}

func (m *msgStats) copied(size int64) {
	m.mu.Lock()
	m.biggest = max(m.biggest, size)
	m.mu.Unlock()
}

func (m *msgStats) fail() {
	m.mu.Lock()
	m.failed++
	m.mu.Unlock()
}

// finishStats fills the report's statistics once the run ended.
func (s *syncer) finishStats(start time.Time) {
	r := s.rep
	st := &r.Stats
	st.Start, st.End = start, time.Now()
	st.Transferred, st.BytesTransferred = r.Copied, r.CopiedBytes
	st.Skipped, st.BytesSkipped = r.Plan.Same, r.Plan.SameBytes
	st.Duplicates = r.Plan.Duplicates
	st.NotSelected = r.NotSelected
	st.Errors, st.DryRun = r.Errors, s.o.DryRun
	secs := max(st.End.Sub(start).Seconds(), 0.001)
	st.MessageRate = float64(r.Copied) / secs
	st.Bandwidth = float64(r.CopiedBytes) / 1024 / secs
	st.Reconnections1, st.Reconnections2 = s.reconnects[0].count(), s.reconnects[1].count()
	st.Throttled1, st.Throttled2 = s.reconnects[0].throttled(), s.reconnects[1].throttled()
	s.msgs.mu.Lock()
	st.Failed, st.Biggest = s.msgs.failed, s.msgs.biggest
	s.msgs.mu.Unlock()
	if s.planned {
		p := r.Plan
		st.StartDiff = &Difference{p.DstMessages - p.SrcMessages, p.DstBytes - p.SrcBytes, s.bytesPartial}
	}
	if v := r.Verify; v != nil {
		st.EndDiff = &Difference{v.DstMessages - v.SrcMessages, v.DstBytes - v.SrcBytes, s.bytesPartial}
	}
}

// reconnectCounter passes a side's log lines on and counts those saying
// a lost connection is being re-dialed (fetch, push and flags all say
// "reconnecting").
// Those whose cause was a throttling answer say so (session.ThrottleNote)
// and are counted as throttles too.
type reconnectCounter struct {
	w         io.Writer
	mu        sync.Mutex
	n, thrott int
}

func (c *reconnectCounter) Write(p []byte) (int, error) {
	if n := strings.Count(string(p), "; reconnecting"); n > 0 {
		c.mu.Lock()
		c.n += n
		c.thrott += strings.Count(string(p), session.ThrottleNote(session.ErrThrottled))
		c.mu.Unlock()
	}
	return c.w.Write(p)
}

func (c *reconnectCounter) throttled() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.thrott
}

func (c *reconnectCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// hostLog is the log for the stages working on host 1 or 2.
func (s *syncer) hostLog(host int) io.Writer { return &s.reconnects[host-1] }

// PrintStats prints imapsync's statistics block (its labels, which
// scripts grep).
func PrintStats(w io.Writer, r *Report) {
	st := &r.Stats
	p := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-40s: %s\n", label, fmt.Sprintf(format, args...))
	}
	fmt.Fprintln(w, "++++ Statistics")
	p("Transfer started on", "%s", st.Start.Format(statsTime))
	p("Transfer ended on", "%s", st.End.Format(statsTime))
	p("Transfer time", "%.1f sec", st.End.Sub(st.Start).Seconds())
	if st.DryRun {
		p("Messages transferred", "0 (could be %d without dry mode)", r.Plan.OnlySrc)
	} else {
		p("Messages transferred", "%d", st.Transferred)
	}
	p("Messages skipped", "%d", st.Skipped)
	p("Messages found duplicate on host1", "%d", st.Duplicates)
	p("Messages not selected", "%d", st.NotSelected)
	p("Messages failed", "%d", st.Failed)
	if v := r.Verify; v != nil {
		p("Messages found in host1 not in host2", "%d messages", v.OnlySrc)
		p("Messages found in host2 not in host1", "%d messages", v.OnlyDst)
	}
	p("Messages deleted on host1", "%d", r.Deleted1)
	p("Messages deleted on host2", "%d", r.Deleted2)
	p("Total bytes transferred", "%d (%s)", st.BytesTransferred, binBytes(st.BytesTransferred))
	p("Total bytes skipped", "%d (%s)", st.BytesSkipped, binBytes(st.BytesSkipped))
	p("Message rate", "%.1f messages/s", st.MessageRate)
	p("Average bandwidth rate", "%.1f KiB/s", st.Bandwidth)
	p("Reconnections to host1", "%d", st.Reconnections1)
	p("Reconnections to host2", "%d", st.Reconnections2)
	p("Throttled by host1", "%d", st.Throttled1)
	p("Throttled by host2", "%d", st.Throttled2)
	p("Biggest message transferred", "%d bytes (%s)", st.Biggest, binBytes(st.Biggest))
	diff := func(label string, d *Difference) {
		if d == nil {
			p(label, "NA")
			return
		}
		note := ""
		if d.PartialBytes {
			note = ", bytes of the folders read"
		}
		p(label, "%d messages, %d bytes (%s%s)", d.Messages, d.Bytes, binBytes(d.Bytes), note)
	}
	diff("Start difference host2 - host1", st.StartDiff)
	diff("Final difference host2 - host1", st.EndDiff)
	if !r.Verified {
		// The verdict, which says it otherwise, was not reached.
		fmt.Fprintf(w, "Detected %d errors\n", st.Errors)
	}
}

// statsTime is imapsync's date format for the transfer's start and end.
const statsTime = "Monday 02 January 2006-01-02 15:04:05 -0700 MST"

// binBytes shows a byte count as imapsync does: KiB below 1000 KiB, then
// MiB, GiB, TiB, three decimals.
func binBytes(n int64) string {
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB"} {
		v /= 1024
		if v > -1000 && v < 1000 {
			return fmt.Sprintf("%.3f %s", v, unit)
		}
	}
	return fmt.Sprintf("%.3f TiB", v/1024)
}

package progress

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vbauerster/mpb/v8"
)

// syncBuffer is a bytes.Buffer the ticker goroutine may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestJSONLines(t *testing.T) {
	var out syncBuffer
	j := NewJSON(&out, 10*time.Millisecond)
	j.Start("inventory", 0, 0)
	j.Add(3, 0)
	j.Start("copy", 4, 4000) // ends inventory
	j.Add(1, 1000)
	time.Sleep(35 * time.Millisecond) // a few ticks
	j.Add(1, 1000)
	j.Write([]byte("imapx: a log line\n"))
	j.Close()
	j.Close() // idempotent

	var lines []map[string]any
	var logs []string
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "{") {
			logs = append(logs, sc.Text())
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(logs) != 1 || logs[0] != "imapx: a log line" {
		t.Errorf("log lines = %q", logs)
	}
	keys := []string{"type", "phase", "messages", "messages_total", "bytes", "bytes_total", "rate_bytes_per_second", "eta_seconds"}
	for _, m := range lines {
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("line %v has no %q", m, k)
			}
		}
		if m["type"] != "progress" {
			t.Errorf("type = %v", m["type"])
		}
	}
	var ends []map[string]any
	ticks := 0
	for _, m := range lines {
		if m["done"] == true {
			ends = append(ends, m)
		} else if m["phase"] == "copy" {
			ticks++
			if m["eta_seconds"] == nil || m["messages_total"] != 4.0 || m["bytes_total"] != 4000.0 {
				t.Errorf("copy tick without ETA or totals: %v", m)
			}
		}
	}
	if ticks < 2 {
		t.Errorf("%d copy ticks in 35 ms at 10 ms, want ≥ 2:\n%s", ticks, out.String())
	}
	if len(ends) != 2 || ends[0]["phase"] != "inventory" || ends[0]["messages"] != 3.0 || ends[0]["eta_seconds"] != 0.0 {
		t.Fatalf("phase ends = %v", ends)
	}
	if e := ends[1]; e["phase"] != "copy" || e["messages"] != 2.0 || e["bytes"] != 2000.0 || e["rate_bytes_per_second"].(float64) <= 0 {
		t.Errorf("copy end = %v", e)
	}
}

func TestSnapshotETA(t *testing.T) {
	now := time.Unix(1000, 0)
	c := counter{now: func() time.Time { return now }}
	c.begin("copy", 10, 1000)
	if s := c.snapshot(); s.ETA != nil {
		t.Errorf("ETA before any work = %d, want unknown", *s.ETA)
	}
	c.add(2, 250)
	now = now.Add(5 * time.Second)
	s := c.snapshot()
	// By bytes: 250 in 5 s, 750 left: 15 s (by messages it would be 20 s).
	if s.ETA == nil || *s.ETA != 15 || s.Rate != 50 {
		t.Errorf("snapshot = %+v, want ETA 15 s at 50 B/s", s)
	}
	c.begin("inventory", 0, 0)
	c.add(100, 0)
	if s := c.snapshot(); s.ETA != nil {
		t.Errorf("ETA without totals = %d, want unknown", *s.ETA)
	}
}

func TestModes(t *testing.T) {
	var buf bytes.Buffer
	for _, mode := range []string{"", "auto", "none"} {
		d, err := New(mode, &buf) // a buffer is no terminal: nothing shown
		if err != nil {
			t.Fatal(err)
		}
		d.Start("copy", 1, 1)
		d.Add(1, 1)
		d.Write([]byte("log\n"))
		d.Close()
	}
	if buf.String() != "log\nlog\nlog\n" {
		t.Errorf("output = %q, want the log lines alone", buf.String())
	}
	if _, err := New("bars", &buf); err == nil {
		t.Error("--progress bars accepted")
	}
}

func TestTerminal(t *testing.T) {
	var out syncBuffer
	d := newTerminal(&out, mpb.WithAutoRefresh(), mpb.WithWidth(120)) // render though out is no terminal
	d.Start("copy", 2, 2048)
	d.Add(1, 1024)
	d.Write([]byte("imapx: between\n"))
	d.Add(1, 1024)
	d.Start("verify", 0, 0)
	d.Add(5, 0)
	d.Close()
	d.Write([]byte("imapx: after\n"))
	got := out.String()
	for _, want := range []string{"copy", "2/2 msgs", "2.0 KiB/2.0 KiB", "verify", "5 msgs", "imapx: between\n", "imapx: after\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output has no %q:\n%s", want, got)
		}
	}
}

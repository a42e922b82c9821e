package record

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// Lines written in pieces by several writers reach the shared writer
// whole, never interleaved within a line.
func TestLineWriterKeepsLinesWhole(t *testing.T) {
	var mu sync.Mutex
	var out bytes.Buffer
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b", "c"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := NewLineWriter(&mu, &out)
			for i := 0; i < 200; i++ {
				w.Write([]byte(name + name))
				w.Write([]byte(name + "\n" + name))
				w.Write([]byte(name))
			}
			w.Write([]byte("\n"))
			w.Flush()
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3*201 {
		t.Fatalf("%d lines, want %d", len(lines), 3*201)
	}
	for _, l := range lines {
		if l != "" && strings.Trim(l, l[:1]) != "" {
			t.Fatalf("line %q mixes writers", l)
		}
	}
}

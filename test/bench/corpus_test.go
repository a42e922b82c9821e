package main

import (
	"bytes"
	"math"
	"testing"
)

func TestCorpusShape(t *testing.T) {
	msgs, folders, st := buildCorpus(1.0)
	t.Log(st)
	if len(msgs) != 5097 || st.messages != 5097 {
		t.Errorf("%d messages, want 5,097", len(msgs))
	}
	if d := math.Abs(float64(st.bytes)/(91<<20) - 1); d > 0.02 {
		t.Errorf("%d bytes, want about 91 MB", st.bytes)
	}
	if len(folders) != 14 {
		t.Errorf("%d folders, want 14", len(folders))
	}
	used := map[string]bool{}
	for _, m := range msgs {
		used[m.Folder] = true
	}
	if len(used) != 14 {
		t.Errorf("messages in %d folders, want 14", len(used))
	}
	if st.max > 12<<20 || st.max < 11<<20 || st.overMB < 5 || st.p50 > 8<<10 || st.dups == 0 || st.noMsgID == 0 || st.kw == 0 {
		t.Errorf("shape %v", st)
	}
}

func TestCorpusDeterministic(t *testing.T) {
	a, _, _ := buildCorpus(0.05)
	b, _, _ := buildCorpus(0.05)
	for i := range a {
		if !bytes.Equal(a[i].Raw, b[i].Raw) || a[i].Folder != b[i].Folder || !a[i].Date.Equal(b[i].Date) {
			t.Fatalf("message %d differs between two builds", i)
		}
	}
}

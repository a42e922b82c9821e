package extsort

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// Records come out in key order whether they stayed in memory or were
// spilled to runs and merged, values with their keys, and the sorter is
// empty and reusable afterwards.
func TestSortInMemoryAndSpilled(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var keys []string
	for i := range 5000 {
		keys = append(keys, fmt.Sprintf("%x-%d", r.Uint32(), i))
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	for _, limit := range []int{1 << 30, 1 << 10} {
		s := &Sorter{limit: limit}
		for round := range 2 {
			for _, k := range keys {
				if err := s.Add([]byte(k), []byte("v"+k)); err != nil {
					t.Fatal(err)
				}
			}
			if limit < 1<<20 && len(s.runs) == 0 {
				t.Fatal("a small limit must spill")
			}
			var got []string
			err := s.Each(func(k, v []byte) error {
				if !bytes.Equal(v, append([]byte("v"), k...)) {
					t.Fatalf("value %q with key %q", v, k)
				}
				got = append(got, string(k))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("limit %d round %d: %d records out of order", limit, round, len(got))
			}
			if len(s.recs) != 0 || len(s.runs) != 0 {
				t.Fatal("Each must leave the sorter empty")
			}
		}
	}
}

// A Reader returns the records of a run in order and ends cleanly at the
// end of its input, but a record cut short is an error, not an end.
func TestReader(t *testing.T) {
	var b []byte
	for _, kv := range [][2]string{{"a", "1"}, {"", ""}, {"key", "a longer value"}} {
		b = binary.AppendUvarint(b, uint64(len(kv[0])))
		b = binary.AppendUvarint(b, uint64(len(kv[1])))
		b = append(append(b, kv[0]...), kv[1]...)
	}
	r := NewReader(bytes.NewReader(b))
	var got []string
	for {
		k, v, ok, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, string(k)+"="+string(v))
	}
	if want := []string{"a=1", "=", "key=a longer value"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	r = NewReader(bytes.NewReader(b[:len(b)-1]))
	var err error
	for ok := true; ok && err == nil; {
		_, _, ok, err = r.Next()
	}
	if err == nil {
		t.Fatal("a truncated record must be an error")
	}
}

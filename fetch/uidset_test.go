package fetch

import (
	"testing"

	"github.com/emersion/go-imap/v2"
)

// The set answers the same in its bitmap and outside it, counts each UID
// once, and falls back to a map for UIDs too sparse for a bitmap.
func TestUIDSet(t *testing.T) {
	for _, uids := range [][]imap.UID{{5, 3, 9, 4}, {1, 1 << 30}} {
		var s uidSet
		s.span(uids)
		for _, u := range append(uids, 2, 100, 1<<31) {
			if s.has(u) {
				t.Fatalf("%v: %d before add", uids, u)
			}
			s.add(u)
			s.add(u)
			if !s.has(u) {
				t.Fatalf("%v: %d not there after add", uids, u)
			}
		}
		if s.len() != len(uids)+3 {
			t.Fatalf("%v: len %d", uids, s.len())
		}
	}
	var dense uidSet
	dense.span([]imap.UID{5, 3, 9, 4})
	if dense.bits == nil {
		t.Fatal("dense UIDs: want a bitmap")
	}
	var sparse uidSet
	sparse.span([]imap.UID{1, 1 << 30})
	if sparse.bits != nil {
		t.Fatal("sparse UIDs: want no bitmap")
	}
}

package fetch

import (
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestChunkKeepsCommandLinesShort(t *testing.T) {
	var sparse, dense []imap.UID
	for u := imap.UID(1); u <= 20000; u++ {
		dense = append(dense, u)
		if u%2 == 1 {
			sparse = append(sparse, u+100000)
		}
	}
	for name, uids := range map[string][]imap.UID{"dense": dense, "sparse": sparse} {
		total := 0
		for _, c := range chunk(uids, 2000) {
			if len(c) == 0 || len(c) > 2000 {
				t.Fatalf("%s: chunk of %d UIDs", name, len(c))
			}
			if l := len(imap.UIDSetNum(c...).String()); l > 6100 {
				t.Fatalf("%s: UID set of %d bytes", name, l)
			}
			total += len(c)
		}
		if total != len(uids) {
			t.Fatalf("%s: chunks hold %d of %d UIDs", name, total, len(uids))
		}
	}
	if n := len(chunk(dense, 2000)); n != 10 {
		t.Errorf("dense: %d chunks, want 10", n)
	}
}

package pipeline

import (
	"fmt"
	"testing"

	"github.com/imapx/imapx/internal/extsort"
)

// A table spilled to runs finds every key, in UID order, out of order
// (its cursor starts over) and past its end, and none it does not hold.
func TestTableLookup(t *testing.T) {
	defer func(m int) { extsort.Memory = m }(extsort.Memory)
	extsort.Memory = 1 << 10
	s := extsort.New()
	for _, f := range []string{"INBOX", "Archive/2023", "x"} {
		for uid := uint32(1); uid <= 300; uid += 2 {
			s.Add(appendMsgKey(nil, msgKey{f, 7, uid}), []byte(fmt.Sprintf("%s#%d", f, uid)))
		}
	}
	tb, err := newTable(s)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	for _, uid := range []uint32{1, 3, 299, 401, 5, 2, 151} {
		v, ok := tb.lookupString(msgKey{"Archive/2023", 7, uid})
		if want := uid%2 == 1 && uid < 300; ok != want || ok && v != fmt.Sprintf("Archive/2023#%d", uid) {
			t.Fatalf("UID %d: %q %v", uid, v, ok)
		}
	}
	if _, ok := tb.lookupString(msgKey{"INBOX", 8, 1}); ok {
		t.Fatal("another UIDVALIDITY must not match")
	}
	n := 0
	for it := tb.iter(); ; n++ {
		ok, err := it.next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
	}
	if n != 450 {
		t.Fatalf("iter read %d records, want 450", n)
	}
}

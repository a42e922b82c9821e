package links

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/imapx/imapx/internal/record"
)

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "links.jsonl")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Add("INBOX", 5, 9, "h:src"); err != nil {
		t.Fatal(err)
	}
	l.Close()
	// A line cut short by a crash is ignored.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"folder":"INBOX","uidvali`)
	f.Close()
	l, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	m := &record.Message{Folder: "INBOX", UIDValidity: 5, UID: 9, Ident: "h:dst"}
	if !l.Apply(m) || m.Ident != "h:src" {
		t.Errorf("linked: %+v", m)
	}
	// Another UIDVALIDITY: the link is not used.
	m = &record.Message{Folder: "INBOX", UIDValidity: 6, UID: 9, Ident: "h:dst"}
	if l.Apply(m) || m.Ident != "h:dst" {
		t.Errorf("other UIDVALIDITY: %+v", m)
	}
	var none *Links
	if none.Apply(m) || none.Add("a", 1, 1, "x") != nil {
		t.Error("nil links")
	}
}

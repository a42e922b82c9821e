package journal

import (
	"os"
	"path/filepath"
	"testing"
)

// Entries left open survive the run that wrote them (a kill), settled ones
// do not, a line cut short by a kill is skipped, and Close leaves only
// what is still open.
func TestLeftOpenAcrossRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pair.journal")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := new(int), new(int), new(int)
	j.Sending(a, "INBOX", "h:1", 10)
	j.Sending(b, "Sent", "h:2", 20)
	j.Sending(b, "Sent", "h:2", 20) // sent again after a cut: one entry
	j.Sending(c, "INBOX", "h:3", 30)
	j.Settled(a)
	j.Settled(new(int)) // unknown: ignored
	// Killed here: the file is as written, with half a line at its end.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"op":"+","id":"x`)
	f.Close()

	j2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	left := j2.Left()
	if len(left) != 2 || left[0].Folder != "Sent" || left[0].Size != 20 || left[1].Ident != "h:3" {
		t.Fatalf("left = %+v, want the Sent and h:3 entries", left)
	}
	d := new(int)
	j2.Sending(d, "INBOX", "h:4", 40) // this run's, never answered
	j2.KeepLeft(left[1:])             // Sent was checked
	if err := j2.Close(); err != nil {
		t.Fatal(err)
	}
	j3, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if left := j3.Left(); len(left) != 2 || left[0].Ident != "h:3" || left[1].Ident != "h:4" {
		t.Fatalf("after Close, left = %+v", left)
	}
	j3.KeepLeft(nil)
	j3.Close()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("journal with nothing open not removed: %v", err)
	}
}

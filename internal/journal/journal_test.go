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
	j.Sending(a, "INBOX", "h:1", "", 10)
	j.Sending(b, "Sent", "h:2", "", 20)
	j.Sending(b, "Sent", "h:2", "", 20) // sent again after a cut: one entry
	j.Sending(c, "INBOX", "h:3", "", 30)
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
	j2.Sending(d, "INBOX", "h:4", "", 40) // this run's, never answered
	j2.KeepLeft(left[1:])                 // Sent was checked
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

// An APPEND whose bytes had another identity than their source's (a
// rewrite) is recorded with both; the next run claims one message of that
// folder, identity and size for each such entry, and the same message
// again gets the same answer.
func TestClaimRewrittenCopy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pair.journal")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := new(int), new(int), new(int)
	j.Sending(a, "INBOX", "h:src1", "h:sent", 100)
	j.Sending(b, "INBOX", "h:src2", "h:sent", 100) // two sources, same bytes' identity
	j.Sending(c, "INBOX", "h:src3", "", 50)        // identity unchanged: nothing to claim
	j.f.Close()                                    // killed: nothing settled

	j2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	type uid struct{ n int }
	if _, ok := j2.Claim(uid{9}, "INBOX", "h:src3", 50); ok {
		t.Fatal("an entry whose identity did not change claimed a message")
	}
	if _, ok := j2.Claim(uid{9}, "INBOX", "h:sent", 99); ok {
		t.Fatal("a message of another size claimed")
	}
	if _, ok := j2.Claim(uid{9}, "Sent", "h:sent", 100); ok {
		t.Fatal("a message of another folder claimed")
	}
	id1, ok1 := j2.Claim(uid{1}, "INBOX", "h:sent", 100)
	id2, ok2 := j2.Claim(uid{2}, "INBOX", "h:sent", 100)
	again, ok3 := j2.Claim(uid{1}, "INBOX", "h:sent", 100)
	_, ok4 := j2.Claim(uid{3}, "INBOX", "h:sent", 100)
	if !ok1 || !ok2 || !ok3 || ok4 || id1 != "h:src1" || id2 != "h:src2" || again != id1 {
		t.Fatalf("claims: %q %v, %q %v, again %q %v, third %v", id1, ok1, id2, ok2, again, ok3, ok4)
	}
	left := j2.Left()
	if !j2.Claimed(left[0].ID) || !j2.Claimed(left[1].ID) || j2.Claimed(left[2].ID) {
		t.Fatalf("claimed entries wrong: %+v", left)
	}
	var nilJ *Journal
	if _, ok := nilJ.Claim(uid{1}, "INBOX", "h:sent", 100); ok || nilJ.Claimed("x") {
		t.Fatal("a nil journal claimed")
	}
}

// An APPEND in doubt (cut off unanswered, not found, sent again) leaves
// its entry to this run's check and to later runs, whatever becomes of
// the APPEND sent again; that one gets an entry of its own.
func TestDoubtOutlivesResend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pair.journal")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	a, b := new(int), new(int)
	j.Sending(a, "INBOX", "h:1", "", 10)
	j.Sending(b, "INBOX", "h:2", "", 20)
	j.Doubt(a)
	j.Doubt(new(int)) // unknown: ignored
	if left := j.Left(); len(left) != 1 || left[0].Ident != "h:1" {
		t.Fatalf("left after Doubt = %+v, want the h:1 entry", left)
	}
	j.Sending(a, "INBOX", "h:1", "", 10) // sent again
	j.Settled(a)                         // and answered
	j.Settled(b)
	// Killed here: the first h:1 entry is still open in the file.
	j2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if left := j2.Left(); len(left) != 1 || left[0].Ident != "h:1" || left[0].Size != 10 {
		t.Fatalf("next run's left = %+v, want the h:1 entry in doubt", left)
	}
	j2.Close()
	// Not killed: Close keeps the doubt for the next run too.
	j.Close()
	j3, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if left := j3.Left(); len(left) != 1 || left[0].Ident != "h:1" {
		t.Fatalf("after Close, left = %+v, want the h:1 entry in doubt", left)
	}
	j3.Close()
}

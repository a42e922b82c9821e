package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInventoriesRoundTripAndRefusals(t *testing.T) {
	dir := t.TempDir()
	v := InventoriesOf(filepath.Join(dir, "abc.json"), "fp")
	st := Status{UIDValidity: 7, UIDNext: 4, Messages: 3, HighestModSeq: 9}
	w, err := v.Create("src", "INBOX", st)
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{`{"type":"message","folder":"INBOX","uid":1}`, `{"type":"message","folder":"INBOX","uid":2}`, `{"type":"message","folder":"INBOX","uid":3}`}
	for _, l := range lines {
		w.Message([]byte(l))
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	inv, ok := v.Open("src", "INBOX")
	if !ok || inv.Status != st {
		t.Fatalf("Open: %v %+v", ok, inv)
	}
	var got []string
	if err := inv.Each(func(b []byte) error { got = append(got, string(b)); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\n") != strings.Join(lines, "\n") {
		t.Fatalf("Each gave:\n%s", strings.Join(got, "\n"))
	}
	// Another side, folder or options: none.
	if _, ok := v.Open("dst", "INBOX"); ok {
		t.Error("dst opened src's inventory")
	}
	if _, ok := InventoriesOf(filepath.Join(dir, "abc.json"), "other").Open("src", "INBOX"); ok {
		t.Error("opened with other options")
	}
	// Edited, or cut short: refused.
	p := v.path("src", "INBOX")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(b), `"uid":2`, `"uid":5`, 1)), 0o600)
	if _, ok := v.Open("src", "INBOX"); ok {
		t.Error("an edited inventory opened")
	}
	os.WriteFile(p, b[:len(b)-30], 0o600)
	if _, ok := v.Open("src", "INBOX"); ok {
		t.Error("a truncated inventory opened")
	}
	os.WriteFile(p, b, 0o600)
	if _, ok := v.Open("src", "INBOX"); !ok {
		t.Error("the restored inventory did not open")
	}
}

// A new inventory replaces the old one (moved aside, then removed), and
// reads back what was written at the offsets Message gave.
func TestInventoryReplaceAndReadAt(t *testing.T) {
	dir := t.TempDir()
	v := InventoriesOf(filepath.Join(dir, "abc.json"), "fp")
	for round, uid := range []string{"1", "2"} {
		w, err := v.Create("dst", "INBOX", Status{UIDValidity: 7, UIDNext: 3, Messages: 1, HighestModSeq: 9})
		if err != nil {
			t.Fatal(err)
		}
		line := `{"type":"message","folder":"INBOX","uid":` + uid + `}`
		off := w.Message([]byte(line))
		w.Message([]byte(`{"type":"message","folder":"INBOX","uid":99}`))
		back, err := w.ReadAt(off, len(line))
		if err != nil || string(back) != line {
			t.Fatalf("round %d: ReadAt gave %q, %v", round, back, err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		inv, ok := v.Open("dst", "INBOX")
		if !ok || inv.Messages != 2 {
			t.Fatalf("round %d: Open %v %+v", round, ok, inv)
		}
		var first string
		inv.Each(func(b []byte) error {
			if first == "" {
				first = string(b)
			}
			return nil
		})
		if first != line {
			t.Fatalf("round %d: first record %q", round, first)
		}
	}
	// What a run's end left aside goes with the next run's start.
	p := v.path("dst", "INBOX") + oldSuffix
	os.WriteFile(p, []byte("x"), 0o600)
	InventoriesOf(filepath.Join(dir, "abc.json"), "fp")
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(p); os.IsNotExist(err) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("an inventory moved aside was not removed")
}

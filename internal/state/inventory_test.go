package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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

//go:build unix

package runlock

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSlotsCapRunsPerServer(t *testing.T) {
	dir := t.TempDir()
	servers := []string{"imap.example:143", "IMAP.example:143", "other:993"}
	a, err := TakeSlots(context.Background(), dir, 2, servers, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.held) != 2 {
		t.Fatalf("held %d slots, want one per server (2)", len(a.held))
	}
	b, err := TakeSlots(context.Background(), dir, 2, servers[:1], nil)
	if err != nil {
		t.Fatal(err)
	}
	// Both slots of imap.example are taken: a third run waits.
	waited := ""
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, err := TakeSlots(ctx, dir, 2, servers[:1], func(s string) { waited = s }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third run: %v, want it to wait", err)
	}
	if waited != "imap.example:143" {
		t.Errorf("waiting told %q", waited)
	}
	b.Release()
	c, err := TakeSlots(context.Background(), dir, 2, servers[:1], nil)
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	c.Release()
	a.Release()
}

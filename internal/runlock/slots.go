package runlock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Slots caps how many runs work on one server at once on this machine
// (mass migration: at most n accounts per server, however many jobs the
// scheduler starts). A run holds one of n flock(2)'d slot files per
// server; the kernel frees a slot when its run dies, however it dies.
type Slots struct{ held []*os.File }

// TakeSlots takes one of n slots in dir for each server (deduplicated,
// taken in sorted order so that two runs never wait on each other),
// waiting for a free one; waiting is told each server it waits for.
func TakeSlots(ctx context.Context, dir string, n int, servers []string, waiting func(server string)) (*Slots, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for _, s := range servers {
		keys[strings.ToLower(s)] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	s := &Slots{}
	for _, server := range sorted {
		f, err := takeSlot(ctx, dir, server, n, waiting)
		if err != nil {
			s.Release()
			return nil, err
		}
		s.held = append(s.held, f)
	}
	return s, nil
}

func takeSlot(ctx context.Context, dir, server string, n int, waiting func(string)) (*os.File, error) {
	h := sha256.Sum256([]byte(server))
	base := filepath.Join(dir, hex.EncodeToString(h[:8]))
	told := false
	for {
		for i := 0; i < n; i++ {
			f, err := os.OpenFile(fmt.Sprintf("%s.%d", base, i), os.O_RDWR|os.O_CREATE, 0o600)
			if err != nil {
				return nil, err
			}
			if err := lock(f); err == nil {
				return f, nil
			} else if err != errHeld {
				f.Close()
				return nil, err
			}
			f.Close()
		}
		if !told && waiting != nil {
			waiting(server)
			told = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Release frees the slots (the files stay: other runs lock them).
func (s *Slots) Release() {
	if s == nil {
		return
	}
	for _, f := range s.held {
		f.Close()
	}
	s.held = nil
}

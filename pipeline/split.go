package pipeline

import (
	"io"
	"sort"

	"github.com/imapx/imapx/internal/record"
)

// perMessageWeight is what one message costs the destination beyond its
// bytes (a file created, an index updated), in bytes: small messages are
// counted by number, big ones by size, when folders are shared out.
const perMessageWeight = 16 << 10

// splitPlan shares a plan's copy and create_folder ops out into at most n
// plans, whole destination folders each, balanced by weight. Copies run
// one per connection pair: a server serialises the APPENDs into one folder
// (Dovecot locks its index), so parallel copies go to different folders.
func splitPlan(plan io.Reader, n int) ([]*tempFile, error) {
	type line struct {
		folder string
		js     []byte
	}
	var ops []line
	var folders []string
	weight := map[string]int64{}
	err := readScratch(plan, "plan").Each(func(l *record.Line) error {
		var op record.Op
		if err := l.DecodeOnly(&op); err != nil {
			return err
		}
		if op.Op != record.OpCopy && op.Op != record.OpCreateFolder || op.Dst == nil {
			return nil
		}
		f := op.Dst.Folder
		if _, seen := weight[f]; !seen {
			folders = append(folders, f)
			weight[f] = 0
		}
		if op.Op == record.OpCopy {
			weight[f] += op.Size + perMessageWeight
		}
		ops = append(ops, line{f, append([]byte(nil), l.JSON...)})
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Heaviest folders first, each to the lightest part so far.
	byWeight := append([]string(nil), folders...)
	sort.SliceStable(byWeight, func(i, j int) bool { return weight[byWeight[i]] > weight[byWeight[j]] })
	n = max(1, min(n, len(folders)))
	load := make([]int64, n)
	part := map[string]int{}
	for _, f := range byWeight {
		best := 0
		for i := range load {
			if load[i] < load[best] {
				best = i
			}
		}
		part[f] = best
		load[best] += weight[f]
	}

	parts := make([]*tempFile, n)
	writers := make([]*record.Writer, n)
	for i := range parts {
		t, err := newTemp("imapx-plan-part-*.jsonl")
		if err != nil {
			closeParts(parts)
			return nil, err
		}
		parts[i], writers[i] = t, record.NewWriter(t)
	}
	for _, op := range ops {
		if err := writers[part[op.folder]].WriteLine(op.js); err != nil {
			closeParts(parts)
			return nil, err
		}
	}
	for _, w := range writers {
		if err := w.Flush(); err != nil {
			closeParts(parts)
			return nil, err
		}
	}
	return parts, nil
}

func closeParts(parts []*tempFile) {
	for _, p := range parts {
		if p != nil {
			p.Close()
		}
	}
}

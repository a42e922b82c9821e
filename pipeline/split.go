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
// The plan is read twice, once to weigh the folders, once to deal its
// lines out, so that memory holds the folders, never the ops.
func splitPlan(plan io.ReadSeeker, n int) ([]*tempFile, error) {
	var folders []string
	weight := map[string]int64{}
	err := eachCopyOp(plan, func(f string, op *splitOp, _ []byte) error {
		if _, seen := weight[f]; !seen {
			folders = append(folders, f)
			weight[f] = 0
		}
		if op.Op == record.OpCopy {
			weight[f] += op.Size + perMessageWeight
		}
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
	if _, err := plan.Seek(0, io.SeekStart); err != nil {
		closeParts(parts)
		return nil, err
	}
	err = eachCopyOp(plan, func(f string, _ *splitOp, js []byte) error {
		return writers[part[f]].WriteLine(js)
	})
	if err != nil {
		closeParts(parts)
		return nil, err
	}
	for _, w := range writers {
		if err := w.Flush(); err != nil {
			closeParts(parts)
			return nil, err
		}
	}
	return parts, nil
}

// splitOp is what splitPlan needs of an op: decoding no more keeps the
// two readings of a big plan cheap.
type splitOp struct {
	Op  string `json:"op"`
	Dst *struct {
		Folder string `json:"folder"`
	} `json:"dst"`
	Size int64 `json:"size"`
}

// eachCopyOp calls f with the destination folder, the op and the line of
// every copy and create_folder op of a plan.
func eachCopyOp(plan io.Reader, f func(folder string, op *splitOp, js []byte) error) error {
	return readScratch(plan, "plan").Each(func(l *record.Line) error {
		var op splitOp
		if err := l.DecodeOnly(&op); err != nil {
			return err
		}
		if op.Op != record.OpCopy && op.Op != record.OpCreateFolder || op.Dst == nil {
			return nil
		}
		return f(op.Dst.Folder, &op, l.JSON)
	})
}

func closeParts(parts []*tempFile) {
	for _, p := range parts {
		if p != nil {
			p.Close()
		}
	}
}

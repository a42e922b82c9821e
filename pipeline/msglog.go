package pipeline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/imapx/imapx/internal/record"
)

// resultLog passes a stage's result lines on to w and writes one line per
// message (copied, failed, flags changed, deleted) to the run's message
// log (Options.MessageLog), as imapsync's log file holds them. The stages
// write whole lines (record.LineWriter, record.Writer's flushes may cut a
// line: the tail is kept for the next write).
type resultLog struct {
	w    io.Writer
	s    *syncer
	host int
	// flags, for a plan's flags ops, gives what changes on each message.
	flags map[record.Ref]string
	mu    sync.Mutex
	buf   []byte
}

// results wraps w, the output of a stage writing to host (1 or 2); plan,
// if given, names the flag changes.
func (s *syncer) results(w io.Writer, host int, plan *tempFile) io.Writer {
	r := &resultLog{w: w, s: s, host: host}
	if plan != nil && s.o.MessageLog != nil {
		r.flags = flagChanges(plan.readAt())
	}
	return r
}

func (r *resultLog) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.buf = append(r.buf, p...)
	for {
		i := bytes.IndexByte(r.buf, '\n')
		if i < 0 {
			break
		}
		r.line(r.buf[:i])
		r.buf = r.buf[i+1:]
	}
	r.buf = append([]byte(nil), r.buf...)
	r.mu.Unlock()
	return r.w.Write(p)
}

func (r *resultLog) line(js []byte) {
	var res record.Result
	if json.Unmarshal(js, &res) != nil || res.Type != record.TypeResult {
		return
	}
	src, dst := res.Src, res.Dst
	if dst == nil {
		dst = &record.Ref{}
	}
	failed := res.Error != "" || !res.OK
	if res.Op == "append" && !res.DryRun {
		if failed {
			r.s.msgs.fail()
		} else {
			r.s.msgs.copied(res.Size)
		}
	}
	w := r.s.o.MessageLog
	if w == nil {
		return
	}
	why := ""
	if res.Error != "" {
		why = ": " + res.Error
	}
	host := fmt.Sprintf("Host%d", r.host)
	switch {
	case res.Op == "append" && failed:
		fmt.Fprintf(w, "msg %s {%d} not copied to %s%s\n", msgName(src), res.Size, dst.Folder, why)
	case res.Op == "append" && res.DryRun:
		fmt.Fprintf(w, "msg %s {%d} would be copied to %s (dry run)\n", msgName(src), res.Size, dst.Folder)
	case res.Op == "append":
		fmt.Fprintf(w, "msg %s {%d} copied to %s\n", msgName(src), res.Size, msgName(dst))
	case res.Op == record.OpCreateFolder && failed:
		fmt.Fprintf(w, "%s: folder %s not created%s\n", host, dst.Folder, why)
	case res.Op == record.OpCreateFolder:
		fmt.Fprintf(w, "%s: folder %s created\n", host, dst.Folder)
	case res.Op == record.OpFlags && failed:
		fmt.Fprintf(w, "%s: flags msg %s not changed%s\n", host, msgName(dst), why)
	case res.Op == record.OpFlags:
		fmt.Fprintf(w, "%s: flags msg %s changed: %s\n", host, msgName(dst), r.flags[refKey(dst)])
	case res.Op == record.OpDelete && failed:
		fmt.Fprintf(w, "%s: msg %s not deleted%s\n", host, msgName(dst), why)
	case res.Op == record.OpDelete:
		fmt.Fprintf(w, "%s: msg %s deleted\n", host, msgName(dst))
	case res.Op == record.OpDeleteFolder && failed:
		fmt.Fprintf(w, "%s: folder %s not deleted%s\n", host, dst.Folder, why)
	case res.Op == record.OpDeleteFolder:
		fmt.Fprintf(w, "%s: folder %s deleted\n", host, dst.Folder)
	}
}

// msgName is imapsync's "folder/uid".
func msgName(r *record.Ref) string {
	if r == nil {
		return "?"
	}
	if r.UID == 0 {
		return r.Folder
	}
	return fmt.Sprintf("%s/%d", r.Folder, r.UID)
}

func refKey(r *record.Ref) record.Ref { return record.Ref{Folder: r.Folder, UID: r.UID} }

// flagChanges reads a plan's flags ops: "+\Seen -\Flagged" per message.
func flagChanges(plan io.Reader) map[record.Ref]string {
	m := map[record.Ref]string{}
	sc := bufio.NewScanner(plan)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var op record.Op
		if json.Unmarshal(sc.Bytes(), &op) != nil || op.Op != record.OpFlags || op.Dst == nil {
			continue
		}
		var ch []string
		for _, f := range op.FlagsAdd {
			ch = append(ch, "+"+f)
		}
		for _, f := range op.FlagsRemove {
			ch = append(ch, "-"+f)
		}
		m[refKey(op.Dst)] = strings.Join(ch, " ")
	}
	return m
}

// logSkipped gives diff the log file's line for each message already on
// host2 or left out as a duplicate (nil without a log file).
func (s *syncer) logSkipped() func(src record.Ref, dst *record.Ref, size int64) {
	w := s.o.MessageLog
	if w == nil {
		return nil
	}
	return func(src record.Ref, dst *record.Ref, size int64) {
		if dst == nil {
			fmt.Fprintf(w, "msg %s {%d} skipped: duplicate on host1\n", msgName(&src), size)
			return
		}
		fmt.Fprintf(w, "msg %s {%d} skipped: already on host2 as %s\n", msgName(&src), size, msgName(dst))
	}
}

package format

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/stream"
	"github.com/imapx/imapx/internal/table"
)

// tableOut prints one line per record. Folder records are collected and
// printed as list's folder table at the end.
type tableOut struct {
	out     io.Writer
	tw      *tabwriter.Writer
	header  string
	folders []record.Folder
}

func newTableOut(out io.Writer) *tableOut {
	return &tableOut{out: out, tw: table.New(out)}
}

func (t *tableOut) head(h string) {
	if t.header != h {
		t.header = h
		fmt.Fprintln(t.tw, h)
	}
}

func (t *tableOut) item(it *stream.Item) error {
	switch it.Type {
	case record.TypeMessage:
		m := it.Msg
		t.head("FOLDER\tUID\tDATE\tSIZE\tFLAGS\tMESSAGE-ID\t")
		fmt.Fprintf(t.tw, "%s\t%d\t%s\t%d\t%s\t%s\t\n", m.Folder, m.UID, m.InternalDate.UTC().Format(time.DateTime),
			m.Size, strings.Join(m.Flags, " "), m.MessageID)
	case record.TypeFolder:
		var f record.Folder
		if err := it.Line.Decode(&f); err != nil {
			return err
		}
		t.folders = append(t.folders, f)
	case record.TypeOp:
		var op record.Op
		if err := it.Line.Decode(&op); err != nil {
			return err
		}
		t.head("OP\tSOURCE\tDESTINATION\tDETAIL\t")
		fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t\n", op.Op, op.Src.String(), op.Dst.String(), opDetail(&op))
	case record.TypeResult:
		var r record.Result
		if err := it.Line.Decode(&r); err != nil {
			return err
		}
		t.head("RESULT\tOP\tSOURCE\tDESTINATION\tERROR\t")
		status := "ok"
		switch {
		case !r.OK:
			status = "FAILED"
		case r.DryRun:
			status = "dry-run"
		}
		fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t%s\t\n", status, r.Op, r.Src.String(), r.Dst.String(), r.Error)
	default:
		return it.Errorf("unknown record type %q", it.Type)
	}
	return nil
}

func (t *tableOut) close() error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	if len(t.folders) > 0 {
		if t.header != "" {
			fmt.Fprintln(t.out)
		}
		return table.Folders(t.out, t.folders)
	}
	return nil
}

func opDetail(op *record.Op) string {
	var parts []string
	for _, f := range op.FlagsAdd {
		parts = append(parts, "+"+f)
	}
	for _, f := range op.FlagsRemove {
		parts = append(parts, "-"+f)
	}
	if op.Op == record.OpCopy {
		parts = append(parts, table.Bytes(op.Size))
	}
	return strings.Join(parts, " ")
}

// summaryOut counts messages per folder: count, bytes, date range and a
// histogram of flags.
type summaryOut struct {
	out   io.Writer
	stats map[string]*folderStats
	order []string
}

type folderStats struct {
	n             int
	bytes         int64
	first, last   time.Time
	flags         map[string]int
	dups, noMsgID int
	idents        map[string]int
}

func newSummaryOut(out io.Writer) *summaryOut {
	return &summaryOut{out: out, stats: map[string]*folderStats{}}
}

func (s *summaryOut) item(it *stream.Item) error {
	if it.Msg == nil {
		return nil
	}
	m := it.Msg
	st := s.stats[m.Folder]
	if st == nil {
		st = &folderStats{flags: map[string]int{}, idents: map[string]int{}}
		s.stats[m.Folder] = st
		s.order = append(s.order, m.Folder)
	}
	st.n++
	st.bytes += m.Size
	if st.first.IsZero() || m.InternalDate.Before(st.first) {
		st.first = m.InternalDate
	}
	if m.InternalDate.After(st.last) {
		st.last = m.InternalDate
	}
	for _, f := range m.Flags {
		st.flags[f]++
	}
	if m.MessageID == "" {
		st.noMsgID++
	}
	if m.Ident != "" {
		st.idents[m.Ident]++
		if st.idents[m.Ident] > 1 {
			st.dups++
		}
	}
	return nil
}

func (s *summaryOut) close() error {
	sort.Strings(s.order)
	tw := table.New(s.out)
	fmt.Fprintln(tw, "FOLDER\tMESSAGES\tSIZE\tOLDEST\tNEWEST\tDUPLICATES\tNO MESSAGE-ID\tFLAGS\t")
	var n, dups, noID int
	var bytes int64
	all := map[string]int{}
	for _, name := range s.order {
		st := s.stats[name]
		n, bytes, dups, noID = n+st.n, bytes+st.bytes, dups+st.dups, noID+st.noMsgID
		for f, c := range st.flags {
			all[f] += c
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%d\t%s\t\n", name, st.n, table.Bytes(st.bytes),
			day(st.first), day(st.last), st.dups, st.noMsgID, histogram(st.flags))
	}
	fmt.Fprintf(tw, "%d folders\t%d\t%s\t\t\t%d\t%d\t%s\t\n", len(s.order), n, table.Bytes(bytes), dups, noID, histogram(all))
	return tw.Flush()
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateOnly)
}

func histogram(flags map[string]int) string {
	names := make([]string, 0, len(flags))
	for f := range flags {
		names = append(names, f)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, f := range names {
		parts[i] = fmt.Sprintf("%s:%d", f, flags[f])
	}
	return strings.Join(parts, " ")
}

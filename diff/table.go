package diff

import (
	"fmt"
	"io"
	"strings"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/table"
)

// symbols are rclone check's: + only in source, - only in destination,
// * differs.
var symbols = map[string]string{
	record.OpCreateFolder: "+", record.OpCopy: "+", record.OpFlags: "*",
	record.OpDelete: "-", record.OpDeleteFolder: "-",
}

// WriteTable prints a plan for people, one line per op, then the summary.
func WriteTable(w io.Writer, plan io.Reader, sum Summary) error {
	tw := table.New(w)
	fmt.Fprintln(tw, "\tOP\tSOURCE\tDESTINATION\tDETAIL\t")
	r := record.NewReader(plan, "plan")
	for {
		l, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		var op record.Op
		if err := l.Decode(&op); err != nil {
			return err
		}
		var detail string
		switch op.Op {
		case record.OpCopy:
			detail = table.Bytes(op.Size) + " " + strings.Join(op.Flags, " ")
		case record.OpFlags:
			var parts []string
			for _, f := range op.FlagsAdd {
				parts = append(parts, "+"+f)
			}
			for _, f := range op.FlagsRemove {
				parts = append(parts, "-"+f)
			}
			detail = strings.Join(parts, " ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", symbols[op.Op], op.Op, op.Src.String(), op.Dst.String(), detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d same, %d only in source, %d only in destination, %d flags differ, %d folders to create\n",
		sum.Same, sum.OnlySrc, sum.OnlyDst, sum.FlagsDiffer, sum.FoldersToCreate)
	return err
}

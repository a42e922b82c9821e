package table

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/imapx/imapx/internal/record"
)

// Folders prints folder records as an aligned table with a totals line.
func Folders(out io.Writer, fs []record.Folder) error {
	tw := New(out)
	fmt.Fprintln(tw, "FOLDER\tMESSAGES\tUNSEEN\tSIZE\tUIDVALIDITY\tUIDNEXT\tSPECIAL\tSUB\t")
	var msgs, unseen, size int64
	haveSize := false
	for _, f := range fs {
		name := f.Name
		if !selectable(f.Attrs) {
			name += " (no mail)"
		}
		sizeText := "-"
		if f.Size != nil {
			sizeText = Bytes(*f.Size)
			size += *f.Size
			haveSize = true
		}
		msgs += u32(f.Messages)
		unseen += u32(f.Unseen)
		sub := ""
		if f.Subscribed {
			sub = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, num(f.Messages), num(f.Unseen), sizeText,
			zeroDash(uint64(f.UIDValidity)), zeroDash(uint64(f.UIDNext)), strings.TrimPrefix(f.SpecialUse, `\`), sub)
	}
	totalSize := "-"
	if haveSize {
		totalSize = Bytes(size) + " (" + strconv.FormatInt(size, 10) + " bytes)"
	}
	fmt.Fprintf(tw, "%d folders\t%d\t%d\t%s\t\t\t\t\t\n", len(fs), msgs, unseen, totalSize)
	return tw.Flush()
}

func u32(p *uint32) int64 {
	if p == nil {
		return 0
	}
	return int64(*p)
}

func num(p *uint32) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatUint(uint64(*p), 10)
}

func zeroDash(n uint64) string {
	if n == 0 {
		return "-"
	}
	return strconv.FormatUint(n, 10)
}

func selectable(attrs []string) bool {
	for _, a := range attrs {
		if strings.EqualFold(a, `\Noselect`) || strings.EqualFold(a, `\NonExistent`) {
			return false
		}
	}
	return true
}

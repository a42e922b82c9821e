// Package list is the `imapx list` stage: an account's folders as folder
// records, or as a table for people.
package list

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/table"
)

// Options for a listing.
type Options struct {
	Folders folders.Options
	// Table prints an aligned table with totals instead of JSON lines.
	Table bool
}

// Run lists the account's folders to out.
func Run(ctx context.Context, c *imapclient.Client, o Options, out io.Writer) error {
	fs, err := folders.List(ctx, c, o.Folders)
	if err != nil {
		return err
	}
	if o.Table {
		return WriteTable(out, fs)
	}
	w := record.NewWriter(out)
	for i := range fs {
		if err := w.Write(&fs[i]); err != nil {
			return err
		}
	}
	return w.Flush()
}

// WriteTable prints folders as an aligned table with a totals line.
func WriteTable(out io.Writer, fs []record.Folder) error {
	tw := table.New(out)
	fmt.Fprintln(tw, "FOLDER\tMESSAGES\tUNSEEN\tSIZE\tUIDVALIDITY\tUIDNEXT\tSPECIAL\tSUB\t")
	var msgs, unseen, size int64
	haveSize := false
	for _, f := range fs {
		name := f.Name
		if !folders.Selectable(&f) {
			name += " (no mail)"
		}
		sizeText := "-"
		if f.Size != nil {
			sizeText = table.Bytes(*f.Size)
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
		totalSize = table.Bytes(size) + " (" + strconv.FormatInt(size, 10) + " bytes)"
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

// Package list is the `imapx list` stage: an account's folders as folder
// records, or as a table for people.
package list

import (
	"context"
	"encoding/json"
	"io"

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
	// DstNames, when set, gives each listed folder's destination name
	// (sync's folder mapping), written as "dst_name".
	DstNames func(listed []record.Folder) (map[string]string, error)
}

// Run lists the account's folders to out.
func Run(ctx context.Context, c *imapclient.Client, o Options, out io.Writer) error {
	fs, err := folders.List(ctx, c, o.Folders)
	if err != nil {
		return err
	}
	if o.Table {
		return table.Folders(out, fs)
	}
	if o.DstNames != nil {
		names, err := o.DstNames(fs)
		if err != nil {
			return err
		}
		for i := range fs {
			if d, ok := names[fs[i].Name]; ok {
				b, _ := json.Marshal(d)
				if fs[i].Extra == nil {
					fs[i].Extra = record.Extra{}
				}
				fs[i].Extra["dst_name"] = b
			}
		}
	}
	w := record.NewWriter(out)
	for i := range fs {
		if err := w.Write(&fs[i]); err != nil {
			return err
		}
	}
	return w.End("list")
}

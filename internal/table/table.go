// Package table renders records as aligned text for people.
package table

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

// New returns a tabwriter with imapx's table layout; Flush it at the end.
func New(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// Bytes formats a byte count for people: 1.5 MiB, 320 KiB, 12 B.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

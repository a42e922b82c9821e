//go:build !unix

package rewrite

import (
	"io"

	"github.com/imapx/imapx/internal/record"
)

// mapFile reads a spooled body whole where files cannot be mapped.
func mapFile(b *record.Body) ([]byte, func(), error) {
	data, err := io.ReadAll(b.Reader())
	return data, func() {}, err
}

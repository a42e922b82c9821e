//go:build unix

package rewrite

import (
	"syscall"

	"github.com/imapx/imapx/internal/record"
)

// mapFile maps a spooled body's file read-only.
func mapFile(b *record.Body) ([]byte, func(), error) {
	if b.Size() == 0 {
		return nil, func() {}, nil
	}
	data, err := syscall.Mmap(int(b.File().Fd()), 0, int(b.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, func() { syscall.Munmap(data) }, nil
}

//go:build !unix

package runlock

import "os"

// lock does nothing where flock(2) is missing: the PID is still written.
func lock(f *os.File) error { return nil }

package harness

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// RequireCyrus starts a Cyrus for a test, stopped at its end. Without the
// unpacked packages (install-servers.sh) the test is skipped, except under
// CI, where it fails.
func RequireCyrus(t testing.TB, o CyrusOptions) *Cyrus {
	t.Helper()
	c, err := StartCyrus(serverTempDir(t), o)
	if err != nil {
		skipOrFail(t, err)
	}
	t.Cleanup(func() { c.Stop() })
	return c
}

// RequireCourier starts a Courier-IMAP for a test, as RequireCyrus does.
func RequireCourier(t testing.TB, opts ...CourierOptions) *Courier {
	t.Helper()
	c, err := StartCourier(serverTempDir(t), opts...)
	if err != nil {
		skipOrFail(t, err)
	}
	t.Cleanup(func() { c.Stop() })
	return c
}

// serverTempDir is a test directory the servers' unprivileged processes
// can pass through (testing makes the parent 0700).
func serverTempDir(t testing.TB) string {
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	return dir
}

// skipOrFail: a server missing from this machine skips the test, but a
// server that is there and fails to start is a failure, and under CI
// everything is.
func skipOrFail(t testing.TB, err error) {
	t.Helper()
	_, statErr := os.Stat(filepath.Join(ServersDir(), "stamp"))
	missing := statErr != nil || errors.Is(err, errNeedsRoot)
	if os.Getenv("CI") == "" && missing {
		t.Skipf("%v", err)
	}
	t.Fatalf("%v: CI must run the Cyrus and Courier tests (test/harness/install-servers.sh)", err)
}

package harness

import (
	"os"
	"path/filepath"
	"testing"
)

// Require starts a Dovecot for a test, stopped at its end. Without Dovecot
// installed the test is skipped, except under CI, where it fails: CI must
// never pass by skipping the real-server tests.
func Require(t testing.TB, o Options) *Dovecot {
	t.Helper()
	if _, err := Binary(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: CI must run the Dovecot tests", err)
		}
		t.Skipf("%v", err)
	}
	dir := t.TempDir()
	// testing makes the parent 0700; Dovecot's mail processes run as the
	// mail user and must pass through it.
	os.Chmod(filepath.Dir(dir), 0o755)
	d, err := Start(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	return d
}

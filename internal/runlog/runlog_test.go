package runlog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestName(t *testing.T) {
	start := time.Date(2019, 12, 22, 23, 57, 59, 532_900_000, time.Local)
	if got, want := Name(start, "user1", "user2"), "2019_12_22_23_57_59_532_user1_user2.txt"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	// imapsync's filter_forbidden_characters and slash_to_underscore.
	if got, want := Name(start, `a/b c*é`, "x@y.org"), "2019_12_22_23_57_59_532_a_b_c___x@y.org.txt"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
}

func TestPath(t *testing.T) {
	start := time.Date(2020, 11, 17, 15, 59, 22, 761_000_000, time.Local)
	for _, c := range []struct{ dir, file, want string }{
		{"", "", "LOG_imapx/2020_11_17_15_59_22_761_u1_u2.txt"},
		{"logs", "", "logs/2020_11_17_15_59_22_761_u1_u2.txt"},
		{"", "my.log", "my.log"},
		{"logs", "my.log", "logs/my.log"},
	} {
		if got := Path(c.dir, c.file, start, "u1", "u2"); got != c.want {
			t.Errorf("Path(%q, %q) = %q, want %q", c.dir, c.file, got, c.want)
		}
	}
}

func TestMaskAndTee(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d", "log.txt")
	l, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	l.Mask("s3cret", "")
	var stderr bytes.Buffer
	w := Tee(&stderr, l)
	w.Write([]byte("login with s3cret failed\n"))
	l.Close()
	w.Write([]byte("after close\n"))
	got, _ := os.ReadFile(path)
	if string(got) != "login with MASKED failed\n" {
		t.Errorf("log holds %q", got)
	}
	if stderr.String() != "login with s3cret failed\nafter close\n" {
		t.Errorf("stderr got %q", stderr.String())
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

package command

import "testing"

func TestNearestOption(t *testing.T) {
	known := []string{"folder", "folderrec", "passfile1", "passfile2", "usecache", "version", "delete2folders", "host1"}
	for name, want := range map[string]string{
		"folderr":       "did you mean --folder? ",
		"passfile":      "did you mean --passfile1? ",
		"usecach":       "did you mean --usecache? ",
		"verison":       "did you mean --version? ",
		"delete2folder": "did you mean --delete2folders? ",
		"bogus":         "",
		"x":             "",
	} {
		if got := nearestOption(name, known); got != want {
			t.Errorf("nearestOption(%q) = %q, want %q", name, got, want)
		}
	}
}

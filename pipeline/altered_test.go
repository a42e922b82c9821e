package pipeline

import "testing"

func TestNormalEOL(t *testing.T) {
	for in, want := range map[string]string{
		"a\r\r\nb\r\n":   "a\r\nb\r\n",
		"a\nb\rc\r\n":    "a\r\nb\r\nc\r\n",
		"a\r\r\r\n":      "a\r\n",
		"a\r\rb":         "a\r\n\r\nb",
		"no line end":    "no line end",
		"x\r":            "x\r\n",
		"cut\r\nshort\r": "cut\r\nshort\r\n",
	} {
		if got := string(normalEOL([]byte(in))); got != want {
			t.Errorf("normalEOL(%q) = %q, want %q", in, got, want)
		}
	}
	// A body cut short is not a normalisation.
	if string(normalEOL([]byte("a\r\r\nbody"))) == string(normalEOL([]byte("a\r\nbod"))) {
		t.Error("a cut body compares equal")
	}
}

package pipeline

import (
	"strings"
	"testing"
)

func TestLongestLine(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"", 0},
		{"abc", 3},
		{"a\r\nbcd\r\nef", 3},
		{"a\nbcde\n", 4},
		{strings.Repeat("x", 200000) + "\r\nshort\r\n", 200000},
		{"short\r\n" + strings.Repeat("y", 70000), 70000},
	} {
		got, err := longestLine(strings.NewReader(c.in))
		if err != nil || got != c.want {
			t.Errorf("longestLine(%.20q…) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

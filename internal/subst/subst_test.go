package subst

import (
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		`s/(?=x)a/b/`:  "lookahead",
		`s/(?<!x)a/b/`: "negative lookbehind",
		`s/(a)\1/b/`:   `backreference \1`,
		`s/a/\U$1/`:    `\U`,
		`s/a/b/e`:      "e flag is Perl-only",
		`s/a/b/x`:      "x flag is Perl-only",
		`s/a/b/q`:      "unknown flag",
		`y/a/b/`:       "not a substitution",
		`s/a/b`:        "no closing",
		`s/a/$x/`:      "Perl variable",
		`s/a(/b/`:      "missing closing )",
	} {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", in, err, want)
		}
	}
}

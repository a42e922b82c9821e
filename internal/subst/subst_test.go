package subst

import (
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		`s/(?=x)a/b/`:           "lookahead",
		`s/(?<!x)a/b/`:          "negative lookbehind",
		`s/(a)\1/b/`:            `backreference \1`,
		`s/a/\U$1/`:             `\U`,
		`s/a/b/e`:               "e flag is Perl-only",
		`s/a/b/x`:               "x flag is Perl-only",
		`s/a/b/q`:               "unknown flag",
		`y/a/b/`:                "not a substitution",
		`s/a/b`:                 "no closing",
		`s/a/$x/`:               "Perl variable",
		`s/a(/b/`:               "missing closing )",
		`s,(.{10239}),$1\r\n,g`: "is --wraplines N",
	} {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", in, err, want)
		}
	}
}

func TestMatchBytes(t *testing.T) {
	for _, c := range []struct {
		pat, in string
		want    bool
	}{
		{`m/[\x80-\xff]/`, "caf\xe9", true},
		{`m/[\x80-\xff]/`, "cafe", false},
		{`m{^subject: urgent}im`, "From: a\r\nSubject: URGENT\r\n", true},
		{`ü`, "gr\xc3\xbc\xc3\x9f", true},
		{`ü`, "gr\xfc", false},
	} {
		m, err := ParseMatch(c.pat)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Match([]byte(c.in)); got != c.want {
			t.Errorf("%s on %q: %v", c.pat, c.in, got)
		}
	}
	if _, err := ParseMatch(`m/a/e`); err == nil {
		t.Error("flag e accepted")
	}
}

// A replacement's \r and \n are CR and LF, as in Perl.
func TestReplacementEscapes(t *testing.T) {
	rt, err := ParseBytes(`s/(b)/$1\r\n\t/g`)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := rt.Replace(&b, []byte("abab")); err != nil {
		t.Fatal(err)
	}
	if b.String() != "ab\r\n\tab\r\n\t" {
		t.Errorf("got %q", b.String())
	}
}

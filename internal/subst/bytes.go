package subst

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Messages are bytes, not text: 8-bit headers are Latin-1 as often as
// UTF-8, and Go's regexp decodes its subject as UTF-8, so [\x80-\xff]
// would never match a Latin-1 byte (it reads U+FFFD). A substitution made
// by ParseBytes works as Perl's does on bytes: every byte is one
// character. The subject is widened (each byte b becomes the rune b, as
// Latin-1 decoding does), the pattern and replacement are widened byte
// for byte the same way (so a UTF-8 "ü" typed on the command line matches
// the two bytes of a UTF-8 "ü" in the message, as in Perl), and what is
// written is narrowed back, byte for byte. An all-ASCII subject needs
// neither step: ASCII reads the same both ways.

// ParseBytes parses a substitution on bytes (--regexmess).
func ParseBytes(s string) (*Subst, error) { return parse(s, true) }

// Replace writes b with the substitution applied to w and returns how
// many matches were replaced; with none it writes nothing (the caller
// keeps b). Memory: the match positions, and a widened copy of b when b
// or the replacement has 8-bit bytes.
func (rt *Subst) Replace(w io.Writer, b []byte) (int, error) {
	subj, wide := b, false
	if rt.bytewise && !(isASCII(b) && isASCII([]byte(rt.repl))) {
		subj, wide = widen(b), true
	}
	n := 1
	if rt.global {
		n = -1
	}
	matches := rt.re.FindAllSubmatchIndex(subj, n)
	if len(matches) == 0 {
		return 0, nil
	}
	out := w
	if wide {
		out = &narrower{w: w}
	}
	repl := []byte(rt.repl)
	var buf []byte
	last := 0
	for _, m := range matches {
		buf = rt.re.Expand(append(buf[:0], subj[last:m[0]]...), repl, subj, m)
		if _, err := out.Write(buf); err != nil {
			return 0, err
		}
		last = m[1]
	}
	if _, err := out.Write(subj[last:]); err != nil {
		return 0, err
	}
	return len(matches), nil
}

// Matcher is a pattern matched against bytes (--skipmess).
type Matcher struct {
	Source string
	re     *regexp.Regexp
}

// ParseMatch parses m/PATTERN/FLAGS (flags i, s, m), or a bare PATTERN,
// for matching bytes as Perl does (see ParseBytes).
func ParseMatch(s string) (*Matcher, error) {
	pat, mods := s, ""
	if len(s) >= 3 && s[0] == 'm' && !isWordByte(s[1]) && s[1] != ' ' && s[1] != '\\' {
		open := s[1]
		closer := open
		if c, ok := map[byte]byte{'{': '}', '[': ']', '(': ')', '<': '>'}[open]; ok {
			closer = c
		}
		p, flags, ok := cutDelimited(s[2:], closer)
		if !ok {
			return nil, fmt.Errorf("%q: the pattern has no closing %q", s, closer)
		}
		pat = strings.ReplaceAll(p, `\`+string(closer), string(closer))
		for _, f := range flags {
			if !strings.ContainsRune("ism", f) {
				return nil, fmt.Errorf("%q: unknown flag %q (imapx takes i, s, m)", s, f)
			}
			if !strings.ContainsRune(mods, f) {
				mods += string(f)
			}
		}
	}
	for _, p := range perlOnly {
		if strings.Contains(pat, p.token) {
			return nil, fmt.Errorf("%q: %s is Perl-only; imapx uses RE2 syntax (https://github.com/google/re2/wiki/Syntax)", s, p.name)
		}
	}
	re, err := compile(pat, mods, true)
	if err != nil {
		return nil, fmt.Errorf("%q: %v", s, err)
	}
	return &Matcher{Source: s, re: re}, nil
}

// Match reports whether the pattern matches somewhere in b.
func (m *Matcher) Match(b []byte) bool {
	if isASCII(b) {
		return m.re.Match(b)
	}
	return m.re.Match(widen(b))
}

// latin1 widens a string byte for byte: each byte b becomes the rune b.
func latin1(s string) string { return string(widen([]byte(s))) }

func widen(b []byte) []byte {
	n := len(b)
	for _, c := range b {
		if c >= 0x80 {
			n++
		}
	}
	out := make([]byte, 0, n)
	for _, c := range b {
		if c < 0x80 {
			out = append(out, c)
		} else {
			out = utf8.AppendRune(out, rune(c))
		}
	}
	return out
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// narrower writes widened bytes back as bytes. Every rune it sees is
// below 0x100 (subject, pattern and replacement were all widened) and is
// whole: Replace writes whole runs of runes.
type narrower struct {
	w   io.Writer
	buf []byte
}

func (n *narrower) Write(p []byte) (int, error) {
	out := n.buf[:0]
	for i := 0; i < len(p); {
		if p[i] < 0x80 {
			out = append(out, p[i])
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if r > 0xFF {
			return 0, fmt.Errorf("substitution produced the character %U, not a byte", r)
		}
		out = append(out, byte(r))
		i += size
	}
	n.buf = out
	if _, err := n.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

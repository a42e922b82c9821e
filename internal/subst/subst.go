// Package subst is Perl's s/PATTERN/REPLACEMENT/FLAGS on Go's RE2, as
// imapsync's options take it: --regextrans2 on folder names (text),
// --regexmess and --regexflag on messages and flag lists (bytes, see
// ParseBytes), and the m/PATTERN/ of --skipmess.
package subst

import (
	"fmt"
	"regexp"
	"strings"
)

// Subst is one Perl-style substitution s/PATTERN/REPLACEMENT/FLAGS run
// on Go's RE2: $1, ${1} and \1 name
// groups in the replacement, i ignores case, g replaces every match (else
// the first only), s and m are RE2's. Perl-only constructs (lookaround,
// backreferences in the pattern, \U…, the e and x flags) are refused by
// Parse with their name.
type Subst struct {
	Source string
	re     *regexp.Regexp
	repl   string // in regexp.Expand's template syntax
	global bool
	// bytewise: made by ParseBytes, for widened subjects.
	bytewise bool
}

// perlOnly names the Perl constructs RE2 lacks, for the usage error.
var perlOnly = []struct{ token, name string }{
	{"(?=", "lookahead (?=…)"}, {"(?!", "negative lookahead (?!…)"},
	{"(?<=", "lookbehind (?<=…)"}, {"(?<!", "negative lookbehind (?<!…)"},
	{"(?>", "atomic group (?>…)"}, {"(?#", "comment (?#…)"},
	{"*+", "possessive quantifier *+"}, {"++", "possessive quantifier ++"}, {"?+", "possessive quantifier ?+"},
	{`\G`, `\G`}, {`\Z`, `\Z`},
}

// Parse parses one substitution on text (a --regextrans2 value): the
// pattern, replacement and subject are UTF-8.
func Parse(s string) (*Subst, error) { return parse(s, false) }

func parse(s string, bytewise bool) (*Subst, error) {
	if len(s) < 4 || s[0] != 's' {
		return nil, fmt.Errorf("%q is not a substitution s/PATTERN/REPLACEMENT/FLAGS", s)
	}
	open := s[1]
	if open == '\\' || open == ' ' || isWordByte(open) {
		return nil, fmt.Errorf("%q: %q cannot delimit a substitution", s, open)
	}
	closer := open
	if c, ok := map[byte]byte{'{': '}', '[': ']', '(': ')', '<': '>'}[open]; ok {
		closer = c
	}
	pat, rest, ok := cutDelimited(s[2:], closer)
	if !ok {
		return nil, fmt.Errorf("%q: the pattern has no closing %q", s, closer)
	}
	if closer != open { // s{…}{…}: the replacement has its own brackets
		rest = strings.TrimLeft(rest, " ")
		if rest == "" || rest[0] != open {
			return nil, fmt.Errorf("%q: want %c…%c%c…%c", s, open, closer, open, closer)
		}
		rest = rest[1:]
	}
	repl, flags, ok := cutDelimited(rest, closer)
	if !ok {
		return nil, fmt.Errorf("%q: the replacement has no closing %q", s, closer)
	}
	if closer != '/' {
		pat = strings.ReplaceAll(pat, `\`+string(closer), string(closer))
		repl = strings.ReplaceAll(repl, `\`+string(closer), string(closer))
	} else {
		pat = strings.ReplaceAll(pat, `\/`, `/`)
		repl = strings.ReplaceAll(repl, `\/`, `/`)
	}
	rt := &Subst{Source: s, bytewise: bytewise}
	mods := ""
	for _, f := range flags {
		switch f {
		case 'g':
			rt.global = true
		case 'i', 's', 'm':
			if !strings.ContainsRune(mods, f) {
				mods += string(f)
			}
		case 'e', 'x', 'r', 'o':
			return nil, fmt.Errorf("%q: the %c flag is Perl-only (imapx runs the pattern with Go's RE2: i, g, s, m)", s, f)
		default:
			return nil, fmt.Errorf("%q: unknown flag %q (imapx takes i, g, s, m)", s, f)
		}
	}
	for _, p := range perlOnly {
		if strings.Contains(pat, p.token) {
			return nil, fmt.Errorf("%q: %s is Perl-only; imapx uses RE2 syntax (https://github.com/google/re2/wiki/Syntax)", s, p.name)
		}
	}
	if m := regexp.MustCompile(`\\[1-9]`).FindString(pat); m != "" {
		return nil, fmt.Errorf("%q: the backreference %s in the pattern is Perl-only; imapx uses RE2 syntax (https://github.com/google/re2/wiki/Syntax)", s, m)
	}
	re, err := compile(pat, mods, bytewise)
	if err != nil {
		return nil, fmt.Errorf("%q: %v", s, err)
	}
	rt.re = re
	if rt.repl, err = template(repl); err != nil {
		return nil, fmt.Errorf("%q: %v", s, err)
	}
	if bytewise {
		rt.repl = latin1(rt.repl)
	}
	return rt, nil
}

// compile compiles an RE2 pattern with the flags i, s, m; bytewise
// compiles it for subjects widened by latin1 (see ParseBytes).
func compile(pat, mods string, bytewise bool) (*regexp.Regexp, error) {
	if bytewise {
		pat = latin1(pat)
	}
	if mods != "" {
		pat = "(?" + mods + ")" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil && strings.Contains(err.Error(), "invalid repeat count") {
		// imapsync's Exchange wrapping, s,(.{10239}),$1\r\n,g, is the
		// one such pattern its users copy.
		return nil, fmt.Errorf("%v: RE2 repeats at most 1000 times (imapsync's line wrapping s,(.{N}),$1\\r\\n,g is --wraplines N)", err)
	}
	if err != nil {
		return nil, fmt.Errorf("%v (imapx uses RE2 syntax: https://github.com/google/re2/wiki/Syntax)", err)
	}
	return re, nil
}

// Apply substitutes in name (a substitution made by Parse).
func (rt *Subst) Apply(name string) string {
	if rt.global {
		return rt.re.ReplaceAllString(name, rt.repl)
	}
	m := rt.re.FindStringSubmatchIndex(name)
	if m == nil {
		return name
	}
	out := rt.re.ExpandString(nil, rt.repl, name, m)
	return name[:m[0]] + string(out) + name[m[1]:]
}

// cutDelimited splits s at the first unescaped c.
func cutDelimited(s string, c byte) (before, after string, ok bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case c:
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}

// template turns a Perl replacement into regexp.Expand's: $1, ${1}, \1
// and $& become ${1}/${0}; any other $ and escaped characters are literal.
func template(perl string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(perl); i++ {
		c := perl[i]
		switch {
		case c == '\\' && i+1 < len(perl):
			i++
			n := perl[i]
			switch {
			case n >= '0' && n <= '9':
				fmt.Fprintf(&b, "${%c}", n)
			case strings.IndexByte("ULulEQ", n) >= 0:
				return "", fmt.Errorf(`the case escape \%c in the replacement is Perl-only`, n)
			case n == 'n':
				b.WriteByte('\n')
			case n == 't':
				b.WriteByte('\t')
			case n == 'r':
				b.WriteByte('\r')
			case n == '$':
				b.WriteString("$$")
			default:
				b.WriteByte(n)
			}
		case c == '$' && i+1 < len(perl) && perl[i+1] >= '0' && perl[i+1] <= '9':
			j := i + 1
			for j < len(perl) && perl[j] >= '0' && perl[j] <= '9' {
				j++
			}
			fmt.Fprintf(&b, "${%s}", perl[i+1:j])
			i = j - 1
		case c == '$' && i+1 < len(perl) && perl[i+1] == '{':
			end := strings.IndexByte(perl[i:], '}')
			num := ""
			if end > 0 {
				num = perl[i+2 : i+end]
			}
			if num == "" || strings.Trim(num, "0123456789") != "" {
				return "", fmt.Errorf("%q in the replacement is a Perl variable, not a group number", perl[i:])
			}
			fmt.Fprintf(&b, "${%s}", num)
			i += end
		case c == '$' && i+1 < len(perl) && perl[i+1] == '&':
			b.WriteString("${0}")
			i++
		case c == '$' && i+1 < len(perl) && (isWordByte(perl[i+1]) || perl[i+1] == '{'):
			return "", fmt.Errorf("%q in the replacement is a Perl variable, not a group number", perl[i:])
		case c == '$':
			b.WriteString("$$")
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

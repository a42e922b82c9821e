package rewrite

import (
	"fmt"
	"strings"
)

// splitWords splits a command line into words as a POSIX shell would
// for the simple case: blanks separate words, single quotes keep
// everything, double quotes keep everything but \" \\ \$ \`, a backslash
// outside quotes keeps the next character. What only a shell can run
// (pipes, redirections, variables, globs, ;, &) is refused unquoted: the
// user asks for --pipemess-shell then, instead of sed getting "|" as an
// argument.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unclosed single quote")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				} else if s[i] == '$' || s[i] == '`' {
					return nil, fmt.Errorf("%q inside double quotes needs a shell (--pipemess-shell)", s[i])
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unclosed double quote")
			}
			inWord = true
		case c == '\\':
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
			inWord = true
		case strings.IndexByte("|&;<>()$`*?[#~", c) >= 0 && !(c == '#' && inWord) && !(c == '~' && inWord):
			return nil, fmt.Errorf("%q needs a shell: quote it, or run the command with --pipemess-shell", c)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	return words, nil
}

package record

import (
	"sort"
	"strings"
)

// CleanFlags returns the flags of a message as records carry them from one
// server to another: \Recent (session state, which no client may set) and
// empty names dropped, sorted so that the same set reads the same.
func CleanFlags[F ~string](in []F) []string {
	out := make([]string, 0, len(in))
	for _, f := range in {
		if Carried(string(f)) {
			out = append(out, string(f))
		}
	}
	sort.Strings(out)
	return out
}

// Carried reports whether a flag is one that is copied and compared: any
// but \Recent and the empty name.
func Carried(f string) bool {
	return f != "" && !strings.EqualFold(f, `\Recent`)
}

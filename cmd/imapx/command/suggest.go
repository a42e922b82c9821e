package command

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// unknownOption turns urfave's "flag provided but not defined: -folderr"
// into an error naming the option as written and a hint with the nearest
// known one, if one is near. ok is false for any other error.
func unknownOption(c *cli.Context, err error) (msg, hint string, ok bool) {
	name, found := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !found {
		return "", "", false
	}
	flags := c.App.Flags
	if c.Command != nil && c.Command.Name != "" && c.Command.Name != c.App.Name {
		flags = c.Command.Flags
	}
	var names []string
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	return "unknown option --" + name, nearestOption(name, names), true
}

// nearestOption is "did you mean --X? " for the known name closest to
// name: at most two edits away, or one that starts with it or it starts
// with (--passfile for --passfile1); "" when none is that close.
func nearestOption(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		d := editDistance(name, k)
		if d >= bestDist && len(name) >= 4 && len(k) >= 4 && (strings.HasPrefix(k, name) || strings.HasPrefix(name, k)) {
			d = 2
		}
		if d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("did you mean --%s? ", best)
}

// editDistance is Levenshtein's distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

package state

import "testing"

// Entries written before What existed are line ends normalised: text
// intact; every other change lost information.
func TestAlteredChange(t *testing.T) {
	for _, c := range []struct {
		what, change string
		lost         bool
	}{
		{"", "line ends normalised", false},
		{"line ends normalised", "line ends normalised", false},
		{"8-bit header bytes replaced", "8-bit header bytes replaced", true},
		{"header changed, body changed", "header changed, body changed", true},
	} {
		a := Altered{What: c.what}
		if a.Change() != c.change || a.Lost() != c.lost {
			t.Errorf("What %q: Change %q Lost %v, want %q %v", c.what, a.Change(), a.Lost(), c.change, c.lost)
		}
	}
}

package pipeline

import "github.com/imapx/imapx/diff"

// diffOptions are o with the pass's folder mapping, settled once from
// both full listings, given to diff as explicit pairs: a diff of
// inventories holding only some folders (a verify re-reads the changed
// ones) must not map them otherwise (--automap looks at the listings).
func (inv *inventory) diffOptions(o diff.Options) diff.Options {
	f1f2 := make(map[string]string, len(inv.mapping)+len(o.F1F2))
	for src, dst := range inv.mapping {
		f1f2[src] = dst
	}
	for src, dst := range o.F1F2 {
		f1f2[src] = dst
	}
	o.F1F2 = f1f2
	return o
}

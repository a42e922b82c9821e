package pipeline

import (
	"strings"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/record"
)

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

// underSubfolder1 keeps the source folders --subfolder1 brings to the
// destination's root: that folder and those below it (imapsync acts as if
// --folderrec named it).
func underSubfolder1(list []record.Folder, sub string) []record.Folder {
	if sub == "" {
		return list
	}
	rec := folders.Subfolder1Rec(sub, list)
	var out []record.Folder
	for _, f := range list {
		if f.Name == rec || f.Delim != "" && strings.HasPrefix(f.Name, rec+f.Delim) {
			out = append(out, f)
		}
	}
	return out
}

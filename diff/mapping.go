package diff

import (
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/record"
)

// mapping is o's folder mapping, --f1f2 given as F1F2 included.
func (o Options) mapping() folders.Mapping {
	m := o.Mapping
	if len(o.F1F2) > 0 {
		f := map[string]string{}
		for k, v := range m.F1F2 {
			f[k] = v
		}
		for k, v := range o.F1F2 {
			f[k] = v
		}
		m.F1F2 = f
	}
	return m
}

// listing is an inventory's folders as the mapping needs them.
func (inv *inventory) listing() []record.Folder {
	out := make([]record.Folder, 0, len(inv.order))
	for _, name := range inv.order {
		out = append(out, record.Folder{Name: name, SpecialUse: inv.folders[name].specialUse})
	}
	return out
}

// MapFolders maps every source folder (LIST records, as in an inventory)
// to its destination name, with the same rules diff applies to
// inventories holding these folder records.
func MapFolders(src, dst []record.Folder, o Options) map[string]string {
	m := o.mapping().Mapper(folders.Naming{Delim: firstDelim(src), Prefix: prefix(src)},
		folders.Naming{Delim: firstDelim(dst), Prefix: prefix(dst)}, src, dst)
	out := make(map[string]string, len(src))
	for _, f := range src {
		out[f.Name] = m.Map(f.Name)
	}
	return out
}

// firstDelim is the delimiter load() settles on: the first one listed.
func firstDelim(fs []record.Folder) string {
	for _, f := range fs {
		if f.Delim != "" {
			return f.Delim
		}
	}
	return "/"
}

func prefix(fs []record.Folder) string {
	p := ""
	for _, f := range fs {
		if f.Prefix != "" {
			p = f.Prefix
		}
	}
	return p
}

package diff

import (
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/record"
)

// mapper turns source folder names into destination names.
type mapper struct {
	srcDelim, dstDelim   string
	srcPrefix, dstPrefix string
	f1f2                 map[string]string
}

// dst maps one source name (see folders.MapName).
func (m *mapper) dst(src string) string {
	return folders.MapName(src, folders.Naming{Delim: m.srcDelim, Prefix: m.srcPrefix},
		folders.Naming{Delim: m.dstDelim, Prefix: m.dstPrefix}, m.f1f2)
}

// MapFolders maps every source folder (LIST records, as in an inventory)
// to its destination name, with the same delimiter and prefix rules diff
// applies to inventories holding these folder records.
func MapFolders(src, dst []record.Folder, f1f2 map[string]string) map[string]string {
	m := &mapper{srcDelim: firstDelim(src), dstDelim: firstDelim(dst), srcPrefix: prefix(src), dstPrefix: prefix(dst), f1f2: f1f2}
	out := make(map[string]string, len(src))
	for _, f := range src {
		out[f.Name] = m.dst(f.Name)
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

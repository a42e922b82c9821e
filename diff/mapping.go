package diff

import (
	"strings"

	"github.com/imapx/imapx/internal/record"
)

// mapper turns source folder names into destination names.
type mapper struct {
	srcDelim, dstDelim   string
	srcPrefix, dstPrefix string
	f1f2                 map[string]string
}

// dst maps one source name: strip the source prefix, split on the source
// delimiter, join with the destination's, add its prefix. INBOX stays
// INBOX; a destination delimiter inside a name component becomes '_' so
// that it does not create an unintended level of hierarchy.
func (m *mapper) dst(src string) string {
	if d, ok := m.f1f2[src]; ok {
		return d
	}
	name := src
	if m.srcPrefix != "" && strings.HasPrefix(name, m.srcPrefix) {
		name = name[len(m.srcPrefix):]
	}
	parts := []string{name}
	if m.srcDelim != "" {
		parts = strings.Split(name, m.srcDelim)
	}
	if strings.EqualFold(parts[0], "INBOX") {
		parts[0] = "INBOX"
	}
	if m.dstDelim != m.srcDelim {
		for i, p := range parts {
			parts[i] = strings.ReplaceAll(p, m.dstDelim, "_")
		}
	}
	out := strings.Join(parts, m.dstDelim)
	if out == "INBOX" {
		return out
	}
	// INBOX's own children already sit under the prefix on INBOX.-style
	// servers: "INBOX/x" becomes "INBOX.x", not "INBOX.INBOX.x".
	if m.dstPrefix != "" && !strings.HasPrefix(out, m.dstPrefix) {
		out = m.dstPrefix + out
	}
	return out
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

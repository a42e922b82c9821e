package diff

import (
	"io"
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

// MappedNames reads a source inventory and returns the destination folders
// (among dstFolders, from LIST) that its folders map to: what a sync must
// read on the destination side.
func MappedNames(src io.Reader, name string, dstFolders []record.Folder, f1f2 map[string]string) ([]string, error) {
	inv, err := load(src, name)
	if err != nil {
		return nil, err
	}
	m := &mapper{srcDelim: inv.delim, srcPrefix: inv.prefix, dstDelim: "/", f1f2: f1f2}
	exists := map[string]bool{}
	for i, f := range dstFolders {
		if i == 0 || strings.EqualFold(f.Name, "INBOX") {
			if f.Delim != "" {
				m.dstDelim = f.Delim
			}
		}
		if f.Prefix != "" {
			m.dstPrefix = f.Prefix
		}
		if selectable(f.Attrs) {
			exists[f.Name] = true
		}
	}
	var names []string
	seen := map[string]bool{}
	for _, n := range inv.order {
		d := m.dst(n)
		if exists[d] && !seen[d] {
			seen[d] = true
			names = append(names, d)
		}
	}
	return names, nil
}

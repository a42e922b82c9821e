package folders

import (
	"sort"
	"strings"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/subst"
)

// Mapping is imapsync's folder-name options, in the order imapsync applies
// them to a source name: --f1f2, then --automap, then --subfolder1 is cut
// off, the prefix and delimiter are converted (--prefix1/2 and --sep1/2
// override NAMESPACE), --subfolder2 puts the result under its folder, and
// the --regextrans2 substitutions run in order. diff (so sync) and push
// map through it, so an audit sees the names a sync writes.
type Mapping struct {
	F1F2        map[string]string
	Automap     bool
	Regextrans2 []*subst.Subst
	// Subfolder1 is the source folder whose hierarchy becomes the
	// destination's root; Subfolder2 the destination folder the whole
	// source goes under.
	Subfolder1, Subfolder2 string
	// Prefix1/Prefix2 (nil: NAMESPACE's) and Sep1/Sep2 ("": LIST's)
	// override what the servers say.
	Prefix1, Prefix2 *string
	Sep1, Sep2       string
}

// Mapper maps the source names of one pair of listings.
type Mapper struct {
	m        Mapping
	src, dst Naming
	auto     map[string]string
}

// Mapper settles the two namings (the options' overrides first) and,
// with --automap, which source folder goes to which destination folder by
// special use: RFC 6154 attributes on both sides first, then the names in
// localizedSpecial.
func (m Mapping) Mapper(src, dst Naming, srcList, dstList []record.Folder) *Mapper {
	if m.Sep1 != "" {
		src.Delim = m.Sep1
	}
	if m.Sep2 != "" {
		dst.Delim = m.Sep2
	}
	if m.Prefix1 != nil {
		src.Prefix = *m.Prefix1
	}
	if m.Prefix2 != nil {
		dst.Prefix = *m.Prefix2
	}
	p := &Mapper{m: m, src: src, dst: dst}
	if m.Automap && m.Subfolder2 == "" { // imapsync turns automap off for --subfolder2
		p.auto = automap(srcList, dstList, src.Prefix, dst.Prefix)
	}
	return p
}

// Map is the destination name of one source folder.
func (p *Mapper) Map(name string) string {
	if d, ok := p.m.F1F2[name]; ok {
		return d
	}
	if d, ok := p.auto[name]; ok {
		return d
	}
	if sub := p.subfolder1(); sub != "" {
		rest := strings.TrimPrefix(name, p.src.Prefix)
		switch {
		case rest == sub:
			name = "INBOX"
		case strings.HasPrefix(rest, sub+p.src.Delim):
			name = rest[len(sub)+len(p.src.Delim):]
		}
	}
	out := MapName(name, p.src, p.dst, nil)
	if sub := p.Subfolder2(); sub != "" {
		out = p.dst.Prefix + sub + p.dst.Delim + strings.TrimPrefix(out, p.dst.Prefix)
	}
	for _, rt := range p.m.Regextrans2 {
		out = rt.Apply(out)
	}
	return out
}

// Subfolder2 is --subfolder2's folder with the destination's prefix and
// outer delimiters trimmed ("" when not given).
func (p *Mapper) Subfolder2() string {
	return strings.Trim(strings.TrimPrefix(p.m.Subfolder2, p.dst.Prefix), p.dst.Delim)
}

// Subfolder2Root is the full destination name of --subfolder2's folder,
// which --delete2folders must keep ("" when not given).
func (p *Mapper) Subfolder2Root() string {
	if sub := p.Subfolder2(); sub != "" {
		return p.dst.Prefix + sub
	}
	return ""
}

func (p *Mapper) subfolder1() string {
	return strings.Trim(strings.TrimPrefix(p.m.Subfolder1, p.src.Prefix), p.src.Delim)
}

// Subfolder1Rec is the source folder --subfolder1 reads recursively (as
// imapsync, which acts like --folderrec on it), spelled as listed.
func Subfolder1Rec(sub string, list []record.Folder) string {
	for _, f := range list {
		if f.Name == sub || f.Name == f.Prefix+sub {
			return f.Name
		}
	}
	return sub
}

// localizedSpecial are names well-known clients and servers give special
// folders (imapsync's table, in UTF-8, and a few more), compared ignoring
// case.
var localizedSpecial = map[string][]string{
	`\All`:     {"All", "All Messages", "All Mail", "Alle Nachrichten", "Все"},
	`\Archive`: {"Archive", "Archives", "Archiv", "Archivio", "Archivo", "Archief", "Архив"},
	`\Drafts`: {"Drafts", "Draft", "Entwürfe", "Brouillons", "Borradores", "Bozze", "Concepten",
		"Szkice", "Wersje robocze", "Черновики"},
	`\Flagged`: {"Flagged", "Starred", "Markiert", "Помеченные"},
	`\Junk`: {"Junk", "Spam", "Junk E-Mail", "Junk Email", "Junk-E-Mail", "Unerwünscht",
		"Courrier indésirable", "Indésirables", "Correo no deseado", "Posta indesiderata",
		"Potwierdzony spam", "Wiadomości-śmieci", "Спам"},
	`\Sent`: {"Sent", "Sent Messages", "Sent Items", "Sent Mail", "Gesendet", "Gesendete Elemente",
		"Gesendete Objekte", "Éléments envoyés", "Envoyés", "Objets envoyés", "Messages envoyés",
		"Elementos enviados", "Enviados", "Posta inviata", "Inviati", "Verzonden items",
		"送信済みアイテム", "Отправленные", "Elementy wysłane"},
	`\Trash`: {"Trash", "Deleted Items", "Deleted Messages", "Bin", "Papierkorb", "Gelöschte Elemente",
		"Gelöschte Objekte", "Corbeille", "Éléments supprimés", "Papelera", "Elementos eliminados",
		"Cestino", "Posta eliminata", "Prullenbak", "Kosz", "Удаленные", "Корзина"},
}

var specialByName = func() map[string]string {
	m := map[string]string{}
	for use, names := range localizedSpecial {
		for _, n := range names {
			m[strings.ToLower(n)] = use
		}
	}
	return m
}()

// guessSpecial is the special use a folder's name suggests: the whole
// name, or the name without the personal prefix.
func guessSpecial(name, prefix string) string {
	if u, ok := specialByName[strings.ToLower(name)]; ok {
		return u
	}
	if prefix != "" && strings.HasPrefix(name, prefix) {
		return specialByName[strings.ToLower(name[len(prefix):])]
	}
	return ""
}

// specials indexes a listing by special use: declared (RFC 6154) and
// guessed from names, the first name in sorted order winning.
func specials(list []record.Folder, prefix string) (declared, guessed map[string]string) {
	declared, guessed = map[string]string{}, map[string]string{}
	sorted := append([]record.Folder{}, list...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, f := range sorted {
		if u := f.SpecialUse; u != "" {
			if _, ok := declared[u]; !ok {
				declared[u] = f.Name
			}
		}
		if u := guessSpecial(f.Name, prefix); u != "" {
			if _, ok := guessed[u]; !ok {
				guessed[u] = f.Name
			}
		}
	}
	return declared, guessed
}

// automap pairs source folders with destination folders of the same
// special use, as imapsync: a source folder's declared use first, else the
// use its name suggests; on the destination a declared use first, else a
// suggested one. One source folder per use is paired, the one declaring
// it first, so that a localized twin ("Entwürfe" beside a \Drafts
// "Drafts") keeps its own name and the mapping stays the same on the next
// run, once the first run created the destination's folders. Folders
// without a match map by name.
func automap(srcList, dstList []record.Folder, srcPrefix, dstPrefix string) map[string]string {
	srcDeclared, srcGuessed := specials(srcList, srcPrefix)
	dstDeclared, dstGuessed := specials(dstList, dstPrefix)
	out := map[string]string{}
	for _, f := range srcList {
		use := f.SpecialUse
		if use == "" {
			use = guessSpecial(f.Name, srcPrefix)
		}
		if use == "" {
			continue
		}
		if owner, ok := srcDeclared[use]; ok && owner != f.Name || !ok && srcGuessed[use] != f.Name {
			continue
		}
		if d, ok := dstDeclared[use]; ok {
			out[f.Name] = d
		} else if d, ok := dstGuessed[use]; ok {
			out[f.Name] = d
		}
	}
	return out
}

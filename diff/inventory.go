package diff

import (
	"io"
	"sort"
	"strings"
	"time"

	"github.com/imapx/imapx/internal/record"
)

// msg is the part of a message record a diff needs, kept small: a diff
// holds both inventories in memory.
type msg struct {
	uid         uint32
	uidValidity uint32
	flags       []string
	date        time.Time
	size        int64
	ident       string
}

type folder struct {
	name       string
	subscribed bool
	specialUse string
	selectable bool
	listed     bool // a folder record was seen (not only messages)
	msgs       []msg
}

// inventoryMessage is what a diff needs of a message record; decoding
// no more (headers, extras) keeps loading big inventories cheap.
type inventoryMessage struct {
	Folder       string    `json:"folder"`
	UIDValidity  uint32    `json:"uidvalidity"`
	UID          uint32    `json:"uid"`
	Flags        []string  `json:"flags"`
	InternalDate time.Time `json:"internaldate"`
	Size         int64     `json:"size"`
	Ident        string    `json:"ident"`
}

// inventory is one side: its folders by name.
type inventory struct {
	name    string
	folders map[string]*folder
	order   []string
	delim   string
	prefix  string
	total   int
	bytes   int64
}

func (inv *inventory) folder(name string) *folder {
	if f, ok := inv.folders[name]; ok {
		return f
	}
	f := &folder{name: name, selectable: true}
	inv.folders[name] = f
	inv.order = append(inv.order, name)
	return f
}

// load reads an inventory: folder and message records; other records are
// refused, since a diff of anything else would be meaningless.
func load(r io.Reader, name string, noEnd io.Writer) (*inventory, error) {
	inv := &inventory{name: name, folders: map[string]*folder{}}
	rd := record.NewReader(r, name)
	rd.NoEnd = noEnd
	for {
		l, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		l.Raw.Close() // bodies are not needed to compare
		switch l.Type {
		case record.TypeFolder:
			var fr record.Folder
			if err := l.DecodeOnly(&fr); err != nil {
				return nil, err
			}
			if fr.Name == "" {
				return nil, l.Errorf("folder record has no \"name\"")
			}
			f := inv.folder(fr.Name)
			f.listed = true
			f.subscribed = fr.Subscribed
			f.specialUse = fr.SpecialUse
			f.selectable = selectable(fr.Attrs)
			if fr.Delim != "" && inv.delim == "" {
				inv.delim = fr.Delim
			}
			if fr.Prefix != "" {
				inv.prefix = fr.Prefix
			}
		case record.TypeMessage:
			var m inventoryMessage
			if err := l.DecodeOnly(&m); err != nil {
				return nil, err
			}
			switch {
			case m.Folder == "":
				return nil, l.Errorf("message record has no \"folder\"")
			case m.Ident == "":
				return nil, l.Errorf("message record has no \"ident\" (run imapx ident first)")
			case m.UID == 0:
				return nil, l.Errorf("message record has no \"uid\"")
			}
			f := inv.folder(m.Folder)
			f.msgs = append(f.msgs, msg{uid: m.UID, uidValidity: m.UIDValidity, flags: m.Flags,
				date: m.InternalDate, size: m.Size, ident: m.Ident})
			inv.total++
			inv.bytes += m.Size
		default:
			return nil, l.Errorf("an inventory holds folder and message records, not %q", l.Type)
		}
	}
	if inv.delim == "" {
		inv.delim = "/"
	}
	for _, f := range inv.folders {
		sort.Slice(f.msgs, func(i, j int) bool { return f.msgs[i].uid < f.msgs[j].uid })
	}
	return inv, nil
}

// selectable reports whether a folder can hold mail (not \Noselect, not
// \NonExistent).
func selectable(attrs []string) bool {
	for _, a := range attrs {
		if strings.EqualFold(a, `\Noselect`) || strings.EqualFold(a, `\NonExistent`) {
			return false
		}
	}
	return true
}

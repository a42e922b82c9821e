package diff

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"strings"
	"time"

	"github.com/imapx/imapx/internal/extsort"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/scratch"
)

// msg is the part of a message record a diff needs.
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
	count      int  // messages
	// off and end are the folder's span in the sorted inventory.
	off, end int64
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

// inventory is one side: its folders by name (in memory: few), and its
// messages sorted by (folder, ident, uid) in a scratch file (on disk:
// as many as the account holds), each folder a span read as a stream.
type inventory struct {
	name    string
	folders map[string]*folder
	order   []string
	delim   string
	prefix  string
	total   int
	bytes   int64
	sorted  *os.File
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

// close removes the sorted inventory.
func (inv *inventory) close() {
	if inv != nil && inv.sorted != nil {
		inv.sorted.Close()
	}
}

// load reads an inventory: folder and message records; other records are
// refused, since a diff of anything else would be meaningless. Messages
// go through s, which is left empty for reuse.
func load(r io.Reader, name string, o Options, s *extsort.Sorter) (*inventory, error) {
	inv := &inventory{name: name, folders: map[string]*folder{}}
	rd := record.NewReader(r, name)
	rd.NoEnd, rd.Trusted = o.NoEnd, o.Trusted
	var key, val []byte
	var fm record.MessageFields
	for {
		l, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.Reset()
			return nil, err
		}
		l.Raw.Close() // bodies are not needed to compare
		switch l.Type {
		case record.TypeFolder:
			var fr record.Folder
			if err := l.DecodeOnly(&fr); err != nil {
				s.Reset()
				return nil, err
			}
			if fr.Name == "" {
				s.Reset()
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
			if !record.FastMessage(l.JSON, &fm, true) {
				if err := l.DecodeOnly(&m); err != nil {
					s.Reset()
					return nil, err
				}
			} else {
				m = inventoryMessage(fm)
			}
			switch {
			case m.Folder == "":
				err = l.Errorf("message record has no \"folder\"")
			case m.Ident == "":
				err = l.Errorf("message record has no \"ident\" (run imapx ident first)")
			case m.UID == 0:
				err = l.Errorf("message record has no \"uid\"")
			}
			if err != nil {
				s.Reset()
				return nil, err
			}
			inv.folder(m.Folder).count++
			inv.total++
			inv.bytes += m.Size
			key, val = encodeMsg(key[:0], val[:0], &m)
			if err := s.Add(key, val); err != nil {
				s.Reset()
				return nil, err
			}
		default:
			s.Reset()
			return nil, l.Errorf("an inventory holds folder and message records, not %q", l.Type)
		}
	}
	if inv.delim == "" {
		inv.delim = "/"
	}
	if err := inv.writeSorted(s); err != nil {
		inv.close()
		return nil, err
	}
	return inv, nil
}

// writeSorted writes the messages of s, in key order, to the inventory's
// scratch file, and notes each folder's span there.
func (inv *inventory) writeSorted(s *extsort.Sorter) error {
	f, err := scratch.CreateTemp("imapx-diff-*")
	if err != nil {
		s.Reset()
		return err
	}
	inv.sorted = f
	w := bufio.NewWriterSize(f, 64<<10)
	var off int64
	var cur *folder
	var hdr [2 * binary.MaxVarintLen64]byte
	err = s.Each(func(key, val []byte) error {
		name, _ := splitKey(key)
		if cur == nil || cur.name != name {
			if cur != nil {
				cur.end = off
			}
			cur = inv.folders[name]
			cur.off = off
		}
		n := binary.PutUvarint(hdr[:], uint64(len(key)))
		n += binary.PutUvarint(hdr[n:], uint64(len(val)))
		w.Write(hdr[:n])
		w.Write(key)
		_, err := w.Write(val)
		off += int64(n + len(key) + len(val))
		return err
	})
	if cur != nil {
		cur.end = off
	}
	if err != nil {
		return err
	}
	return w.Flush()
}

// The sort key of a message is its folder, ident and UID, so that a
// folder's messages are one span and its identities groups in it; the
// strings are length-prefixed (a folder name may hold any byte), which
// keeps every group contiguous though not in alphabetical order, and the
// UID is big-endian, so that a group is in UID order.
//
//	key:   uvarint len(folder), folder, uvarint len(ident), ident, uid (4 bytes)
//	value: varint uidvalidity, varint size, varint unix seconds,
//	       uvarint nanoseconds, varint zone offset, uvarint flags+1 (0: null),
//	       each flag as uvarint length and bytes
func encodeMsg(key, val []byte, m *inventoryMessage) ([]byte, []byte) {
	key = appendString(key, m.Folder)
	key = appendString(key, m.Ident)
	key = binary.BigEndian.AppendUint32(key, m.UID)
	val = binary.AppendUvarint(val, uint64(m.UIDValidity))
	val = binary.AppendVarint(val, m.Size)
	_, offset := m.InternalDate.Zone()
	val = binary.AppendVarint(val, m.InternalDate.Unix())
	val = binary.AppendUvarint(val, uint64(m.InternalDate.Nanosecond()))
	val = binary.AppendVarint(val, int64(offset))
	if m.Flags == nil {
		val = binary.AppendUvarint(val, 0)
	} else {
		val = binary.AppendUvarint(val, uint64(len(m.Flags))+1)
		for _, f := range m.Flags {
			val = appendString(val, f)
		}
	}
	return key, val
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// splitKey returns a key's folder and the rest.
func splitKey(key []byte) (string, []byte) {
	n, k := binary.Uvarint(key)
	end := k + int(n)
	return string(key[k:end]), key[end:]
}

var errCorrupt = errors.New("diff: sorted inventory is corrupt")

// groups reads one folder's span of a sorted inventory as groups of
// messages of one identity, in UID order.
type groups struct {
	r      *extsort.Reader
	peeked bool
	next   msg
	out    []msg
	zones  map[int]*time.Location
}

func (inv *inventory) groups(f *folder) *groups {
	g := &groups{zones: map[int]*time.Location{}}
	if inv.sorted != nil && f.end > f.off {
		g.r = extsort.NewReader(io.NewSectionReader(inv.sorted, f.off, f.end-f.off))
	}
	return g
}

// read decodes the next message into g.next; false at the span's end.
func (g *groups) read() (bool, error) {
	if g.r == nil {
		return false, nil
	}
	key, v, ok, err := g.r.Next()
	if !ok || err != nil {
		return false, err
	}
	_, rest := splitKey(key)
	n, k := binary.Uvarint(rest)
	if k <= 0 || len(rest) != k+int(n)+4 {
		return false, errCorrupt
	}
	m := &g.next
	if m.ident != string(rest[k:k+int(n)]) {
		m.ident = string(rest[k : k+int(n)])
	}
	m.uid = binary.BigEndian.Uint32(rest[k+int(n):])
	var u uint64
	u, v = uvarint(v)
	m.uidValidity = uint32(u)
	var i int64
	i, v = varint(v)
	m.size = i
	var sec, off int64
	var nsec uint64
	sec, v = varint(v)
	nsec, v = uvarint(v)
	off, v = varint(v)
	loc := time.UTC
	if off != 0 {
		if loc = g.zones[int(off)]; loc == nil {
			loc = time.FixedZone("", int(off))
			g.zones[int(off)] = loc
		}
	}
	m.date = time.Unix(sec, int64(nsec)).In(loc)
	u, v = uvarint(v)
	m.flags = nil
	if u > 0 {
		m.flags = make([]string, 0, u-1)
		for range u - 1 {
			var l uint64
			l, v = uvarint(v)
			if uint64(len(v)) < l {
				return false, errCorrupt
			}
			m.flags = append(m.flags, string(v[:l]))
			v = v[l:]
		}
	}
	return true, nil
}

// group returns the next identity's messages (valid until the next
// call), or none at the span's end.
func (g *groups) group() (string, []msg, error) {
	g.out = g.out[:0]
	if !g.peeked {
		ok, err := g.read()
		if err != nil || !ok {
			return "", nil, err
		}
	}
	g.peeked = false
	g.out = append(g.out, g.next)
	for {
		ok, err := g.read()
		if err != nil {
			return "", nil, err
		}
		if !ok {
			break
		}
		if g.next.ident != g.out[0].ident {
			g.peeked = true
			break
		}
		g.out = append(g.out, g.next)
	}
	return g.out[0].ident, g.out, nil
}

func uvarint(b []byte) (uint64, []byte) {
	u, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil
	}
	return u, b[n:]
}

func varint(b []byte) (int64, []byte) {
	i, n := binary.Varint(b)
	if n <= 0 {
		return 0, nil
	}
	return i, b[n:]
}

// identCmp orders identities as the sort keys do: by their
// length-prefixed bytes (a uvarint is prefix-free, so unequal lengths
// are told apart by the prefix alone).
func identCmp(a, b string) int {
	var pa, pb [binary.MaxVarintLen64]byte
	na := binary.PutUvarint(pa[:], uint64(len(a)))
	nb := binary.PutUvarint(pb[:], uint64(len(b)))
	if c := strings.Compare(string(pa[:na]), string(pb[:nb])); c != 0 {
		return c
	}
	return strings.Compare(a, b)
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

package diff

import (
	"encoding/binary"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/imapx/imapx/internal/extsort"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/record"
)

// Options for a diff.
type Options struct {
	// F1F2 maps source folder names to destination names, overriding the
	// automatic mapping (imapsync's --f1f2).
	F1F2 map[string]string
	// Mapping is the rest of imapsync's folder mapping (--automap,
	// --regextrans2, --subfolder1/2, --prefix1/2, --sep1/2).
	Mapping folders.Mapping
	// NoMixFolders syncs only the first (in name order) of source folders
	// whose destination names differ only in case (imapsync's
	// --nomixfolders, for case-insensitive destinations).
	NoMixFolders bool
	// FolderFirst and FolderLast are source folders the plan takes first
	// and last, in the order given (imapsync's --folderfirst/--folderlast).
	FolderFirst, FolderLast []string
	// SubscribeAll subscribes every folder created; NoSubscribe none
	// (by default those subscribed on the source, imapsync's --subscribe).
	SubscribeAll, NoSubscribe bool
	// Delete2FoldersOnly and Delete2FoldersButNot narrow which
	// destination folders Delete2Folders deletes (imapsync's
	// --delete2foldersonly / --delete2foldersbutnot, which imply it).
	Delete2FoldersOnly, Delete2FoldersButNot *regexp.Regexp
	// NoResyncFlags leaves the flags of messages on both sides alone (by
	// default they are compared, as imapsync does).
	NoResyncFlags bool
	// Delete2 deletes destination messages that are not in the source.
	Delete2 bool
	// Delete2Folders deletes destination folders that no source folder maps to.
	Delete2Folders bool
	// Delete2Duplicates deletes destination copies beyond the source's count
	// (at least one is kept).
	Delete2Duplicates bool
	// SkipDuplicates copies one message per identity (imapsync's default
	// collapse of duplicates); otherwise duplicates are copied as many times
	// as the source has them.
	SkipDuplicates bool
	// SkipEmptyFolders does not create destination folders for empty
	// source folders.
	SkipEmptyFolders bool
	// CreateParents creates destination folders for the source's
	// \Noselect/\NonExistent parents too (real, empty folders); by default
	// they are left to the server, which makes them for their children
	// where its layout needs them.
	CreateParents bool
	// NoEnd accepts inventories without an end record, warning there.
	NoEnd io.Writer
	// Trusted: the inventories were written by this process (sync's
	// scratch files; see record.Reader.Trusted).
	Trusted bool `json:"-"`
	// Skipped, if set, is told of each source message not copied: already
	// on the destination as dst, or a duplicate SkipDuplicates leaves out
	// (dst nil). Sync's log file has a line for each.
	Skipped func(src record.Ref, dst *record.Ref, size int64) `json:"-"`
}

// Summary counts what differs, rclone-check style.
type Summary struct {
	SrcMessages int   `json:"src_messages"`
	DstMessages int   `json:"dst_messages"`
	Same        int   `json:"same"`
	OnlySrc     int   `json:"only_in_source"`
	OnlyDst     int   `json:"only_in_destination"`
	FlagsDiffer int   `json:"flags_differ"`
	Duplicates  int   `json:"source_duplicates_skipped"`
	CopyBytes   int64 `json:"copy_bytes"`
	// SrcBytes, DstBytes and SameBytes are the sizes of the messages
	// counted in SrcMessages, DstMessages and Same (sync's statistics).
	SrcBytes        int64 `json:"src_bytes"`
	DstBytes        int64 `json:"dst_bytes"`
	SameBytes       int64 `json:"same_bytes"`
	FoldersToCreate int   `json:"folders_to_create"`
	FoldersOnlyDst  int   `json:"folders_only_in_destination"`
	Deletes         int   `json:"deletes"`
	FolderDeletes   int   `json:"folder_deletes"`
	// Unchanged counts, among Same, the messages of folder pairs not read
	// because both sides' STATUS is what it was when last found in sync
	// (imapx sync's state).
	Unchanged int `json:"unchanged_from_state,omitempty"`
	// NotCompared counts, among Same, the messages of folder pairs read
	// only where they changed since last in sync (imapx sync's state with
	// CONDSTORE): not changed on either side, so not compared again.
	NotCompared int `json:"not_compared_unchanged,omitempty"`
	// FoldersNotMixed counts source folders --nomixfolders left out, and
	// NotSelected their messages (not in SrcMessages).
	FoldersNotMixed int `json:"folders_not_mixed,omitempty"`
	NotSelected     int `json:"not_selected,omitempty"`
}

// Differs reports whether the two sides differ at all.
func (s Summary) Differs() bool {
	return s.OnlySrc > 0 || s.OnlyDst > 0 || s.FlagsDiffer > 0 || s.FoldersToCreate > 0 || s.FoldersOnlyDst > 0
}

// Run compares two inventories and writes the plan to out. Memory does
// not grow with the inventories: their messages are sorted on disk by
// folder and identity and read back a folder pair at a time, and each
// pair's ops are put back in source UID order the same way.
func Run(src, dst io.Reader, srcName, dstName string, o Options, out io.Writer) (Summary, error) {
	var sum Summary
	srt := extsort.New()
	defer srt.Release()
	s, err := load(src, srcName, o, srt)
	if err != nil {
		return sum, err
	}
	defer s.close()
	d, err := load(dst, dstName, o, srt)
	if err != nil {
		return sum, err
	}
	defer d.close()
	w := record.NewWriter(out)
	p := &planner{o: o, w: w, sum: &sum, src: s, dst: d, events: srt,
		m: o.mapping().Mapper(folders.Naming{Delim: s.delim, Prefix: s.prefix},
			folders.Naming{Delim: d.delim, Prefix: d.prefix}, s.listing(), d.listing())}
	if err := p.plan(); err != nil {
		w.Flush()
		return sum, err
	}
	return sum, w.End("diff")
}

type planner struct {
	o        Options
	w        *record.Writer
	sum      *Summary
	src, dst *inventory
	m        *folders.Mapper
	// events holds a folder pair's ops (and skipped messages) until
	// they are written in source UID order.
	events *extsort.Sorter
	seq    uint64
	key    []byte
}

func (p *planner) plan() error {
	p.sum.SrcMessages, p.sum.DstMessages = p.src.total, p.dst.total
	p.sum.SrcBytes, p.sum.DstBytes = p.src.bytes, p.dst.bytes
	names := append([]string{}, p.src.order...)
	sort.Strings(names)
	names = firstLast(names, p.o.FolderFirst, p.o.FolderLast)

	mapped := map[string]bool{}
	if root := p.m.Subfolder2Root(); root != "" {
		mapped[root] = true // --subfolder2's folder holds the copy
	}
	mixed := map[string]string{} // --nomixfolders: folded name → first source
	var pairs [][2]*folder
	for _, name := range names {
		sf := p.src.folders[name]
		dname := p.m.Map(name)
		if p.o.NoMixFolders {
			key := strings.ToLower(dname)
			if first, ok := mixed[key]; ok && first != dname {
				p.sum.FoldersNotMixed++
				p.sum.SrcMessages -= sf.count
				p.sum.NotSelected += sf.count
				continue
			}
			mixed[key] = dname
		}
		mapped[dname] = true
		df := p.dst.folders[dname]
		if df == nil || !df.listed && df.count == 0 {
			if p.o.SkipEmptyFolders && sf.count == 0 {
				continue
			}
			if !sf.selectable && sf.count == 0 && !p.o.CreateParents {
				// A \Noselect parent stays one: creating its children
				// makes it on the servers that need it, a CREATE would
				// make it a real folder.
				continue
			}
			p.sum.FoldersToCreate++
			if err := p.w.Write(&record.Op{Type: record.TypeOp, Op: record.OpCreateFolder,
				Src: &record.Ref{Folder: name}, Dst: &record.Ref{Folder: dname}, Subscribed: (sf.subscribed || p.o.SubscribeAll) && !p.o.NoSubscribe,
				SpecialUse: sf.specialUse}); err != nil {
				return err
			}
		}
		if df == nil {
			df = &folder{name: dname}
		}
		pairs = append(pairs, [2]*folder{sf, df})
	}
	for _, pr := range pairs {
		if err := p.folder(pr[0], pr[1]); err != nil {
			return err
		}
	}

	dnames := append([]string{}, p.dst.order...)
	sort.Sort(sort.Reverse(sort.StringSlice(dnames))) // children before parents
	for _, dname := range dnames {
		if mapped[dname] || strings.EqualFold(dname, "INBOX") {
			continue
		}
		df := p.dst.folders[dname]
		p.sum.FoldersOnlyDst++
		p.sum.OnlyDst += df.count
		if p.deletesFolder(dname) {
			p.sum.FolderDeletes++
			if err := p.w.Write(&record.Op{Type: record.TypeOp, Op: record.OpDeleteFolder,
				Dst: &record.Ref{Folder: dname}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// folder compares one source folder with its destination folder: both
// sides' identity groups are merged as streams, and the ops go through
// the events sorter to be written in source UID order (of each
// identity's first message), deletes last in destination UID order.
func (p *planner) folder(sf, df *folder) error {
	sg, dg := p.src.groups(sf), p.dst.groups(df)
	sid, s, err := sg.group()
	if err != nil {
		return err
	}
	did, d, err := dg.group()
	if err != nil {
		return err
	}
	for len(s) > 0 || len(d) > 0 {
		c := 0
		switch {
		case len(s) == 0:
			c = 1
		case len(d) == 0:
			c = -1
		default:
			c = identCmp(sid, did)
		}
		switch {
		case c < 0:
			err = p.pair(sf, df, sid, s, nil)
		case c > 0:
			err = p.onlyDst(df, d)
		default:
			err = p.pair(sf, df, sid, s, d)
		}
		if err != nil {
			return err
		}
		if c <= 0 {
			if sid, s, err = sg.group(); err != nil {
				return err
			}
		}
		if c >= 0 {
			if did, d, err = dg.group(); err != nil {
				return err
			}
		}
	}
	return p.events.Each(func(_, val []byte) error {
		switch val[0] {
		case evOp:
			return p.w.WriteLine(val[1:])
		case evSkipped:
			v := val[1:]
			src := record.Ref{Folder: sf.name, UID: binary.BigEndian.Uint32(v)}
			var dst *record.Ref
			if u := binary.BigEndian.Uint32(v[4:]); u != 0 {
				dst = &record.Ref{Folder: df.name, UID: u}
			}
			size, _ := binary.Varint(v[8:])
			p.o.Skipped(src, dst, size)
		}
		return nil
	})
}

// Events of a folder pair, the first byte of their value.
const (
	evOp      = 'o' // an op line follows
	evSkipped = 's' // src uid, dst uid (0: none), varint size follow
)

// event queues an op or a skipped message under the identity group's
// first source UID (deletes: after every group, by destination UID).
func (p *planner) event(uid uint32, del bool, val []byte) error {
	p.seq++
	k := p.key[:0]
	if del {
		k = append(k, 1)
	} else {
		k = append(k, 0)
	}
	k = binary.BigEndian.AppendUint32(k, uid)
	k = binary.BigEndian.AppendUint64(k, p.seq)
	p.key = k
	return p.events.Add(k, val)
}

func (p *planner) opEvent(uid uint32, del bool, op *record.Op) error {
	js, err := record.Marshal(op)
	if err != nil {
		return err
	}
	return p.event(uid, del, append([]byte{evOp}, js...))
}

func (p *planner) skipped(first uint32, src uint32, dst uint32, size int64) error {
	if p.o.Skipped == nil {
		return nil
	}
	v := []byte{evSkipped}
	v = binary.BigEndian.AppendUint32(v, src)
	v = binary.BigEndian.AppendUint32(v, dst)
	v = binary.AppendVarint(v, size)
	return p.event(first, false, v)
}

// pair plans one identity: s its source messages, d its destination
// ones (both in UID order).
func (p *planner) pair(sf, df *folder, id string, s, d []msg) error {
	first := s[0].uid
	want := s
	if p.o.SkipDuplicates && len(s) > 1 {
		p.sum.Duplicates += len(s) - 1
		want = s[:1]
		for _, m := range s[1:] {
			if err := p.skipped(first, m.uid, 0, m.size); err != nil {
				return err
			}
		}
	}
	n := min(len(want), len(d))
	for i := 0; i < n; i++ {
		p.sum.Same++
		p.sum.SameBytes += want[i].size
		if err := p.skipped(first, want[i].uid, d[i].uid, want[i].size); err != nil {
			return err
		}
		if p.o.NoResyncFlags {
			continue
		}
		add, remove := flagDiff(want[i].flags, d[i].flags)
		if len(add) == 0 && len(remove) == 0 {
			continue
		}
		p.sum.FlagsDiffer++
		if err := p.opEvent(first, false, &record.Op{Type: record.TypeOp, Op: record.OpFlags, Ident: id,
			Src:   &record.Ref{Folder: sf.name, UID: want[i].uid, UIDValidity: want[i].uidValidity},
			Dst:   &record.Ref{Folder: df.name, UID: d[i].uid, UIDValidity: d[i].uidValidity},
			Flags: want[i].flags, FlagsAdd: add, FlagsRemove: remove}); err != nil {
			return err
		}
	}
	for _, m := range want[n:] {
		p.sum.OnlySrc++
		p.sum.CopyBytes += m.size
		date := m.date
		if err := p.opEvent(first, false, &record.Op{Type: record.TypeOp, Op: record.OpCopy, Ident: id,
			Src:   &record.Ref{Folder: sf.name, UID: m.uid, UIDValidity: m.uidValidity},
			Dst:   &record.Ref{Folder: df.name},
			Flags: nonNil(m.flags), InternalDate: &date, Size: m.size}); err != nil {
			return err
		}
	}
	if extra := d[min(n, len(d)):]; len(extra) > 0 {
		p.sum.OnlyDst += len(extra)
		switch {
		case p.o.Delete2:
			return p.deletes(df, extra)
		case p.o.Delete2Duplicates && len(want) > 0:
			return p.deletes(df, extra)
		case p.o.Delete2Duplicates && len(extra) > 1:
			return p.deletes(df, extra[1:])
		}
	}
	return nil
}

// onlyDst plans an identity the source folder lacks.
func (p *planner) onlyDst(df *folder, d []msg) error {
	p.sum.OnlyDst += len(d)
	switch {
	case p.o.Delete2:
		return p.deletes(df, d)
	case p.o.Delete2Duplicates && len(d) > 1:
		return p.deletes(df, d[1:])
	}
	return nil
}

func (p *planner) deletes(df *folder, ms []msg) error {
	for _, m := range ms {
		p.sum.Deletes++
		if err := p.opEvent(m.uid, true, &record.Op{Type: record.TypeOp, Op: record.OpDelete, Ident: m.ident,
			Dst: &record.Ref{Folder: df.name, UID: m.uid, UIDValidity: m.uidValidity}, Size: m.size}); err != nil {
			return err
		}
	}
	return nil
}

// flagDiff returns the flags to add to and remove from dst to equal src.
// Flags compare case-insensitively (RFC 3501); only carried flags count
// (record.Carried: never \Recent).
func flagDiff(src, dst []string) (add, remove []string) {
	in := func(set []string, f string) bool {
		for _, x := range set {
			if strings.EqualFold(x, f) {
				return true
			}
		}
		return false
	}
	for _, f := range src {
		if record.Carried(f) && !in(dst, f) {
			add = append(add, f)
		}
	}
	for _, f := range dst {
		if record.Carried(f) && !in(src, f) {
			remove = append(remove, f)
		}
	}
	return add, remove
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// String is the one-line summary printed on stderr.
func (s Summary) String() string {
	return fmt.Sprintf("source %d, destination %d messages: = %d same, + %d only in source (%d bytes to copy), - %d only in destination, * %d flags differ; %d folders to create, %d only in destination",
		s.SrcMessages, s.DstMessages, s.Same, s.OnlySrc, s.CopyBytes, s.OnlyDst, s.FlagsDiffer, s.FoldersToCreate, s.FoldersOnlyDst) + s.unchanged()
}

func (s Summary) unchanged() string {
	var parts []string
	if s.Unchanged > 0 {
		parts = append(parts, fmt.Sprintf("%d same in folders unchanged since last in sync, not read", s.Unchanged))
	}
	if s.NotCompared > 0 {
		parts = append(parts, fmt.Sprintf("%d same unchanged on both sides since last in sync, not compared again", s.NotCompared))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

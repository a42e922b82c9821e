package diff

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

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
	// FoldersNotMixed counts source folders --nomixfolders left out, and
	// NotSelected their messages (not in SrcMessages).
	FoldersNotMixed int `json:"folders_not_mixed,omitempty"`
	NotSelected     int `json:"not_selected,omitempty"`
}

// Differs reports whether the two sides differ at all.
func (s Summary) Differs() bool {
	return s.OnlySrc > 0 || s.OnlyDst > 0 || s.FlagsDiffer > 0 || s.FoldersToCreate > 0 || s.FoldersOnlyDst > 0
}

// Run compares two inventories and writes the plan to out.
func Run(src, dst io.Reader, srcName, dstName string, o Options, out io.Writer) (Summary, error) {
	var sum Summary
	s, err := load(src, srcName, o.NoEnd)
	if err != nil {
		return sum, err
	}
	d, err := load(dst, dstName, o.NoEnd)
	if err != nil {
		return sum, err
	}
	w := record.NewWriter(out)
	p := &planner{o: o, w: w, sum: &sum, src: s, dst: d,
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
				p.sum.SrcMessages -= len(sf.msgs)
				p.sum.NotSelected += len(sf.msgs)
				continue
			}
			mixed[key] = dname
		}
		mapped[dname] = true
		df := p.dst.folders[dname]
		if df == nil || !df.listed && len(df.msgs) == 0 {
			if p.o.SkipEmptyFolders && len(sf.msgs) == 0 {
				continue
			}
			if !sf.selectable && len(sf.msgs) == 0 && !p.o.CreateParents {
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
		p.sum.OnlyDst += len(df.msgs)
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

// folder compares one source folder with its destination folder.
func (p *planner) folder(sf, df *folder) error {
	srcBy := groupByIdent(sf.msgs)
	dstBy := groupByIdent(df.msgs)
	idents := make([]string, 0, len(srcBy))
	for id := range srcBy {
		idents = append(idents, id)
	}
	// Plan in source UID order, so a plan replays like the mailbox reads.
	sort.Slice(idents, func(i, j int) bool { return srcBy[idents[i]][0].uid < srcBy[idents[j]][0].uid })

	var deletes []msg
	for _, id := range idents {
		s, d := srcBy[id], dstBy[id]
		want := s
		if p.o.SkipDuplicates && len(s) > 1 {
			p.sum.Duplicates += len(s) - 1
			want = s[:1]
			if p.o.Skipped != nil {
				for _, m := range s[1:] {
					p.o.Skipped(record.Ref{Folder: sf.name, UID: m.uid}, nil, m.size)
				}
			}
		}
		n := min(len(want), len(d))
		for i := 0; i < n; i++ {
			p.sum.Same++
			p.sum.SameBytes += want[i].size
			if p.o.Skipped != nil {
				p.o.Skipped(record.Ref{Folder: sf.name, UID: want[i].uid}, &record.Ref{Folder: df.name, UID: d[i].uid}, want[i].size)
			}
			if p.o.NoResyncFlags {
				continue
			}
			add, remove := flagDiff(want[i].flags, d[i].flags)
			if len(add) == 0 && len(remove) == 0 {
				continue
			}
			p.sum.FlagsDiffer++
			if err := p.w.Write(&record.Op{Type: record.TypeOp, Op: record.OpFlags, Ident: id,
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
			if err := p.w.Write(&record.Op{Type: record.TypeOp, Op: record.OpCopy, Ident: id,
				Src:   &record.Ref{Folder: sf.name, UID: m.uid, UIDValidity: m.uidValidity},
				Dst:   &record.Ref{Folder: df.name},
				Flags: nonNil(m.flags), InternalDate: &date, Size: m.size}); err != nil {
				return err
			}
		}
		if extra := d[n:]; len(extra) > 0 {
			p.sum.OnlyDst += len(extra)
			switch {
			case p.o.Delete2:
				deletes = append(deletes, extra...)
			case p.o.Delete2Duplicates && len(want) > 0:
				deletes = append(deletes, extra...)
			case p.o.Delete2Duplicates && len(extra) > 1:
				deletes = append(deletes, extra[1:]...)
			}
		}
	}
	for id, d := range dstBy {
		if _, ok := srcBy[id]; ok {
			continue
		}
		p.sum.OnlyDst += len(d)
		switch {
		case p.o.Delete2:
			deletes = append(deletes, d...)
		case p.o.Delete2Duplicates && len(d) > 1:
			deletes = append(deletes, d[1:]...)
		}
	}
	sort.Slice(deletes, func(i, j int) bool { return deletes[i].uid < deletes[j].uid })
	for _, m := range deletes {
		p.sum.Deletes++
		if err := p.w.Write(&record.Op{Type: record.TypeOp, Op: record.OpDelete, Ident: m.ident,
			Dst: &record.Ref{Folder: df.name, UID: m.uid, UIDValidity: m.uidValidity}, Size: m.size}); err != nil {
			return err
		}
	}
	return nil
}

func groupByIdent(ms []msg) map[string][]msg {
	g := make(map[string][]msg, len(ms))
	for _, m := range ms {
		g[m.ident] = append(g[m.ident], m)
	}
	return g
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
	if s.Unchanged == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d same in folders unchanged since last in sync, not read)", s.Unchanged)
}
